<%inherit file="layout.mako"/>
<%def name="title()">Admin</%def>
<h1>Admin</h1>
% if error:
<p class="error" role="alert" id="admin-error">${error}</p>
% endif
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
<h2>Flavors</h2>
<table class="list" id="flavors"><thead><tr><th>Name</th><th>vCPUs</th><th>RAM</th><th>Disk</th><th>Public</th></tr></thead><tbody>
% for f in flavors:
<tr><td>${f['name']}</td><td>${f['vcpus']}</td><td>${f['ram']} MB</td><td>${f['disk']} GB</td><td>${'yes' if f.get('os-flavor-access:is_public', True) else 'no'}</td></tr>
% endfor
</tbody></table>
<h2>Host aggregates and availability zones</h2>
<p>Zones: ${', '.join(str(z) for z in zones) or 'none'}</p>
<table class="list" id="aggregates"><thead><tr><th>Aggregate</th><th>Zone</th><th>Hosts</th><th>Metadata</th></tr></thead><tbody>
% for a in aggregates:
<tr><td>${a['name']}</td><td>${a.get('availability_zone') or ''}</td><td>${', '.join(a.get('hosts') or [])}</td>
<td>${', '.join(f'{k}={v}' for k, v in (a.get('metadata') or {}).items())}</td></tr>
% endfor
% if not aggregates:
<tr><td colspan="4" class="empty">None.</td></tr>
% endif
</tbody></table>
<h2>Volume types</h2>
<table class="list" id="volume-types"><thead><tr><th>Name</th><th>Public</th><th>Extra specs</th></tr></thead><tbody>
% for t in volume_types:
<tr><td>${t['name']}</td><td>${'yes' if t.get('is_public', True) else 'no'}</td><td>${', '.join(f'{k}={v}' for k, v in (t.get('extra_specs') or {}).items())}</td></tr>
% endfor
</tbody></table>
<h2>Default compute quotas</h2>
<dl class="facts" id="default-quotas">
% for k, v in sorted(defaults.items()):
<dt>${k}</dt><dd>${v}</dd>
% endfor
</dl>
<h2>Groups</h2>
<table class="list" id="groups"><thead><tr><th>Name</th><th>ID</th><th>Domain</th><th>Description</th></tr></thead><tbody>
% for g in groups:
<tr><td>${g['name']}</td><td><code>${g['id']}</code></td><td>${g.get('domain_id')}</td><td>${g.get('description') or ''}</td></tr>
% endfor
% if not groups:
<tr><td colspan="4" class="empty">None.</td></tr>
% endif
</tbody></table>
<h2>Role assignments</h2>
<table class="list" id="assignments"><thead><tr><th>Who</th><th>Role</th><th>On</th><th></th></tr></thead><tbody>
% for a in assignments:
<%
    who = (a.get('user') or a.get('group') or {})
    scope = a.get('scope') or {}
    target = scope.get('project') or scope.get('domain') or {}
    on = 'system' if 'system' in scope else target.get('name', target.get('id', ''))
%>
<tr><td>${'group ' if a.get('group') else ''}${who.get('name', who.get('id', ''))}</td><td>${(a.get('role') or {}).get('name', '')}</td><td>${on}</td>
<td>
% if a.get('user') and scope.get('project'):
<form method="post" action="${prefix}/admin/grants" class="row" data-confirm="Take this role away?">
<input type="hidden" name="csrf_token" value="${session.csrf}"><input type="hidden" name="revoke" value="1">
<input type="hidden" name="project_id" value="${scope['project']['id']}"><input type="hidden" name="user_id" value="${a['user']['id']}">
<input type="hidden" name="role_id" value="${a['role']['id']}"><button class="small danger">Revoke</button></form>
% endif
</td></tr>
% endfor
</tbody></table>
<form method="post" action="${prefix}/admin/grants" class="inline" id="grant-form">
  <input type="hidden" name="csrf_token" value="${session.csrf}">
  <label>User <select name="user_id">
% for u in users:
    <option value="${u['id']}">${u['name']}</option>
% endfor
  </select></label>
  <label>Role <select name="role_id">
% for r in roles:
    <option value="${r['id']}">${r['name']}</option>
% endfor
  </select></label>
  <label>Project <select name="project_id">
% for p in projects:
    <option value="${p['id']}">${p['name']}</option>
% endfor
  </select></label>
  <button>Grant</button>
</form>
