<%inherit file="layout.mako"/>
<%def name="title()">Images</%def>
<h1>Images</h1>
<table class="list"><thead><tr><th>Name</th><th>Status</th><th>Visibility</th><th>Format</th><th>Size</th><th></th></tr></thead><tbody>
% for i in images:
<tr><td>${i.get('name') or ''}</td><td>${i['status']}</td><td>${i.get('visibility')}</td><td>${i.get('disk_format') or ''}</td>
<td>${'' if i.get('size') is None else '%.1f MB' % (i['size'] / 1048576)}</td>
<td>${'' if i['status'] != 'active' else ''}<a href="${prefix}/launch?image=${i['id']}">Launch</a></td></tr>
% endfor
% if not images:
<tr><td colspan="6" class="empty">No images.</td></tr>
% endif
</tbody></table>
