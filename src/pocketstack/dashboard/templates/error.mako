<%inherit file="layout.mako"/>
<%def name="title()">Problem</%def>
<h1>That did not work</h1>
<p class="error" role="alert">${(service + ": ") if service else ""}${message}</p>
<p><a href="${prefix}/" data-back>Go back</a> · <a href="${prefix}/">Overview</a></p>
