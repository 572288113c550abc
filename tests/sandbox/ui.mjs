// HubSpot sandbox (tests layer): the app.hubspot.com / app-eu1.hubspot.com UI stand-in.
// Record pages shaped like HubSpot's (top nav, left "About" sidebar, timeline, right sidebar),
// client-side SPA navigation between contacts, and the OAuth consent page + account chooser.
// All record text is escaped on the server and set with textContent in the browser. No CSP on
// purpose: a page CSP would hide an overlay that inserts HubSpot text as HTML.
import { randomBytes } from 'node:crypto';
import { validateAuthorize, issueCode, redirectWith } from './oauth.mjs';
import { userPortals, listMembers } from './store.mjs';

const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

const SCOPE_TEXT = {
  oauth: 'Basic OAuth access',
  'crm.objects.contacts.read': 'View contacts, calls and tasks',
  'crm.objects.contacts.write': 'Create calls and update tasks and contacts',
  'crm.objects.owners.read': 'View users and owners',
  'crm.lists.read': 'View lists',
  'crm.objects.companies.read': 'View companies',
  'crm.schemas.contacts.read': 'View contact property settings',
  'crm.objects.contacts.sensitive.read.v2': 'View sensitive contact data',
};

const STYLE = `
*{box-sizing:border-box}body{margin:0;font:14px/1.45 "Lexend Deca",Helvetica,Arial,sans-serif;color:#33475b;background:#f5f8fa}
a{color:#0091ae}.top-nav{display:flex;gap:18px;align-items:center;background:#2d3e50;color:#fff;padding:0 18px;height:52px}
.top-nav a{color:#fff;text-decoration:none}.top-nav .brand{font-weight:700;color:#ff7a59}.top-nav .account{margin-left:auto;opacity:.85}
.record-layout{display:grid;grid-template-columns:330px 1fr 320px;min-height:calc(100vh - 52px)}
.column-left{background:#fff;border-right:1px solid #cbd6e2;padding:18px}.column-middle{padding:18px}
.column-right{background:#fff;border-left:1px solid #cbd6e2;padding:18px}
.card{border-bottom:1px solid #eaf0f6;padding-bottom:12px;margin-bottom:12px}.label{font-size:12px;color:#516f90;margin-top:8px}
.tabs{display:flex;gap:16px;margin-bottom:12px}.tabs a{text-decoration:none}.tabs a.current{font-weight:700;color:#33475b}
h1{font-size:20px;margin:8px 0}h2{font-size:14px;text-transform:uppercase;letter-spacing:.04em;color:#516f90}
dl{display:grid;grid-template-columns:auto;gap:2px}dt{font-size:12px;color:#7c98b6;margin-top:8px}dd{margin:0}
.timeline-item{background:#fff;border:1px solid #cbd6e2;border-radius:3px;padding:10px;margin-bottom:10px}
.page{max-width:720px;margin:40px auto;background:#fff;border:1px solid #cbd6e2;padding:28px}
button{font:inherit;padding:8px 18px;border-radius:3px;border:1px solid #ff7a59;cursor:pointer}
button.primary{background:#ff7a59;color:#fff}button.secondary{background:#fff;color:#ff7a59}
.error{color:#d94c53}ul.plain{list-style:none;padding:0}ul.plain li{margin:6px 0}
`;

function layout(title, body, { portal, user, script = '' } = {}) {
  const nav = portal ? `
<header class="top-nav" role="banner" data-test-id="top-nav">
  <a class="brand" href="/">HubSpot</a>
  <nav aria-label="Main"><a href="/contacts/${portal.portalId}/objects/0-1/views/all/list">Contacts</a>
  <a href="/contacts/${portal.portalId}/objects/0-2/views/all/list">Companies</a></nav>
  <span class="account">${esc(portal.name)} · ${esc(user ? `${user.firstName} ${user.lastName}` : '')}</span>
</header>` : `<header class="top-nav" role="banner"><a class="brand" href="/">HubSpot</a></header>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><style>${STYLE}</style></head>
<body>${nav}${body}${script ? `<script>${script}</script>` : ''}</body></html>`;
}

