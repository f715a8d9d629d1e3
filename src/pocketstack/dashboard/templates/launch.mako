<%inherit file="layout.mako"/>
<%def name="title()">Launch instance</%def>
<h1>Launch instance</h1>
% if error:
<p class="error" role="alert" id="launch-error">${error}</p>
% endif
<form method="post" action="${prefix}/launch" class="wizard" id="launch-form" data-free-instances="${free['instances']}" data-free-vcpus="${free['vcpus']}" data-free-ram="${free['ram']}">
<input type="hidden" name="csrf_token" value="${session.csrf}">
<fieldset><legend>1 · Details</legend>
  <label>Name <input name="name" value="${values['name']}" required maxlength="255"></label>
  <label>Count <input name="count" type="number" min="1" max="50" value="${values['count']}" required></label>
  <p class="hint">Room left in this project: ${free['instances']} instances, ${free['vcpus']} vCPUs, ${free['ram']} MB RAM.</p>
</fieldset>
<fieldset><legend>2 · Source and flavor</legend>
  <label>Image <select name="image">
    <option value="">Choose an image</option>
% for i in images:
    <option value="${i['id']}" ${'selected' if i['id'] == values['image'] else ''}>${i.get('name') or i['id']}</option>
% endfor
  </select></label>
% if volumes:
  <label>Or boot from a volume <select name="volume">
    <option value="">none</option>
% for v in volumes:
    <option value="${v['id']}" ${'selected' if v['id'] == values['volume'] else ''}>${v.get('name') or v['id']} (${v['size']} GB)</option>
% endfor
  </select></label>
% endif
% if snapshots:
  <label>Or boot from a new volume made from a volume snapshot <select name="snapshot">
    <option value="">none</option>
% for v in snapshots:
    <option value="${v['id']}" ${'selected' if v['id'] == values['snapshot'] else ''}>${v.get('name') or v['id']} (${v['size']} GB)</option>
% endfor
  </select></label>
% endif
  <label>Boot from a new volume of <input name="boot_volume_gb" type="number" min="1" value="${values['boot_volume_gb']}" class="narrow"> GB made from the image (deleted with the instance; empty: boot from the image)</label>
  <table class="list flavors"><thead><tr><th></th><th>Flavor</th><th>vCPUs</th><th>RAM</th><th>Disk</th><th>Fits</th></tr></thead><tbody>
% for f in flavors:
<% fits = f['vcpus'] <= free['vcpus'] and f['ram'] <= free['ram'] and free['instances'] > 0 %>
  <tr class="${'' if fits else 'nofit'}" data-vcpus="${f['vcpus']}" data-ram="${f['ram']}"><td><input type="radio" name="flavor" value="${f['id']}" id="flavor-${f['id']}" ${'checked' if f['id'] == values['flavor'] else ''} required></td>
  <td><label for="flavor-${f['id']}">${f['name']}</label></td><td>${f['vcpus']}</td><td>${f['ram']} MB</td><td>${f['disk']} GB</td><td class="fit">${'yes' if fits else 'over quota'}</td></tr>
% endfor
  </tbody></table>
</fieldset>
<fieldset><legend>3 · Networks and security groups</legend>
% if not networks:
  <p class="hint">No network yet: the instance gets none. <a href="${prefix}/networks">Create one</a>.</p>
% endif
% for n in networks:
  <label class="check"><input type="checkbox" name="network" value="${n['id']}" ${'checked' if n['id'] in values['networks'] else ''}> ${n.get('name') or n['id']}</label>
% endfor
  <p>Security groups</p>
% for g in groups:
  <label class="check"><input type="checkbox" name="security_group" value="${g['name']}" ${'checked' if g['name'] in values['groups'] else ''}> ${g['name']}</label>
% endfor
</fieldset>
<fieldset><legend>4 · Key pair and user data</legend>
  <label>Key pair <select name="keypair">
    <option value="">None</option>
% for k in keypairs:
    <option ${'selected' if k['name'] == values['keypair'] else ''}>${k['name']}</option>
% endfor
  </select></label>
  <label>Or create a new key pair named <input name="new_keypair" value="${values['new_keypair']}" pattern="[A-Za-z0-9_. @-]+"></label>
  <label>with this public key (empty: the cloud generates one) <textarea name="public_key" rows="2">${values['public_key']}</textarea></label>
  <label>User data <textarea name="user_data" rows="3">${values['user_data']}</textarea></label>
</fieldset>
<fieldset><legend>5 · Placement and metadata (optional)</legend>
  <label>Availability zone <select name="zone"><option value="">any</option>
% for z in zones:
    <option ${'selected' if z == values['zone'] else ''}>${z}</option>
% endfor
  </select></label>
  <label>Server group <select name="server_group"><option value="">none</option>
% for g in server_groups:
    <option value="${g['id']}" ${'selected' if g['id'] == values['server_group'] else ''}>${g['name']} (${g.get('policy') or ', '.join(g.get('policies') or [])})</option>
% endfor
  </select></label>
  <label>Metadata (KEY=VALUE per line) <textarea name="metadata" rows="2">${values['metadata']}</textarea></label>
</fieldset>
<button type="submit" id="launch-submit">Launch</button>
</form>
