<%inherit file="layout.mako"/>
<%def name="title()">Network topology</%def>
<h1>Network topology</h1>
<p class="hint">External networks, routers, networks and instances with their addresses (⇄ floating IP). Click an element to open it; a network with many instances shows them as one group (click it to unfold). Ctrl+wheel zooms, dragging pans; the drawing follows changes live.</p>
% if expand:
<p><a href="${prefix}/topology">Fold the instances of every network again</a></p>
% endif
<div class="topology-frame" id="topology" data-live="${live_url}">${drawing | n}</div>
