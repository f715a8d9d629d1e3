<%inherit file="layout.mako"/>
<%def name="title()">Security groups</%def>
<h1>Security groups</h1>
% for g in groups:
<h2>${g['name']} <small>${g.get('description') or ''}</small></h2>
<table class="list"><thead><tr><th>Direction</th><th>Ether type</th><th>Protocol</th><th>Ports</th><th>Remote</th></tr></thead><tbody>
% for r in g.get('security_group_rules') or []:
<tr><td>${r['direction']}</td><td>${r.get('ethertype')}</td><td>${r.get('protocol') or 'any'}</td>
<td>${'any' if r.get('port_range_min') is None else ('%s-%s' % (r['port_range_min'], r['port_range_max']))}</td>
<td>${r.get('remote_ip_prefix') or (('group ' + r['remote_group_id'][:8]) if r.get('remote_group_id') else 'any')}</td></tr>
% endfor
</tbody></table>
% endfor
