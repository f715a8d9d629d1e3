<%inherit file="layout.mako"/>
<%def name="title()">Volumes</%def>
<h1>Volumes</h1>
<table class="list"><thead><tr><th>Name</th><th>Size</th><th>Status</th><th>Attached to</th><th>Bootable</th></tr></thead><tbody>
% for v in volumes:
<tr><td>${v.get('name') or v['id']}</td><td>${v['size']} GB</td><td>${v['status']}</td>
<td>${', '.join(a.get('server_id', '') for a in v.get('attachments') or [])}</td><td>${v.get('bootable')}</td></tr>
% endfor
% if not volumes:
<tr><td colspan="5" class="empty">No volumes.</td></tr>
% endif
</tbody></table>
<h2>Create a volume</h2>
% if error:
<p class="error" role="alert">${error}</p>
% endif
<form method="post" action="${prefix}/volumes" class="inline">
  <input type="hidden" name="csrf_token" value="${session.csrf}">
  <label>Name <input name="name"></label>
  <label>Size (GB) <input name="size" type="number" min="1" value="1" required></label>
  <button>Create</button>
</form>
