<%inherit file="layout.mako"/>
<%def name="title()">${server['name']}</%def>
<h1>Instance ${server['name']}</h1>
<div id="instance-status" data-live="${prefix}/instances/${server['id']}/status">
<%include file="_instance_status.mako"/>
</div>
<section class="actions">
% for a in actions_allowed:
<form method="post" action="${prefix}/instances/${server['id']}/action">
  <input type="hidden" name="csrf_token" value="${session.csrf}">
  <button name="action" value="${a}" data-action="${a}">${a.replace('-', ' ').capitalize()}</button>
</form>
% endfor
<form method="post" action="${prefix}/instances/${server['id']}/action" data-confirm="Delete ${server['name']}?">
  <input type="hidden" name="csrf_token" value="${session.csrf}">
  <button name="action" value="delete" class="danger" data-action="delete">Delete</button>
</form>
</section>
<section>
<h2>Console log <button type="button" id="console-refresh" class="small">Refresh</button></h2>
<pre class="console" id="console" data-src="${prefix}/instances/${server['id']}/console">Loading…</pre>
</section>
