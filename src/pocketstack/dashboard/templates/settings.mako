<%inherit file="layout.mako"/>
<%def name="title()">Settings</%def>
<h1>Settings <small>${session.token.user_name}</small></h1>
% if error:
<p class="error" role="alert" id="settings-error">${error}</p>
% endif
% if secret:
<p class="notice">Application credential <code id="new-credential-id">${made}</code> created. Its secret, shown only once:</p>
<pre class="key" id="credential-secret">${secret}</pre>
% endif
<h2>Application credentials</h2>
<table class="list" id="credentials"><thead><tr><th>Name</th><th>ID</th><th>Project</th><th>Expires</th><th></th></tr></thead><tbody>
% for c in credentials:
<tr><td>${c['name']}</td><td><code>${c['id']}</code></td><td><code>${(c.get('project_id') or '')[:8]}</code></td><td>${c.get('expires_at') or 'never'}</td>
<td><form method="post" action="${prefix}/settings/credentials/${c['id']}/delete" class="row" data-confirm="Delete application credential ${c['name']}?">
<input type="hidden" name="csrf_token" value="${session.csrf}"><button class="small danger">Delete</button></form></td></tr>
% endfor
% if not credentials:
<tr><td colspan="5" class="empty">None.</td></tr>
% endif
</tbody></table>
<form method="post" action="${prefix}/settings/credentials" class="inline">
  <input type="hidden" name="csrf_token" value="${session.csrf}">
  <label>Name <input name="name" required></label>
  <label>Description <input name="description"></label>
  <button>Create for ${session.token.project_name}</button>
</form>
<h2>Change password</h2>
<form method="post" action="${prefix}/settings/password" class="inline" id="password-form">
  <input type="hidden" name="csrf_token" value="${session.csrf}">
  <label>Current password <input name="original" type="password" autocomplete="current-password" required></label>
  <label>New password <input name="password" type="password" autocomplete="new-password" required></label>
  <label>Again <input name="again" type="password" autocomplete="new-password" required></label>
  <button>Change</button>
</form>
