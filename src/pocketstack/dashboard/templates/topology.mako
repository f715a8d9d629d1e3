<%inherit file="layout.mako"/>
<%def name="title()">Network topology</%def>
<h1>Network topology</h1>
<p class="hint">External networks, routers, networks and instances with their addresses (⇄ floating IP). Click an element to open it; the drawing follows changes live.</p>
<div class="topology-frame" id="topology" data-live="${prefix}/topology.svg">${drawing | n}</div>
