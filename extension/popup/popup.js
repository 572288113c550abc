// Spotdial popup: asks the worker for its state and draws it — sign-in, the rate-limit alert,
// the queue ("Call tasks") and its source. Layer: shell; every decision is the worker's, this
// file only renders what it is told and forwards clicks.
'use strict';
(() => {
  const { el } = spotdialDom;
  const root = document.getElementById('app');
  const send = spotdialMessage.send;
  let resumeTimer = null;

  function draw(...children) {
    root.replaceChildren(el('h1', {}, 'Spotdial'), ...children);
    root.setAttribute('aria-busy', 'false');
  }

  async function act(message, busyText) {
    draw(el('p', { role: 'status' }, busyText));
    const answer = await send(message);
    if (answer.kind === 'error') return refresh(answer.error.message);
    return refresh();
  }

  const signInButton = (label) => el('button', { type: 'button', onclick: () => act(spotdialMessage.signIn(), 'Waiting for HubSpot…') }, label);

  const timeFormat = new Intl.DateTimeFormat(undefined, { weekday: 'short', hour: 'numeric', minute: '2-digit' });
  const when = (ms) => (ms ? timeFormat.format(new Date(ms)) : 'no due date');

  function pauseAlert(paused) {
    if (!paused) return null;
    clearTimeout(resumeTimer);
    // Clears by itself: ask again once HubSpot's window has passed.
    resumeTimer = setTimeout(() => refresh(), Math.max(500, paused.until_ms - Date.now() + 500));
    return el('p', { role: 'alert', class: 'spotdial-pause' }, `${paused.message} (until ${timeFormat.format(new Date(paused.until_ms))})`);
  }

  function queueItem(entry) {
    const name = entry.contact ? entry.contact.name : 'No contact';
    const company = entry.contact && entry.contact.company ? ` · ${entry.contact.company}` : '';
    const task = entry.task ? `${entry.task.subject} — ${entry.task.overdue ? 'overdue, ' : ''}due ${when(entry.task.due_ms)}` : '';
    const label = el('span', {}, el('strong', {}, name), company, el('br'), el('span', { class: 'spotdial-muted' }, task));
    if (!entry.record_url) return el('li', {}, label, el('p', { class: 'spotdial-muted' }, entry.problem || ''));
    return el('li', {}, el('a', {
      href: entry.record_url,
      onclick: (event) => { event.preventDefault(); chrome.tabs.create({ url: entry.record_url }); },
    }, label));
  }

  async function queueSection(listsAnswer, queueAnswer) {
    const section = el('section', { 'aria-label': 'Queue' });
    const current = queueAnswer.kind === 'queue' && queueAnswer.queue.source.kind === 'list' ? queueAnswer.queue.source.list : '';
    const select = el('select', { id: 'queue-source', 'aria-label': 'Queue' },
      el('option', { value: '' }, 'My call tasks'),
      ...(listsAnswer.kind === 'lists' ? listsAnswer.lists : []).map((l) => el('option', { value: l.id, selected: l.id === current }, `List: ${l.name}`)));
    select.addEventListener('change', () => act(spotdialMessage.setQueueList(select.value || null), 'Loading the queue…'));
    section.append(el('label', { for: 'queue-source' }, 'Queue '), select);
    if (queueAnswer.kind === 'queue') {
      const items = queueAnswer.queue.items.map(queueItem);
      section.append(items.length
        ? el('ul', { 'aria-label': 'Call tasks', class: 'spotdial-queue' }, items)
        : el('p', {}, current ? 'This list has no contacts.' : 'No call tasks due. Nice work.'));
    } else if (queueAnswer.error.code !== 'hubspot_rate_limited') { // the pause alert says it already
      section.append(el('p', { role: 'alert' }, queueAnswer.error.message));
    }
    return section;
  }

  async function renderStatus(status, problem) {
    const notice = problem ? el('p', { role: 'alert' }, problem) : null;
    if (status.auth === 'signed_out') {
      return draw(notice, el('p', {}, 'Sign in once with your HubSpot account to call from contact records.'), signInButton('Sign in with HubSpot'));
    }
    if (status.auth === 'needs_reconnect') {
      const missing = status.missing_scopes.length ? ` Missing permissions: ${status.missing_scopes.join(', ')}.` : '';
      return draw(notice, el('p', { role: 'alert' }, `Spotdial lost its connection to HubSpot: ${status.reason}${missing}`), signInButton('Reconnect to HubSpot'));
    }
    const p = status.profile || {};
    const portal = p.hub_domain ? `${p.hub_domain} (portal ${p.portal})` : `Portal ${p.portal || 'unknown'}`;
    const user = p.owner_name && p.user_email ? `${p.owner_name} (${p.user_email})` : (p.user_email || p.owner_name || 'Signed in');
    const account = el('p', { class: 'spotdial-account' }, el('span', { 'data-field': 'portal' }, portal), el('br'), el('span', { 'data-field': 'user' }, user));
    const signOut = el('button', { type: 'button', class: 'spotdial-secondary', onclick: () => act(spotdialMessage.signOut(), 'Signing out…') }, 'Sign out');
    draw(notice, pauseAlert(status.paused), account, el('p', { role: 'status' }, 'Loading your call tasks…'), signOut);
    const [lists, queue] = await Promise.all([send(spotdialMessage.lists()), send(spotdialMessage.queue())]);
    const paused = (queue.kind === 'queue' && queue.paused) || status.paused;
    draw(notice, pauseAlert(paused), account, await queueSection(lists, queue), signOut);
  }

  async function refresh(problem) {
    const status = await send(spotdialMessage.status());
    if (status.kind !== 'status') return draw(el('p', { role: 'alert' }, status.error ? status.error.message : 'Spotdial is not ready.'));
    return renderStatus(status, problem);
  }

  refresh();
})();