const page = (status, title, body, opts) => ({ status, html: layout(title, body, opts) });
const errorPage = (status, title, message, opts) =>
  page(status, title, `<main class="page"><h1>${esc(title)}</h1><p class="error" role="alert">${esc(message)}</p></main>`, opts);

const fullName = (p) => [p.firstname, p.lastname].filter(Boolean).join(' ') || p.email || 'Unnamed contact';

function loginUser(state) {
  return state.users.get(Number(state.config.loginUserId)) || null;
}

// Everything the contact page shows, as JSON: the server renders it, and the SPA script
// fetches the same shape from /__ui/record/... when it navigates.
function contactView(state, portal, id) {
  const rec = portal.objects.contacts.get(String(id));
  if (!rec || rec.archived) return null;
  const p = rec.properties;
  const ids = [...portal.objects.contacts.keys()];
  const at = ids.indexOf(rec.id);
  const pick = (k) => portal.objects.contacts.get(ids[(at + k) % ids.length]);
  const linkOf = (r) => ({ id: r.id, name: fullName(r.properties), href: `/contacts/${portal.portalId}/record/0-1/${r.id}` });
  const companyId = [...rec.assoc.companies.keys()][0];
  const company = companyId ? portal.objects.companies.get(companyId) : null;
  const owner = portal.owners.find((o) => o.id === p.hubspot_owner_id);
  const timeline = [];
  for (const callId of rec.assoc.calls.keys()) {
    const c = portal.objects.calls.get(callId);
    if (c) timeline.push({ kind: 'Call', title: c.properties.hs_call_title || 'Logged call', when: c.properties.hs_timestamp, body: stripTags(c.properties.hs_call_body) });
  }
  for (const taskId of rec.assoc.tasks.keys()) {
    const t = portal.objects.tasks.get(taskId);
    if (t) timeline.push({ kind: `Task (${t.properties.hs_task_type || 'TODO'}, ${t.properties.hs_task_status})`, title: t.properties.hs_task_subject, when: t.properties.hs_timestamp, body: '' });
  }
  timeline.sort((a, b) => String(b.when).localeCompare(String(a.when)));
  timeline.splice(25); // the large seed gives some contacts dozens of tasks
  return {
    portalId: portal.portalId, objectTypeId: '0-1', id: rec.id, name: fullName(p),
    fields: [
      ['email', 'Email', p.email], ['phone', 'Phone number', p.phone], ['mobilephone', 'Mobile phone number', p.mobilephone],
      ['jobtitle', 'Job title', p.jobtitle], ['company', 'Company name', p.company], ['country', 'Country/Region', p.country],
      ['hs_timezone', 'Time zone', p.hs_timezone], ['hubspot_owner_id', 'Contact owner', owner ? `${owner.firstName} ${owner.lastName}` : ''],
    ].map(([name, label, value]) => ({ name, label, value: value || '' })),
    subtitle: [p.jobtitle, p.company].filter(Boolean).join(' at '),
    company: company ? { id: company.id, name: company.properties.name, href: `/contacts/${portal.portalId}/record/0-2/${company.id}` } : null,
    timeline,
    next: linkOf(pick(1)),
    others: [1, 2, 3, 4, 5].map((k) => linkOf(pick(k))),
  };
}

function stripTags(s) {
  return String(s || '').replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
}

// The contact record page in three layouts, chosen per browser by the cookie
// `sandbox_record_layout` (or `?layout=` on a page load): "2026" (the default), "2024" and
// "unknown". Their markup follows ../../../shared/hubspot/DOM-EVIDENCE.md (E1-E6), never
// Spotdial's anchors. `recordTree` runs twice, like a framework's server render and hydration:
// on the server it becomes HTML, and its own source text runs in the page, where it rebuilds
// whole columns (replacing their subtrees, so foreign children such as an extension's card are
// dropped) after load, on every tab switch and on every in-page record change.
export const RECORD_LAYOUTS = Object.freeze(['2026', '2024', 'unknown']);
const LAYOUT_COOKIE = 'sandbox_record_layout';

