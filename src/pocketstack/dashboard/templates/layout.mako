<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${self.title()} · pocketstack</title>
<link rel="stylesheet" href="${prefix}/static/app.css">
<script src="${prefix}/static/app.js" defer></script>
</head>
<body>
<header class="top">
  <a class="brand" href="${prefix}/">pocketstack</a>
% if session is not None:
  <form class="project" method="post" action="${prefix}/project">
    <input type="hidden" name="csrf_token" value="${session.csrf}">
    <label>Project
    <select name="project_id" data-autosubmit>
    % for p in session.projects:
      <option value="${p['id']}" ${'selected' if p['id'] == session.token.project_id else ''}>${p['name']}</option>
    % endfor
    </select></label>
    <noscript><button>Switch</button></noscript>
  </form>
  <a class="user" href="${prefix}/settings">${session.token.user_name}</a>
  <form method="post" action="${prefix}/logout">
    <input type="hidden" name="csrf_token" value="${session.csrf}">
    <button class="link" id="logout">Log out</button>
  </form>
% endif
</header>
% if session is not None:
<nav class="side">
% for key, href, label in (("overview", "/", "Overview"), ("instances", "/instances", "Instances"), ("images", "/images", "Images"), ("volumes", "/volumes", "Volumes"), ("networks", "/networks", "Networks"), ("topology", "/topology", "Topology"), ("floating-ips", "/floating-ips", "Floating IPs"), ("keypairs", "/keypairs", "Key pairs"), ("security-groups", "/security-groups", "Security groups")):
  <a href="${prefix}${href}" class="${'active' if active == key else ''}">${label}</a>
% endfor
% if session.token.is_admin:
  <a href="${prefix}/admin" class="${'active' if active == 'admin' else ''}" id="admin-link">Admin</a>
% endif
</nav>
% endif
<main data-csrf="${session.csrf if session is not None else ''}">
% if notice:
<p class="notice">${notice}</p>
% endif
${self.body()}
</main>
</body>
</html>
<%def name="title()">Dashboard</%def>
