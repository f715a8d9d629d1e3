<%inherit file="layout.mako"/>
<%def name="title()">Key pairs</%def>
<h1>Key pairs</h1>
<table class="list"><thead><tr><th>Name</th><th>Type</th><th>Fingerprint</th><th></th></tr></thead><tbody>
% for k in keypairs:
<tr><td>${k['name']}</td><td>${k.get('type', 'ssh')}</td><td><code>${k.get('fingerprint', '')}</code></td>
<td><form method="post" action="${prefix}/keypairs/${k['name']}/delete" data-confirm="Delete key pair ${k['name']}?">
<input type="hidden" name="csrf_token" value="${session.csrf}"><button class="small danger">Delete</button></form></td></tr>
% endfor
% if not keypairs:
<tr><td colspan="4" class="empty">No key pairs.</td></tr>
% endif
</tbody></table>
<h2>Create or import</h2>
% if error:
<p class="error" role="alert">${error}</p>
% endif
<form method="post" action="${prefix}/keypairs" class="inline">
  <input type="hidden" name="csrf_token" value="${session.csrf}">
  <label>Name <input name="name" required></label>
  <label>Public key (empty: generate one) <textarea name="public_key" rows="2"></textarea></label>
  <button>Create</button>
</form>
