<%inherit file="layout.mako"/>
<%def name="title()">Admin</%def>
<h1>Admin</h1>
% for problem in down:
<p class="banner" role="alert">${problem}</p>
% endfor
<h2>Hypervisors</h2>
<table class="list" id="hypervisors"><thead><tr><th>Host</th><th>State</th><th>vCPUs used</th><th>RAM used</th><th>Instances</th></tr></thead><tbody>
% for h in hypervisors:
<tr><td>${h.get('hypervisor_hostname')}</td><td>${h.get('state')} / ${h.get('status')}</td>
<td>${h.get('vcpus_used', '?')} of ${h.get('vcpus', '?')}</td><td>${h.get('memory_mb_used', '?')} of ${h.get('memory_mb', '?')} MB</td><td>${h.get('running_vms', '')}</td></tr>
% endfor
</tbody></table>
<h2>Compute services</h2>
<table class="list"><thead><tr><th>Binary</th><th>Host</th><th>Zone</th><th>Status</th><th>State</th></tr></thead><tbody>
% for s in services:
<tr><td>${s.get('binary')}</td><td>${s.get('host')}</td><td>${s.get('zone')}</td><td>${s.get('status')}</td>
<td class="${'status-active' if s.get('state') == 'up' else 'status-error'}">${s.get('state')}</td></tr>
% endfor
</tbody></table>
<h2>Network agents</h2>
<table class="list"><thead><tr><th>Type</th><th>Host</th><th>Alive</th><th>Admin state</th></tr></thead><tbody>
% for a in agents:
<tr><td>${a.get('agent_type')}</td><td>${a.get('host')}</td>
<td class="${'status-active' if a.get('alive') else 'status-error'}">${'up' if a.get('alive') else 'down'}</td><td>${'up' if a.get('admin_state_up') else 'down'}</td></tr>
% endfor
</tbody></table>
<h2>Instances of every project</h2>
<table class="list"><thead><tr><th>Name</th><th>Project</th><th>Status</th><th>Host</th><th>Addresses</th></tr></thead><tbody>
% for s in servers:
<tr><td><a href="${prefix}/instances/${s['id']}">${s['name']}</a></td><td>${names.get(s.get('tenant_id', ''), s.get('tenant_id', '')[:8])}</td>
<td class="status status-${s['status'].lower()}">${s['status']}</td><td>${s.get('OS-EXT-SRV-ATTR:host') or ''}</td>
<td>${', '.join(a for _, a, _ in addresses(s))}</td></tr>
% endfor
</tbody></table>
<h2>Projects</h2>
<table class="list" id="projects"><thead><tr><th>Name</th><th>ID</th><th>Domain</th><th>Enabled</th></tr></thead><tbody>
% for p in projects:
<tr><td>${p['name']}</td><td><code>${p['id']}</code></td><td>${p.get('domain_id')}</td><td>${'yes' if p.get('enabled') else 'no'}</td></tr>
% endfor
</tbody></table>
<h2>Users</h2>
<table class="list" id="users"><thead><tr><th>Name</th><th>ID</th><th>Domain</th><th>Enabled</th></tr></thead><tbody>
% for u in users:
<tr><td>${u['name']}</td><td><code>${u['id']}</code></td><td>${u.get('domain_id')}</td><td>${'yes' if u.get('enabled') else 'no'}</td></tr>
% endfor
</tbody></table>
