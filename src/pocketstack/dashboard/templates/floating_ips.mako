<%inherit file="layout.mako"/>
<%def name="title()">Floating IPs</%def>
<h1>Floating IPs</h1>
% if error:
<p class="error" role="alert" id="fip-error">${error}</p>
% endif
<table class="list" id="floating-ips"><thead><tr><th>Address</th><th>Pool</th><th>Mapped to</th><th>Status</th><th></th></tr></thead><tbody>
% for f in fips:
<% port = owners.get(f.get('port_id') or '') %>
<tr><td>${f['floating_ip_address']}</td><td>${names.get(f['floating_network_id'], f['floating_network_id'][:8])}</td>
<td>
% if port and (port.get('device_owner') or '').startswith('compute:'):
<a href="${prefix}/instances/${port['device_id']}">${f.get('fixed_ip_address')}</a>
% else:
${f.get('fixed_ip_address') or ''}
% endif
</td><td>${f.get('status')}</td>
<td class="actions-cell">
% if f.get('port_id'):
<form method="post" action="${prefix}/floating-ips/${f['id']}/action" class="row">
<input type="hidden" name="csrf_token" value="${session.csrf}"><button class="small" name="action" value="disassociate">Disassociate</button></form>
% endif
<form method="post" action="${prefix}/floating-ips/${f['id']}/action" class="row" data-confirm="Release ${f['floating_ip_address']}?">
<input type="hidden" name="csrf_token" value="${session.csrf}"><button class="small danger" name="action" value="release">Release</button></form>
</td></tr>
% endfor
% if not fips:
<tr><td colspan="5" class="empty">None. Associate one from an instance's page, or allocate one here.</td></tr>
% endif
</tbody></table>
% if externals:
<h2>Allocate</h2>
<form method="post" action="${prefix}/floating-ips" class="inline">
  <input type="hidden" name="csrf_token" value="${session.csrf}">
  <label>From <select name="network_id">
% for x in externals:
    <option value="${x['id']}">${x.get('name') or x['id']}</option>
% endfor
  </select></label>
  <button>Allocate</button>
</form>
% endif
