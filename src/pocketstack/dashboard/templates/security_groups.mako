<%inherit file="layout.mako"/>
<%def name="title()">Security groups</%def>
<h1>Security groups</h1>
% if error:
<p class="error" role="alert" id="group-error">${error}</p>
% endif
% for g in groups:
<section class="group" data-group="${g['name']}">
<h2>${g['name']} <small>${g.get('description') or ''}</small>
% if g['name'] != 'default':
<form method="post" action="${prefix}/security-groups/${g['id']}/delete" class="row" data-confirm="Delete security group ${g['name']}?">
<input type="hidden" name="csrf_token" value="${session.csrf}"><button class="small danger">Delete group</button></form>
% endif
</h2>
<table class="list"><thead><tr><th>Direction</th><th>Ether type</th><th>Protocol</th><th>Ports</th><th>Remote</th><th></th></tr></thead><tbody>
% for r in g.get('security_group_rules') or []:
<tr><td>${r['direction']}</td><td>${r.get('ethertype')}</td><td>${r.get('protocol') or 'any'}</td>
<td>${'any' if r.get('port_range_min') is None else ('%s-%s' % (r['port_range_min'], r['port_range_max']))}</td>
<td>${r.get('remote_ip_prefix') or (('group ' + r['remote_group_id'][:8]) if r.get('remote_group_id') else 'any')}</td>
<td><form method="post" action="${prefix}/security-group-rules/${r['id']}/delete" class="row">
<input type="hidden" name="csrf_token" value="${session.csrf}"><button class="small">Delete</button></form></td></tr>
% endfor
</tbody></table>
<form method="post" action="${prefix}/security-groups/${g['id']}/rules" class="inline rule-form">
  <input type="hidden" name="csrf_token" value="${session.csrf}">
  <label>Direction <select name="direction"><option>ingress</option><option>egress</option></select></label>
  <label>Protocol <select name="protocol"><option value="">any</option><option>tcp</option><option>udp</option><option>icmp</option></select></label>
  <label>Ports <input name="ports" placeholder="22 or 8000-8080" size="12"></label>
  <label>Remote CIDR <input name="remote_ip_prefix" placeholder="0.0.0.0/0" size="16"></label>
  <button>Add rule</button>
</form>
</section>
% endfor
<h2>Create a security group</h2>
<form method="post" action="${prefix}/security-groups" class="inline">
  <input type="hidden" name="csrf_token" value="${session.csrf}">
  <label>Name <input name="name" required></label>
  <label>Description <input name="description"></label>
  <button>Create</button>
</form>
