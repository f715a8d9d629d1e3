<%inherit file="layout.mako"/>
<%def name="title()">Networks</%def>
<h1>Networks</h1>
<table class="list" id="networks"><thead><tr><th>Name</th><th>Subnets</th><th>Shared</th><th>External</th><th>Status</th></tr></thead><tbody>
% for n in networks:
<tr><td>${n.get('name') or n['id']}</td>
<td>${', '.join((subnets[s]['cidr'] if s in subnets else s) for s in n.get('subnets') or [])}</td>
<td>${'yes' if n.get('shared') else ''}</td><td>${'yes' if n.get('router:external') else ''}</td><td>${n.get('status')}</td></tr>
% endfor
</tbody></table>
<h2>Routers</h2>
<table class="list"><thead><tr><th>Name</th><th>Gateway</th><th>Status</th></tr></thead><tbody>
% for r in routers:
<tr><td>${r.get('name') or r['id']}</td>
<td>${', '.join(ip['ip_address'] for ip in ((r.get('external_gateway_info') or {}).get('external_fixed_ips') or []))}</td><td>${r.get('status')}</td></tr>
% endfor
</tbody></table>
<h2>Create a network</h2>
% if error:
<p class="error" role="alert">${error}</p>
% endif
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
