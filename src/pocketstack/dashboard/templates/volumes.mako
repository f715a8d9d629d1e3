<%inherit file="layout.mako"/>
<%def name="title()">Volumes</%def>
<h1>Volumes</h1>
% if error:
<p class="error" role="alert" id="volume-error">${error}</p>
% endif
<table class="list" id="volumes"><thead><tr><th>Name</th><th>Size</th><th>Status</th><th>Attached to</th><th>Bootable</th><th>Actions</th></tr></thead><tbody data-live="${prefix}/volumes/rows">
<%include file="_volume_rows.mako"/>
</tbody></table>
<h2>Snapshots</h2>
<table class="list" id="snapshots"><thead><tr><th>Name</th><th>Volume</th><th>Size</th><th>Status</th><th></th></tr></thead><tbody>
% for s in snapshots:
<tr><td>${s.get('name') or s['id']}</td><td><code>${s['volume_id'][:8]}</code></td><td>${s['size']} GB</td><td>${s['status']}</td>
<td class="actions-cell">
% if s['status'] == 'available':
<a href="${prefix}/launch?snapshot=${s['id']}">Launch from</a>
% endif
<form method="post" action="${prefix}/snapshots/${s['id']}/delete" class="row">
<input type="hidden" name="csrf_token" value="${session.csrf}"><button class="small danger">Delete</button></form></td></tr>
% endfor
% if not snapshots:
<tr><td colspan="5" class="empty">No snapshots.</td></tr>
% endif
</tbody></table>
<h2>Create a volume</h2>
<form method="post" action="${prefix}/volumes" class="inline" id="volume-create">
  <input type="hidden" name="csrf_token" value="${session.csrf}">
  <label>Name <input name="name"></label>
  <label>Size (GB) <input name="size" type="number" min="1" value="1" required></label>
  <label>From snapshot <select name="snapshot_id"><option value="">none</option>
% for s in snapshots:
  <option value="${s['id']}">${s.get('name') or s['id']} (${s['size']} GB)</option>
% endfor
  </select></label>
  <label>Or from image <select name="image_id"><option value="">none (empty volume)</option>
% for i in images:
  <option value="${i['id']}">${i.get('name') or i['id']}</option>
% endfor
  </select></label>
  <button>Create</button>
</form>
