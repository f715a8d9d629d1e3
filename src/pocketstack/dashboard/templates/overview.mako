<%inherit file="layout.mako"/>
<%def name="title()">Overview</%def>
<h1>Overview <small>${session.token.project_name}</small></h1>
% for problem in down:
<p class="banner" role="alert">${problem}</p>
% endfor
<ul class="usage">
% for u in usages:
  <li>
    <span class="label">${u.label}</span>
    <svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true"><rect class="track" width="100" height="10"/><rect class="fill ${'full' if u.percent >= 90 else ''}" width="${u.percent}" height="10"/></svg>
    <span class="figures">${'%g' % u.used} of ${'unlimited' if u.limit < 0 else ('%g' % u.limit)}${u.unit and ' ' + u.unit} (${u.percent}%)</span>
  </li>
% endfor
</ul>
