<%inherit file="layout.mako"/>
<%def name="title()">Instances</%def>
<h1>Instances <a class="button" href="${prefix}/launch" id="launch">Launch instance</a></h1>
% if launched:
<p class="notice" id="launched">Launch requested: the new instance appears below and its status follows its build.</p>
% endif
<form class="filters" method="get" action="${prefix}/instances">
  <input name="name" placeholder="Name contains" value="${query.get('name', '')}">
  <select name="status">
    <option value="">Any status</option>
% for s in ("ACTIVE", "BUILD", "SHUTOFF", "ERROR", "PAUSED", "SUSPENDED"):
    <option ${'selected' if query.get('status') == s else ''}>${s}</option>
% endfor
  </select>
  <select name="sort">
% for key, label in (("created_at", "Newest"), ("display_name", "Name"), ("vm_state", "State"), ("updated_at", "Updated")):
    <option value="${key}" ${'selected' if query['sort_key'] == key else ''}>${label}</option>
% endfor
  </select>
  <button>Apply</button>
</form>
<table class="list" id="instances">
<thead><tr><th>Name</th><th>Status</th><th>Task</th><th>Power</th><th>Addresses</th><th>Flavor</th><th>Created</th></tr></thead>
<tbody data-live="${live_url}">
<%include file="_instance_rows.mako"/>
</tbody>
</table>
% if following:
<p><a href="${next_url}" id="next-page">Next page →</a></p>
% endif
