<%inherit file="layout.mako"/>
<%def name="title()">${server['name']}</%def>
<h1>Instance ${server['name']}</h1>
% if error:
<p class="error" role="alert" id="action-error">${error}</p>
% endif
<div id="instance-status" data-live="${prefix}/instances/${server['id']}/status">
<%include file="_instance_status.mako"/>
</div>

% if flavors:
<section class="actions">
<form method="post" action="${prefix}/instances/${server['id']}/resize" class="row">
  <input type="hidden" name="csrf_token" value="${session.csrf}">
  <select name="flavor">
% for f in flavors:
    <option value="${f['id']}" ${'disabled' if f['name'] == (server.get('flavor') or {}).get('original_name') else ''}>${f['name']} (${f['vcpus']} vCPU, ${f['ram']} MB)</option>
% endfor
  </select>
  <button>Resize</button>
</form>
<form method="post" action="${prefix}/instances/${server['id']}/rebuild" class="row" data-confirm="Rebuild ${server['name']}? Its root disk is replaced.">
  <input type="hidden" name="csrf_token" value="${session.csrf}">
  <select name="image">
% for i in images:
    <option value="${i['id']}">${i.get('name') or i['id']}</option>
% endfor
  </select>
  <button>Rebuild</button>
</form>
<form method="post" action="${prefix}/instances/${server['id']}/snapshot" class="row">
  <input type="hidden" name="csrf_token" value="${session.csrf}">
  <input name="name" placeholder="snapshot name" required>
  <button>Snapshot</button>
</form>
</section>
% endif
<section class="columns">
<div>
<h2>Interfaces</h2>
<ul id="interfaces">
<% netnames = {n['id']: n.get('name') or n['id'][:8] for n in attachable + externals} %>
% for p in ports:
<li>${netnames.get(p['network_id'], p['network_id'][:8])}: ${', '.join(ip['ip_address'] for ip in p.get('fixed_ips') or [])} <code>${p.get('mac_address')}</code>
<form method="post" action="${prefix}/instances/${server['id']}/interfaces/${p['id']}/detach" class="row" data-confirm="Detach this interface?">
<input type="hidden" name="csrf_token" value="${session.csrf}"><button class="small">Detach</button></form></li>
% endfor
% if not ports:
<li class="hint">None.</li>
% endif
</ul>
% if attachable:
<form method="post" action="${prefix}/instances/${server['id']}/interfaces" class="inline" id="interface-form">
  <input type="hidden" name="csrf_token" value="${session.csrf}">
  <label>Network <select name="network_id">
% for n in attachable:
    <option value="${n['id']}">${n.get('name') or n['id']}</option>
% endfor
  </select></label>
  <button>Attach interface</button>
</form>
% endif
</div>
<div>
<h2>Floating IPs</h2>
<ul id="floating-ips">
% for f in floating:
<li>${f['floating_ip_address']} → ${f.get('fixed_ip_address') or ''}
<form method="post" action="${prefix}/instances/${server['id']}/floating-ips/${f['id']}/release" class="row">
<input type="hidden" name="csrf_token" value="${session.csrf}"><button class="small danger">Release</button></form></li>
% endfor
% if not floating:
<li class="hint">None.</li>
% endif
</ul>
% if externals and ports:
<form method="post" action="${prefix}/instances/${server['id']}/floating-ips" class="inline" id="fip-form">
  <input type="hidden" name="csrf_token" value="${session.csrf}">
  <label>From <select name="network_id">
% for x in externals:
    <option value="${x['id']}">${x.get('name') or x['id']}</option>
% endfor
  </select></label>
  <label>To port <select name="port_id">
% for p in ports:
    <option value="${p['id']}">${', '.join(ip['ip_address'] for ip in p.get('fixed_ips') or []) or p['id']}</option>
% endfor
  </select></label>
  <button>Associate</button>
</form>
% endif
</div>
<div>
<h2>Volumes</h2>
<ul id="attached-volumes">
% for v in attached:
<li>${v.get('name') or v['id']} · ${v['size']} GB · ${v['status']}
<form method="post" action="${prefix}/instances/${server['id']}/volumes/${v['id']}/detach" class="row">
<input type="hidden" name="csrf_token" value="${session.csrf}"><button class="small">Detach</button></form></li>
% endfor
% if not attached:
<li class="hint">None attached.</li>
% endif
</ul>
<form method="post" action="${prefix}/instances/${server['id']}/volumes" class="inline" id="volume-form">
  <input type="hidden" name="csrf_token" value="${session.csrf}">
  <label>Volume <select name="volume_id">
    <option value="">a new volume</option>
% for v in available:
    <option value="${v['id']}">${v.get('name') or v['id']} (${v['size']} GB)</option>
% endfor
  </select></label>
  <label>New volume size (GB) <input name="size" type="number" min="1" value="1"></label>
  <label>Name <input name="name"></label>
  <button>Attach</button>
</form>
</div>
</section>
% if timeline_svg:
<section>
<h2>Launch timeline</h2>
% if failed_hop:
<p class="error">Failed hop: ${failed_hop}</p>
% endif
<div class="timeline-frame" id="timeline">${timeline_svg | n}</div>
</section>
% endif
<section>
<h2>Console log <small>live, last ${console_lines} lines · <a href="${prefix}/instances/${server['id']}/console">plain text</a></small></h2>
<pre class="console" id="console" data-live="${prefix}/instances/${server['id']}/console-tail">Loading…</pre>
</section>