function layoutOf(ctx) {
  const cookie = String(ctx.headers.cookie || '').split(';').map((c) => c.trim().split('='))
    .find(([name]) => name === LAYOUT_COOKIE);
  const asked = ctx.query.get('layout') || (cookie && cookie[1]);
  return RECORD_LAYOUTS.includes(asked) ? asked : '2026';
}

// Self-contained (its source runs in the page too): view + layout + tab -> the three columns
// as trees `[tag, attrs, ...children]`, strings being text.
function recordTree(v, layout, tab) {
  // A node is [tag, attrs, ...children]; any other array among the children is a list of them.
  const isNode = (k) => typeof k[0] === 'string' && k[1] !== null && typeof k[1] === 'object' && !Array.isArray(k[1]);
  const add = (out, k) => {
    if (Array.isArray(k) && !isNode(k)) k.forEach((x) => add(out, x));
    else if (k !== null && k !== undefined && k !== false) out.push(k);
    return out;
  };
  const h = (tag, attrs, ...kids) => add([tag, attrs || {}], kids);
  const base = `/contacts/${v.portalId}/record/0-1/${v.id}`;
  const field = (f) => f.value || '--';
  const timeline = () => h('ul', Object.assign({ class: 'plain', id: 'timeline', 'aria-label': 'Activity timeline' }, layout === '2026' ? { 'data-test-id': 'crm-events-viz-timeline' } : {}),
    v.timeline.length ? v.timeline.map((t) => h('li', { class: 'timeline-item' }, h('strong', {}, t.kind), `: ${t.title}`, h('br'), h('small', {}, t.when), t.body ? h('p', {}, t.body) : null))
      : h('li', {}, 'No activity yet.'));
  const tabs = [['1', 'Overview'], ['2', 'Activities'], ['3', 'Intelligence']];
  const tabList = h('nav', { 'aria-label': 'Record tabs', class: 'tabs' }, tabs.map(([n, label]) =>
    h('a', { href: `${base}/view/${n}`, 'data-tab': n, class: n === tab ? 'tab current' : 'tab', 'aria-current': n === tab ? 'page' : 'false' }, label)));
  const tabBody = tab === '3' ? h('p', {}, 'No insights for this contact yet.')
    : [h('h2', {}, tab === '2' ? 'All activity' : 'Recent activity'), timeline()];
  const others = h('ul', { class: 'plain', id: 'other-contacts' }, v.others.map((o) => h('li', {}, h('a', { 'data-spa': '', href: o.href }, o.name))));
  const company = h('p', { id: 'record-company' }, v.company ? h('a', { href: v.company.href }, v.company.name) : '--');
  const next = h('p', {}, h('a', { 'data-spa': '', id: 'next-record', href: v.next.href }, 'Next record'));

  if (layout === '2026') {
    // E5 (2026 fixture), E4 (2026, "measured on live records"), E6 (2025-12 to 2026-03).
    const props = (v.fields || []).filter((f) => f.name);
    return {
      left: h('aside', { 'data-test-id': 'left-sidebar', 'aria-label': 'About this contact', class: 'left-sidebar' },
        h('div', { 'data-test-id': 'card-wrapper-OBJECT_HIGHLIGHT-FAS-0-1-1', class: 'card' },
          h('div', { 'data-card-type': 'OBJECT_HIGHLIGHT', 'data-card-id': 'OBJECT_HIGHLIGHT-FAS-0-1-1' },
            h('div', { 'data-test-id': 'crm-card-content' },
              h('div', { 'data-test-id': 'record-highlight-content' },
                h('div', { 'data-test-id': 'record-highlight-main-content' },
                  h('h1', { id: 'record-name', 'data-test-id': 'highlight-record-label', 'data-selenium-test': 'highlightTitle' },
                    h('span', { 'data-test-id': 'highlight-property-display-hs_full_name_or_email' }, v.name)),
                  h('ul', { 'data-test-id': 'properties-list', class: 'plain' },
                    h('li', { 'data-test-id': 'highlight-property-item-jobtitle-and-company', id: 'record-subtitle' }, v.subtitle),
                    h('li', { 'data-test-id': 'highlight-property-item-email' },
                      h('span', { 'data-test-id': 'highlight-property-display-email' }, field(props.find((f) => f.name === 'email') || {}))))))))),
        h('div', { 'data-test-id': 'card-wrapper-PROPERTIES_V3/0-1/V2', class: 'card' },
          h('div', { 'data-card-type': 'PROPERTIES_V3', 'data-card-id': 'PROPERTIES_V3/0-1/V2' },
            h('h2', {}, 'About this contact'),
            h('ul', { 'data-selenium-test': 'profile-properties-list', class: 'plain', id: 'record-fields' }, props.map((f) =>
              h('span', { 'data-test-id': f.name },
                h('div', { 'data-deferred-property-input-root': 'true', 'data-state': 'editable', 'data-mode': 'display' },
                  h('div', { class: 'label' }, f.label),
                  h('span', { 'data-selenium-test': `property-input-${f.name}`, 'data-field': f.label }, field(f))))))))),
      middle: h('div', { 'data-test-id': 'middle-pane', class: 'middle-pane' }, tabList,
        h('div', { 'data-test-id': `tab-${tab}-content` },
          h('div', { 'data-test-id': 'card-wrapper-SINGLETON/0-1/RECORD_TIMELINE', class: 'card' }, tabBody))),
      right: h('div', { 'data-test-id': 'records-right-sidebar' },
        h('aside', { 'data-test-id': 'right-sidebar', 'aria-label': 'Associations', class: 'right-sidebar' },
          h('div', { 'data-test-id': 'card-wrapper-AI_OBJECT_SUMMARY-FAS-1', class: 'card' }, h('h2', {}, 'Record summary'), h('p', {}, 'No summary yet.')),
          h('div', { 'data-test-id': 'card-wrapper-ASSOCIATION_V3/0-2', class: 'card' }, h('h2', {}, 'Company'), company),
          h('div', { 'data-test-id': 'card-wrapper-ASSOCIATION_V3/0-1', class: 'card' }, h('h2', {}, 'Other contacts'), others, next))),
    };
  }
  if (layout === '2024') {
    // E1 (2021-04 to 2022-06), E3 (2023-06 to 2025-07), E2 (2024-03 to 2024-09): the highlight
    // details box with highlightTitle / highlightSubtitle, then the profile properties form.
    return {
      left: h('div', { class: 'left-sidebar', 'aria-label': 'About this contact', role: 'complementary' },
        h('div', { 'data-selenium-test': 'contact-highlight-details', class: 'card' },
          h('h1', { id: 'record-name', 'data-selenium-test': 'highlightTitle' }, v.name),
          h('div', { id: 'record-subtitle', 'data-unit-test': 'highlightSubtitle' }, v.subtitle)),
        h('form', { 'data-selenium-test': 'profile-properties', class: 'card' },
          h('h2', {}, 'About this contact'),
          h('dl', { id: 'record-fields' }, (v.fields || []).map((f) => [
            h('dt', {}, f.label), h('dd', { 'data-profile-property': f.name || f.label, 'data-field': f.label }, field(f))])))),
      middle: h('main', { class: 'middle-pane' }, tabList,
        h('div', { 'data-selenium-test': 'timeline-editable-section' }, tabBody)),
      right: h('div', { class: 'right-sidebar', role: 'complementary', 'aria-label': 'Associations' },
        h('h2', {}, 'Company'), company, h('h2', {}, 'Other contacts'), others, next),
    };
  }
  // A layout no public source describes (a future redesign): plain landmarks, no test ids.
  return {
    left: h('section', { class: 'summary-column', 'aria-label': 'About this contact' },
      h('h1', { id: 'record-name' }, v.name), h('div', { id: 'record-subtitle' }, v.subtitle),
      h('dl', { id: 'record-fields' }, (v.fields || []).map((f) => [h('dt', {}, f.label), h('dd', { 'data-field': f.label }, field(f))]))),
    middle: h('main', { class: 'middle-pane' }, tabList, h('div', { class: 'tab-body' }, tabBody)),
    right: h('section', { class: 'right-sidebar', 'aria-label': 'Associations' }, h('h2', {}, 'Company'), company, h('h2', {}, 'Other contacts'), others, next),
  };
}

