% for v in volumes:
<tr data-volume="${v.get('name') or v['id']}"><td>${v.get('name') or v['id']}</td><td>${v['size']} GB</td><td>${v['status']}</td>
<td>${', '.join(a.get('server_id', '')[:8] for a in v.get('attachments') or [])}</td><td>${v.get('bootable')}</td>
<td class="actions-cell">
% if v['status'] == 'available' and str(v.get('bootable')).lower() == 'true':
<a href="${prefix}/launch?volume=${v['id']}">Launch from</a>
% endif
<form method="post" action="${prefix}/volumes/${v['id']}/action" class="row">
<input type="hidden" name="csrf_token" value="${session.csrf}"><input type="hidden" name="action" value="extend">
<input name="size" type="number" min="${v['size'] + 1}" value="${v['size'] + 1}" class="narrow"><button class="small">Extend</button></form>
<form method="post" action="${prefix}/volumes/${v['id']}/action" class="row">
<input type="hidden" name="csrf_token" value="${session.csrf}"><input type="hidden" name="action" value="snapshot">
<input name="name" placeholder="snapshot name" class="narrow"><button class="small">Snapshot</button></form>
<form method="post" action="${prefix}/volumes/${v['id']}/action" class="row">
<input type="hidden" name="csrf_token" value="${session.csrf}"><input type="hidden" name="action" value="upload">
<input name="name" placeholder="image name" class="narrow"><button class="small">To image</button></form>
<form method="post" action="${prefix}/volumes/${v['id']}/action" class="row" data-confirm="Delete volume ${v.get('name') or v['id']}?">
<input type="hidden" name="csrf_token" value="${session.csrf}"><input type="hidden" name="action" value="delete">
<button class="small danger">Delete</button></form>
</td></tr>
% endfor
% if not volumes:
<tr><td colspan="6" class="empty">No volumes.</td></tr>
% endif
