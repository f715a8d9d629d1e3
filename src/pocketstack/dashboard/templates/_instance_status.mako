<dl class="facts">
  <dt>Status</dt><dd class="status status-${server['status'].lower()}" id="server-status">${server['status']}</dd>
  <dt>Task</dt><dd>${server.get('OS-EXT-STS:task_state') or 'none'}</dd>
  <dt>ID</dt><dd><code>${server['id']}</code></dd>
  <dt>Flavor</dt><dd>${(server.get('flavor') or {}).get('original_name', '')}</dd>
  <dt>Image</dt><dd>${(server.get('image') or {}).get('id', '') if isinstance(server.get('image'), dict) else 'volume'}</dd>
  <dt>Key pair</dt><dd>${server.get('key_name') or 'none'}</dd>
  <dt>Addresses</dt><dd id="server-addresses">${'; '.join(f'{net}: {addr} ({kind})' for net, addr, kind in addresses) or 'none'}</dd>
  <dt>Created</dt><dd>${server.get('created', '')}</dd>
% if server.get('fault'):
  <dt>Fault</dt><dd class="error">${server['fault'].get('message', '')}</dd>
% endif
</dl>
<section class="actions">
% for a in buttons:
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
<h2>Action log</h2>
<table class="list"><thead><tr><th>Action</th><th>Started</th><th>Request</th><th>Message</th></tr></thead><tbody>
% for a in actions:
<tr><td>${a.get('action')}</td><td>${a.get('start_time')}</td><td><code>${a.get('request_id')}</code></td><td>${a.get('message') or ''}</td></tr>
% endfor
</tbody></table>