function treeHtml(node) {
  if (typeof node === 'string') return esc(node);
  const [tag, attrs, ...kids] = node;
  const a = Object.entries(attrs).map(([k, val]) => (val === '' ? ` ${k}` : ` ${k}="${esc(val)}"`)).join('');
  return `<${tag}${a}>${['br'].includes(tag) ? '' : `${kids.map(treeHtml).join('')}</${tag}>`}`;
}

// The columns' containers stay across renders (like a framework's root); what is inside them
// is the framework's and is replaced whole.
const COLUMN = {
  2026: { left: 'id="record-page-left-sidebar" data-scroll-trackable-container="left-sidebar"', middle: '', right: '' },
  2024: { left: '', middle: '', right: '' },
  unknown: { left: '', middle: '', right: '' },
};

function renderContact(v, layout, tab) {
  const tree = recordTree(v, layout, tab);
  const col = (name) => `<div class="column column-${name}" data-sandbox-column="${name}" ${COLUMN[layout][name]}>${treeHtml(tree[name])}</div>`;
  // JSON in a script element: `<` is escaped so no name can close the element.
  const data = JSON.stringify({ view: v, layout, tab }).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `
<div class="record-layout" data-test-id="record-layout" data-record-id="${esc(v.id)}">${col('left')}${col('middle')}${col('right')}</div>
<script type="application/json" id="sandbox-record">${data}</script>`;
}

