<%inherit file="layout.mako"/>
<%def name="title()">Networks</%def>
<h1>Networks</h1>
% if error:
<p class="error" role="alert" id="network-error">${error}</p>
% endif
<table class="list" id="networks"><thead><tr><th>Name</th><th>Subnets</th><th>Shared</th><th>External</th><th>Status</th><th></th></tr></thead><tbody>
% for n in networks:
<tr><td>${n.get('name') or n['id']}</td>
<td>${', '.join((subnets[s]['cidr'] if s in subnets else s) for s in n.get('subnets') or [])}</td>
<td>${'yes' if n.get('shared') else ''}</td><td>${'yes' if n.get('router:external') else ''}</td><td>${n.get('status')}</td>
<td>
% if n.get('project_id') == project_id:
<form method="post" action="${prefix}/networks/${n['id']}/delete" class="row" data-confirm="Delete network ${n.get('name') or n['id']}?">
<input type="hidden" name="csrf_token" value="${session.csrf}"><button class="small danger">Delete</button></form>
% endif
</td></tr>
% endfor
</tbody></table>
<h2>Routers</h2>
<table class="list" id="routers"><thead><tr><th>Name</th><th>Gateway</th><th>Interfaces</th><th>Status</th><th>Actions</th></tr></thead><tbody>
% for r in routers:
<tr data-router="${r.get('name') or r['id']}"><td>${r.get('name') or r['id']}</td>
<td>${', '.join(ip['ip_address'] for ip in ((r.get('external_gateway_info') or {}).get('external_fixed_ips') or [])) or 'none'}</td>
<td>
% for sid in interfaces.get(r['id'], []):
<form method="post" action="${prefix}/routers/${r['id']}/action" class="row">
<input type="hidden" name="csrf_token" value="${session.csrf}"><input type="hidden" name="action" value="remove-interface">
<input type="hidden" name="subnet_id" value="${sid}">${subnets[sid]['cidr'] if sid in subnets else sid[:8]} <button class="small" title="Remove this interface">×</button></form>
% endfor
</td><td>${r.get('status')}</td>
<td class="actions-cell">
<% external_ids = {n['id'] for n in externals} %>
<% free = [(sid, sub) for sid, sub in subnets.items() if sid not in interfaces.get(r['id'], []) and sub['network_id'] not in external_ids] %>
% if free:
<form method="post" action="${prefix}/routers/${r['id']}/action" class="row">
<input type="hidden" name="csrf_token" value="${session.csrf}"><input type="hidden" name="action" value="add-interface">
<select name="subnet_id">
% for sid, sub in free:
<option value="${sid}">${sub.get('name') or sid[:8]} ${sub['cidr']}</option>
% endfor
</select><button class="small">Add interface</button></form>
% endif
<form method="post" action="${prefix}/routers/${r['id']}/action" class="row">
<input type="hidden" name="csrf_token" value="${session.csrf}"><input type="hidden" name="action" value="gateway">
<select name="network_id"><option value="">no gateway</option>
% for x in externals:
<option value="${x['id']}" ${'selected' if (r.get('external_gateway_info') or {}).get('network_id') == x['id'] else ''}>${x.get('name') or x['id']}</option>
% endfor
</select><button class="small">Set gateway</button></form>
<form method="post" action="${prefix}/routers/${r['id']}/delete" class="row" data-confirm="Delete router ${r.get('name') or r['id']} and its interfaces?">
<input type="hidden" name="csrf_token" value="${session.csrf}"><button class="small danger">Delete</button></form></td></tr>
% endfor
% if not routers:
<tr><td colspan="5" class="empty">No routers.</td></tr>
% endif
</tbody></table>
<h2>Create a network</h2>
<form method="post" action="${prefix}/networks" class="inline" id="network-form">
  <input type="hidden" name="csrf_token" value="${session.csrf}">
  <label>Name <input name="name" value="${form.get('name', '')}" required></label>
  <label>Subnet CIDR <input name="cidr" value="${form.get('cidr', '')}" placeholder="10.0.0.0/24" required></label>
  <label>Router to <select name="external">
    <option value="">no router</option>
% for x in externals:
    <option value="${x['id']}" ${'selected' if form.get('external') == x['id'] else ''}>${x.get('name') or x['id']}</option>
% endfor
  </select></label>
  <button>Create</button>
</form>
<h2>Ports</h2>
<table class="list" id="ports"><thead><tr><th>Addresses</th><th>Network</th><th>Owner</th><th>Device</th><th>MAC</th><th>Status</th></tr></thead><tbody>
<% names = {n['id']: n.get('name') or n['id'][:8] for n in networks} %>
% for p in ports:
<tr><td>${', '.join(ip['ip_address'] for ip in p.get('fixed_ips') or [])}</td><td>${names.get(p['network_id'], p['network_id'][:8])}</td>
<td>${p.get('device_owner') or ''}</td>
<td>
% if (p.get('device_owner') or '').startswith('compute:'):
<a href="${prefix}/instances/${p['device_id']}">${p['device_id'][:8]}</a>
% else:
${(p.get('device_id') or '')[:8]}
% endif
</td><td><code>${p.get('mac_address')}</code></td><td>${p.get('status')}</td></tr>
% endfor
</tbody></table>
