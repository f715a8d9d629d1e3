<%inherit file="layout.mako"/>
<%def name="title()">Key pair created</%def>
<h1>Key pair ${name} created</h1>
<p>Save this private key now: it is shown only once and the cloud keeps no copy.</p>
<pre class="key" id="private-key">${private_key}</pre>
<p><a class="button" href="${next_url}" id="continue">Continue</a></p>