// The page's own script (HubSpot-like, not Spotdial's): in-page record links and record tabs
// change the URL with history.pushState, and every render replaces whole column subtrees.
// `window.__sandbox` is for tests: renders so far, a forced re-render, and a busy timeline.
const SPA_SCRIPT = `
(function () {
  var recordTree = ${recordTree.toString()};
  var initial = JSON.parse(document.getElementById('sandbox-record').textContent);
  var v = initial.view, layout = initial.layout, tab = initial.tab, renders = 0;
  function dom(node) {
    if (typeof node === 'string') return document.createTextNode(node);
    var e = document.createElement(node[0]);
    for (var k in node[1]) e.setAttribute(k, node[1][k]);
    for (var i = 2; i < node.length; i++) e.append(dom(node[i]));
    return e;
  }
  function column(name) { return document.querySelector('[data-sandbox-column="' + name + '"]'); }
  function render(which) {
    var tree = recordTree(v, layout, tab);
    (which || ['left', 'middle', 'right']).forEach(function (name) { column(name).replaceChildren(dom(tree[name])); });
    document.querySelector('[data-test-id="record-layout"]').setAttribute('data-record-id', v.id);
    document.title = v.name + ' | Contact';
    renders++;
  }
  var RECORD = /^\\/contacts\\/(\\d+)\\/(?:record\\/0-1|contact)\\/(\\d+)(?:\\/view\\/(\\d+))?\\/?$/;
  function load(path, push) {
    var m = RECORD.exec(path);
    if (!m) { location.assign(path); return; }
    if (m[2] === v.id) { tab = m[3] || '1'; if (push) history.pushState({}, '', path); render(['middle', 'left']); return; }
    fetch('/__ui/record/' + m[1] + '/0-1/' + m[2], { credentials: 'same-origin' })
      .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
      .then(function (next) { if (push) history.pushState({ id: next.id }, '', path); v = next; tab = m[3] || '1'; render(); })
      .catch(function () { location.assign(path); });
  }
  document.addEventListener('click', function (e) {
    var a = e.target.closest && e.target.closest('a[data-spa], a[data-tab]');
    if (!a || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
    e.preventDefault(); load(a.getAttribute('href'), true);
  });
  window.addEventListener('popstate', function () { load(location.pathname, false); });
  // Hydration: the framework takes over the server's markup and renders the sidebar again.
  window.addEventListener('load', function () { setTimeout(function () { render(['left']); }, 150); });
  var seq = 0;
  function churn() {
    var list = document.getElementById('timeline');
    var item = document.createElement('li');
    item.className = 'timeline-item';
    item.textContent = 'Live update ' + (++seq);
    if (list.firstElementChild) list.firstElementChild.replaceWith(item); else list.append(item);
  }
  window.__sandbox = {
    renders: function () { return renders; },
    rerender: function () { render(['left', 'right']); return renders; },
    // n timeline mutations (one record each): "tasks" = each in its own task, as fast as the
    // page can; "frames" = ten per animation frame. Resolves when done.
    churn: function (n, mode) {
      return new Promise(function (resolve) {
        var left = n;
        if (mode === 'frames') {
          (function frame() { for (var i = 0; i < 10 && left > 0; i++, left--) churn(); if (left > 0) requestAnimationFrame(frame); else resolve(); })();
          return;
        }
        var ch = new MessageChannel();
        ch.port1.onmessage = function () { churn(); if (--left > 0) ch.port2.postMessage(0); else resolve(); };
        ch.port2.postMessage(0);
      });
    },
  };
})();`;

