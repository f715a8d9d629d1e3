<%inherit file="layout.mako"/>
<%def name="title()">Log in</%def>
<section class="login">
<h1>Log in</h1>
% if message:
<p class="error" role="alert">${message}</p>
% endif
<form method="post" action="${prefix}/login" id="login-form">
  <input type="hidden" name="login_token" value="${login_token}">
  <label>Domain <input name="domain" value="${domain}" required></label>
  <label>User name <input name="user" value="${user}" autocomplete="username" autofocus></label>
  <label>Password <input name="password" type="password" autocomplete="current-password"></label>
  <details>
    <summary>Or an application credential</summary>
    <label>Credential id <input name="credential_id" autocomplete="off"></label>
    <label>Secret <input name="credential_secret" type="password" autocomplete="off"></label>
  </details>
  <button type="submit">Log in</button>
</form>
</section>
