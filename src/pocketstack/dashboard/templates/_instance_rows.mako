% for s in servers:
<tr data-id="${s['id']}">
  <td><a href="${prefix}/instances/${s['id']}">${s['name']}</a></td>
  <td class="status status-${s['status'].lower()}">${s['status']}</td>
  <td>${s.get('OS-EXT-STS:task_state') or ''}</td>
  <td>${{0: 'NOSTATE', 1: 'Running', 3: 'Paused', 4: 'Shutdown', 6: 'Crashed', 7: 'Suspended'}.get(s.get('OS-EXT-STS:power_state'), '')}</td>
  <td class="addresses">${', '.join(addr for _, addr, _ in addresses(s))}</td>
  <td>${(s.get('flavor') or {}).get('original_name', '')}</td>
  <td>${s.get('created', '')}</td>
</tr>
% endfor
% if not servers:
<tr><td colspan="7" class="empty">No instances.</td></tr>
% endif