function companyPage(state, portal, user, id) {
  const rec = portal.objects.companies.get(String(id));
  if (!rec) return errorPage(404, 'Record not found', 'This company does not exist or was deleted.', { portal, user });
  const p = rec.properties;
  const contacts = [...rec.assoc.contacts.keys()].map((cid) => portal.objects.contacts.get(cid)).filter(Boolean);
  const body = `
<div class="record-layout" data-test-id="record-layout" data-record-id="${esc(rec.id)}">
  <aside class="left-sidebar" data-test-id="left-sidebar" aria-label="About this company">
    <h1 id="record-name">${esc(p.name)}</h1>
    <section><h2>About this company</h2><dl><dt>Company domain name</dt><dd>${esc(p.domain)}</dd><dt>City</dt><dd>${esc(p.city)}</dd><dt>Country/Region</dt><dd>${esc(p.country)}</dd></dl></section>
  </aside>
  <main class="middle-pane" data-test-id="middle-pane"><h2>Activity</h2><p>No activity yet.</p></main>
  <aside class="right-sidebar" data-test-id="right-sidebar" aria-label="Associations"><h2>Contacts (${contacts.length})</h2>
    <ul class="plain">${contacts.map((c) => `<li><a href="/contacts/${portal.portalId}/record/0-1/${c.id}">${esc(fullName(c.properties))}</a></li>`).join('')}</ul></aside>
</div>`;
  return page(200, `${p.name} | Company`, body, { portal, user });
}

function indexPage(portal, user, type) {
  const recs = [...portal.objects[type === '0-1' ? 'contacts' : 'companies'].values()];
  const rows = recs.map((r) => {
    const name = type === '0-1' ? fullName(r.properties) : r.properties.name;
    const extra = type === '0-1' ? r.properties.phone : r.properties.domain;
    return `<tr><td><a href="/contacts/${portal.portalId}/record/${type}/${r.id}">${esc(name)}</a></td><td>${esc(extra)}</td></tr>`;
  }).join('');
  const what = type === '0-1' ? 'Contacts' : 'Companies';
  return page(200, `${what} | HubSpot`, `<main class="middle-pane" data-test-id="index-page"><h1>${what}</h1>
<table aria-label="${what}"><thead><tr><th>Name</th><th>${type === '0-1' ? 'Phone number' : 'Domain'}</th></tr></thead><tbody>${rows}</tbody></table></main>`, { portal, user });
}

function homePage(state, host, user) {
  const portals = user ? userPortals(state, user.userId).filter((p) => p.uiDomain === host) : [];
  const items = portals.map((p) => `<li><a href="/contacts/${p.portalId}/objects/0-1/views/all/list">${esc(p.name)} (${p.portalId})</a></li>`).join('');
  return page(200, 'HubSpot', `<main class="page" data-test-id="home"><h1>Welcome${user ? `, ${esc(user.firstName)}` : ''}</h1>
<ul class="plain">${items || '<li>No accounts on this domain.</li>'}</ul></main>`, { portal: portals[0], user });
}

// A portal lives on one UI domain; HubSpot redirects to the right one (port kept for the sandbox).
function wrongDomain(ctx, portal) {
  const port = String(ctx.headers.host || '').match(/:(\d+)$/);
  const target = `https://${portal.uiDomain}${port ? `:${port[1]}` : ''}${ctx.path}${ctx.query.toString() ? `?${ctx.query}` : ''}`;
  return { status: 302, headers: { location: target }, text: '' };
}

