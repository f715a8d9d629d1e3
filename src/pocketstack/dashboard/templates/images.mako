<%inherit file="layout.mako"/>
<%def name="title()">Images</%def>
<h1>Images</h1>
% if error:
<p class="error" role="alert">${error}</p>
% endif
<table class="list" id="images"><thead><tr><th>Name</th><th>Status</th><th>Visibility</th><th>Format</th><th>Size</th><th></th></tr></thead><tbody>
% for i in images:
<tr><td>${i.get('name') or ''}</td><td>${i['status']}</td><td>${i.get('visibility')}</td><td>${i.get('disk_format') or ''}</td>
<td>${'' if i.get('size') is None else '%.1f MB' % (i['size'] / 1048576)}</td>
<td class="actions-cell">
% if i['status'] == 'active':
<a href="${prefix}/launch?image=${i['id']}">Launch</a>
% endif
% if i.get('owner') == session.token.project_id:
<details class="edit"><summary>Edit</summary>
<form method="post" action="${prefix}/images/${i['id']}/edit" class="inline image-edit">
<input type="hidden" name="csrf_token" value="${session.csrf}">
<label>Name <input name="name" value="${i.get('name') or ''}"></label>
<label>Visibility <select name="visibility">
% for v in ("private", "shared", "community", "public"):
<option ${'selected' if v == i.get('visibility') else ''}>${v}</option>
% endfor
</select></label>
<label>Share with project ID <input name="share_with" size="34"></label>
<button class="small">Save</button></form></details>
<form method="post" action="${prefix}/images/${i['id']}/delete" class="row" data-confirm="Delete image ${i.get('name') or i['id']}?">
<input type="hidden" name="csrf_token" value="${session.csrf}"><button class="small danger">Delete</button></form>
% endif
</td></tr>
% endfor
% if not images:
<tr><td colspan="6" class="empty">No images.</td></tr>
% endif
</tbody></table>
<h2>Upload an image</h2>
<form class="inline" id="image-upload" data-create="${prefix}/images" data-upload="${prefix}/images/ID/file">
  <label>Name <input name="name" required></label>
  <label>Format <select name="disk_format">
% for f in ("qcow2", "raw", "iso", "vmdk", "vdi"):
  <option>${f}</option>
% endfor
  </select></label>
  <label>File <input type="file" name="file" required></label>
  <button>Upload</button>
  <progress id="upload-progress" max="100" value="0" hidden></progress>
  <span id="upload-status" role="status"></span>
</form>