function portalFor(ctx, portalId) {
  const portal = ctx.state.portals.get(Number(portalId));
  if (!portal) return { ans: errorPage(404, 'Account not found', `There is no HubSpot account ${portalId}.`) };
  ctx.portal = portal;
  if (portal.uiDomain !== ctx.host) return { ans: wrongDomain(ctx, portal) };
  const user = loginUser(ctx.state);
  if (!user || !user.owners[portal.portalId]) {
    return { ans: errorPage(403, 'No access', `You don't have access to the account ${portal.portalId}.`) };
  }
  return { portal, user };
}

function consentPage(ctx, params, portal, user) {
  const id = randomBytes(16).toString('hex');
  ctx.state.oauth.consents.set(id, { params, portalId: portal.portalId, userId: user.userId, used: false, at: Date.now() });
  const scopes = params.scopes.map((s) => `<li>${esc(SCOPE_TEXT[s] || s)} <small>(${esc(s)})</small></li>`).join('');
  return page(200, 'Connect app | HubSpot', `<main class="page" data-test-id="oauth-consent">
<h1>Connect Spotdial (sandbox) to ${esc(portal.name)}</h1>
<p>Signed in as ${esc(user.email)} · account ${esc(portal.name)} (${portal.portalId})</p>
<p>Spotdial (sandbox) is requesting access to:</p><ul>${scopes}</ul>
<form method="post" action="/oauth/authorize/decision">
  <input type="hidden" name="consent_id" value="${id}">
  <button class="primary" type="submit" name="decision" value="approve">Approve</button>
  <button class="secondary" type="submit" name="decision" value="cancel">Cancel</button>
</form></main>`, {});
}

function chooserPage(ctx, user) {
  const portals = userPortals(ctx.state, user.userId);
  const items = portals.map((p) => {
    const q = new URLSearchParams(ctx.query);
    return `<li><a href="https://${p.uiDomain}${hostPort(ctx)}/oauth/${p.portalId}/authorize?${esc(q.toString())}">${esc(p.name)} (${p.portalId})</a></li>`;
  }).join('');
  return page(200, 'Choose an account | HubSpot', `<main class="page" data-test-id="account-chooser">
<h1>Choose an account</h1><p>Signed in as ${esc(user.email)}</p><ul class="plain" aria-label="Accounts">${items}</ul></main>`, {});
}

const hostPort = (ctx) => { const m = String(ctx.headers.host || '').match(/:(\d+)$/); return m ? `:${m[1]}` : ''; };

function authorize(ctx, portalId) {
  const v = validateAuthorize(ctx.state, ctx.query);
  if (v.error) return errorPage(400, 'Authorization failed', v.error);
  const user = loginUser(ctx.state);
  if (!user) return errorPage(403, 'Not signed in', 'No user is signed in to HubSpot.');
  if (portalId === null) return chooserPage(ctx, user);
  const portal = ctx.state.portals.get(Number(portalId));
  if (!portal || !user.owners[portal.portalId]) {
    return errorPage(403, 'Authorization failed', `${user.email} is not a user of the account ${portalId}.`);
  }
  ctx.portal = portal;
  return consentPage(ctx, v.params, portal, user);
}

function decide(ctx) {
  const ct = String(ctx.headers['content-type'] || '');
  if (!ct.startsWith('application/x-www-form-urlencoded')) return errorPage(400, 'Authorization failed', 'Bad form submission.');
  const form = new URLSearchParams(ctx.body.toString('utf8'));
  const consent = ctx.state.oauth.consents.get(form.get('consent_id') || '');
  if (!consent || consent.used) return errorPage(400, 'Authorization failed', 'This authorization request has expired. Start again.');
  consent.used = true;
  const { params } = consent;
  const user = loginUser(ctx.state);
  const portal = ctx.state.portals.get(consent.portalId);
  ctx.portal = portal;
  if (!user || user.userId !== consent.userId || !user.owners[portal.portalId]) {
    return errorPage(403, 'Authorization failed', 'The signed-in user changed. Start again.');
  }
  const decision = form.get('decision');
  if (decision === 'approve') {
    const code = issueCode(ctx.state, { params, portal, userId: user.userId });
    return { status: 302, headers: { location: redirectWith(params.redirectUri, { code, state: params.state }) }, text: '' };
  }
  return {
    status: 302,
    headers: { location: redirectWith(params.redirectUri, { error: 'access_denied', error_description: 'The user declined to install the app.', state: params.state }) },
    text: '',
  };
}

export async function handleUi(ctx) {
  const { path, method, state } = ctx;
  let m;
  if (method === 'POST' && path === '/oauth/authorize/decision') return decide(ctx);
  if (method !== 'GET' && method !== 'HEAD') return errorPage(405, 'Not allowed', `${method} is not allowed here.`);
  if (path === '/oauth/authorize') return authorize(ctx, null);
  if ((m = /^\/oauth\/(\d+)\/authorize\/?$/.exec(path))) return authorize(ctx, m[1]);
  if (path === '/favicon.ico') return { status: 204, text: '' };
  if (path === '/' || path === '') return homePage(state, ctx.host, loginUser(state));
  if ((m = /^\/__ui\/record\/(\d+)\/0-1\/(\d+)$/.exec(path))) {
    const r = portalFor(ctx, m[1]);
    if (r.ans) return { status: r.ans.status === 302 ? 403 : r.ans.status, body: { error: 'no access' } };
    const v = contactView(state, r.portal, m[2]);
    return v ? { status: 200, body: v } : { status: 404, body: { error: 'not found' } };
  }
  if ((m = /^\/contacts\/(\d+)\/(?:record\/0-1|contact)\/(\d+)(?:\/view\/(\d+))?\/?$/.exec(path))) {
    const r = portalFor(ctx, m[1]);
    if (r.ans) return r.ans;
    const v = contactView(state, r.portal, m[2]);
    if (!v) return errorPage(404, 'Record not found', 'This contact does not exist or was deleted.', r);
    return page(200, `${v.name} | Contact`, renderContact(v, layoutOf(ctx), m[3] || '1'), { portal: r.portal, user: r.user, script: SPA_SCRIPT });
  }
  if ((m = /^\/contacts\/(\d+)\/(?:record\/0-2|company)\/(\d+)\/?$/.exec(path))) {
    const r = portalFor(ctx, m[1]);
    return r.ans || companyPage(state, r.portal, r.user, m[2]);
  }
  if ((m = /^\/contacts\/(\d+)\/objects\/(0-1|0-2)\/views\/[^/]+\/list\/?$/.exec(path))) {
    const r = portalFor(ctx, m[1]);
    return r.ans || indexPage(r.portal, r.user, m[2]);
  }
  if ((m = /^\/contacts\/(\d+)\/objectLists\/(\d+)\/?$/.exec(path))) {
    const r = portalFor(ctx, m[1]);
    if (r.ans) return r.ans;
    const list = r.portal.lists.get(m[2]);
    if (!list) return errorPage(404, 'List not found', 'This list does not exist.', r);
    const rows = listMembers(r.portal, list).map((x) => r.portal.objects.contacts.get(x.recordId)).filter(Boolean)
      .map((c) => `<li><a href="/contacts/${r.portal.portalId}/record/0-1/${c.id}">${esc(fullName(c.properties))}</a></li>`).join('');
    return page(200, `${list.name} | Lists`, `<main class="middle-pane"><h1>${esc(list.name)}</h1><ul class="plain">${rows}</ul></main>`, r);
  }
  if ((m = /^\/(?:tasks|contacts)\/(\d+)(?:\/.*)?$/.exec(path))) {
    const r = portalFor(ctx, m[1]);
    if (r.ans) return r.ans;
    return page(200, 'HubSpot', `<main class="middle-pane" data-test-id="other-page"><h1>${esc(r.portal.name)}</h1><p>Nothing to see here in the sandbox.</p></main>`, r);
  }
  return errorPage(404, 'Page not found', 'This page does not exist.');
}

