// Spotdial popup: asks the worker for its state and draws it — sign-in and the account health
// line, the rate-limit alert, calls not logged yet (Log, Discard), the queue ("Call tasks") and
// its source, unsent call logs with "Retry", the sign-out warning, the keyboard shortcuts and
// the way to the options page. Layer: shell; every decision is the
// worker's, this file only renders what it is told and forwards clicks.
'use strict';
(() => {
  const { el } = spotdialDom;
  const root = document.getElementById('app');
  const send = spotdialMessage.send;
  let resumeTimer = null;

  function draw(...children) {
    // replaceChildren would show a missing part (null) as the text "null".
    root.replaceChildren(el('h1', {}, 'Spotdial'), ...children.filter((c) => c !== null && c !== undefined));
    root.setAttribute('aria-busy', 'false');
  }

  async function act(message, busyText) {
    draw(el('p', { role: 'status' }, busyText));
    const answer = await send(message);
    if (answer.kind === 'error') return refresh(answer.error.message);
    return refresh(null, answer.kind === 'logged' ? answer.message : null);
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
      // A busy portal's queue is kept 10 minutes (the worker decides); the rep can always ask now.
      const kept = queueAnswer.queue.busy_portal ? ' HubSpot is busy, so Spotdial asks it again every 10 minutes.' : '';
      section.append(el('p', { class: 'spotdial-muted' }, `Updated ${timeFormat.format(new Date(queueAnswer.queue.fetched_at_ms))}.${kept} `,
        el('button', { type: 'button', class: 'spotdial-secondary', onclick: () => act(spotdialMessage.queue(true), 'Loading the queue…') }, 'Refresh queue')));
    } else if (queueAnswer.error.code !== 'hubspot_rate_limited') { // the pause alert says it already
      section.append(el('p', { role: 'alert' }, queueAnswer.error.message));
    }
    return section;
  }

  function outboxSection(answer) {
    if (answer.kind !== 'outbox') return el('p', { role: 'alert' }, answer.error ? answer.error.message : 'Spotdial could not read its unsent call logs.');
    if (!answer.entries.length) return null;
    const row = (entry) => {
      const name = entry.contact_name || 'an unknown contact';
      const retry = entry.can_retry
        ? el('button', { type: 'button', class: 'spotdial-secondary', 'aria-label': `Retry call log to ${name}`, onclick: () => act(spotdialMessage.retryLog(entry.id), 'Sending the call log…') }, 'Retry')
        : null;
      const item = el('li', {}, el('strong', {}, name), el('br'), el('span', { class: 'spotdial-muted' }, entry.label), retry ? ' ' : null, retry);
      // A log made under another HubSpot account waits for it; the rep may delete it instead.
      if (entry.other_account) {
        item.append(' ', confirmed('Delete', `Delete call log to ${name}`, 'This call is not in HubSpot. Delete it from this computer?',
          () => act(spotdialMessage.deleteLog(entry.id), 'Deleting the call log…')));
      }
      return item;
    };
    return el('section', { 'aria-labelledby': 'outbox-heading' },
      el('h2', { id: 'outbox-heading' }, 'Unsent call logs'),
      el('ul', { 'aria-labelledby': 'outbox-heading', class: 'spotdial-queue' }, answer.entries.map(row)));
  }

  /** "3 min ago", "2 h ago": how long ago a time was, at a glance. */
  function ago(ms) {
    const minutes = Math.floor(Math.max(0, Date.now() - ms) / 60000);
    if (minutes < 1) return 'just now';
    if (minutes < 120) return `${minutes} min ago`;
    return `${Math.floor(minutes / 60)} h ago`;
  }

  /** One line: who, which portal, how fresh the token is, and HubSpot's rate window. */
  function healthLine(health) {
    if (!health) return null;
    const who = health.user_email || health.owner_name || 'unknown user';
    const parts = [who, `portal ${health.portal || 'unknown'}`];
    parts.push(health.token_renewed_at_ms ? `token renewed ${ago(health.token_renewed_at_ms)}` : 'no token yet');
    if (health.paused_until_ms) parts.push(`HubSpot paused until ${timeFormat.format(new Date(health.paused_until_ms))}`);
    else parts.push(`HubSpot ${health.budget.used}/${health.budget.max} in ${Math.round(health.budget.window_ms / 1000)} s`);
    return el('p', { class: 'spotdial-muted', id: 'account-health' }, parts.join(' · '));
  }

  /** A button that asks once more before doing something that cannot be undone. */
  function confirmed(label, accessible, question, run) {
    const holder = el('span', {});
    const button = el('button', { type: 'button', class: 'spotdial-secondary', 'aria-label': accessible }, label);
    button.addEventListener('click', () => {
      const cancel = el('button', { type: 'button', class: 'spotdial-secondary' }, 'Cancel');
      cancel.addEventListener('click', () => { holder.replaceChildren(button); button.focus(); });
      const yes = el('button', { type: 'button', onclick: run }, `${label} now`);
      holder.replaceChildren(el('span', { role: 'alert' }, question), ' ', yes, ' ', cancel);
      cancel.focus();
    });
    holder.append(button);
    return holder;
  }

  /** Calls dialed and not logged: Log (the saved outcome and notes) and Discard; a call made
   * under another HubSpot account waits for it and can only be discarded here. */
  function callsSection(answer) {
    if (answer.kind !== 'calls') return el('p', { role: 'alert' }, answer.error ? answer.error.message : 'Spotdial could not read its calls in progress.');
    if (!answer.calls.length) return null;
    const row = (c) => {
      const name = c.contact_name || 'an unknown contact';
      const facts = [`${c.number} · started ${when(c.started_at_ms)}`];
      if (c.outcome_label) facts.push(c.outcome_label);
      if (c.notes) facts.push(`notes: ${c.notes.length > 60 ? `${c.notes.slice(0, 60)}…` : c.notes}`);
      const lines = [el('strong', {}, name), el('br'), el('span', { class: 'spotdial-muted' }, facts.join(' · '))];
      if (c.stale) lines.push(el('br'), el('span', { class: 'spotdial-warning' }, 'Over 12 hours old: log or discard it.'));
      const discard = confirmed('Discard', `Discard call to ${name}`, `Discard the call to ${name}? It is not logged.`,
        () => act(spotdialMessage.discardCall(c.call), 'Discarding the call…'));
      if (c.other_account) {
        const owner = c.account ? `HubSpot account ${c.account.portal}, user ${c.account.user}` : 'the account it was made in (not recorded)';
        lines.push(el('br'), el('span', { class: 'spotdial-muted' }, `Waiting for ${owner}.`));
        return el('li', {}, ...lines, el('br'), discard);
      }
      const complete = c.task ? el('input', { type: 'checkbox', id: `complete-${c.call}`, checked: true }) : null;
      const log = el('button', { type: 'button', 'aria-label': `Log call to ${name}` }, 'Log');
      log.addEventListener('click', () => act(spotdialMessage.logCall(c.call, null, '', complete && complete.checked ? c.task.id : null), 'Logging the call…'));
      return el('li', {}, ...lines,
        complete ? el('p', {}, complete, ' ', el('label', { for: `complete-${c.call}` }, `Complete task: ${c.task.subject}`)) : el('br'),
        log, ' ', discard);
    };
    return el('section', { 'aria-labelledby': 'calls-heading' },
      el('h2', { id: 'calls-heading' }, 'Calls not logged'),
      el('ul', { 'aria-labelledby': 'calls-heading', class: 'spotdial-queue' }, answer.calls.map(row)));
  }

  async function shortcutsSection() {
    let commands = [];
    try { commands = await chrome.commands.getAll(); } catch (_) { /* no commands API here */ }
    // Chrome lists the toolbar button's own command without a description.
    const describe = (c) => c.description || (c.name === '_execute_action' ? 'Open the Spotdial popup' : c.name);
    const items = commands.map((c) => el('li', {},
      describe(c), ': ', c.shortcut ? el('kbd', {}, c.shortcut) : el('span', { class: 'spotdial-muted' }, 'not set')));
    return el('section', { 'aria-labelledby': 'shortcuts-heading' },
      el('h2', { id: 'shortcuts-heading' }, 'Shortcuts'),
      items.length ? el('ul', { 'aria-labelledby': 'shortcuts-heading', class: 'spotdial-shortcuts' }, items) : el('p', {}, 'No keyboard shortcuts.'),
      el('p', {},
        el('button', { type: 'button', class: 'spotdial-secondary', onclick: () => chrome.tabs.create({ url: 'chrome://extensions/shortcuts' }) }, 'Change shortcuts'), ' ',
        el('button', { type: 'button', class: 'spotdial-secondary', onclick: () => chrome.runtime.openOptionsPage() }, 'Options')));
  }

  /** "Sign out": straight away, or after a warning when call logs are not in HubSpot yet. */
  function signOutButton(unsent) {
    const doSignOut = () => act(spotdialMessage.signOut(), 'Signing out…');
    const holder = el('div', {});
    const button = el('button', { type: 'button', class: 'spotdial-secondary' }, 'Sign out');
    button.addEventListener('click', () => {
      if (!unsent) return doSignOut();
      const warning = unsent === 1
        ? '1 call log is not in HubSpot yet. It is kept and sent after you sign in again to the same HubSpot account.'
        : `${unsent} call logs are not in HubSpot yet. They are kept and sent after you sign in again to the same HubSpot account.`;
      const cancel = el('button', { type: 'button', class: 'spotdial-secondary' }, 'Cancel');
      cancel.addEventListener('click', () => { holder.replaceChildren(button); button.focus(); });
      const anyway = el('button', { type: 'button', onclick: doSignOut }, 'Sign out anyway');
      const group = el('div', { role: 'group', 'aria-labelledby': 'sign-out-warning' }, anyway, ' ', cancel);
      group.addEventListener('keydown', (event) => { if (event.key === 'Escape') { event.preventDefault(); cancel.click(); } });
      holder.replaceChildren(el('p', { role: 'alert', id: 'sign-out-warning' }, warning), group);
      cancel.focus();
    });
    holder.append(button);
    return holder;
  }

  async function renderStatus(status, problem, info) {
    const notice = problem ? el('p', { role: 'alert' }, problem) : (info ? el('p', { role: 'status' }, info) : null);
    const [outbox, callsAnswer, shortcuts] = await Promise.all([send(spotdialMessage.outbox()), send(spotdialMessage.calls()), shortcutsSection()]);
    const inProgress = callsSection(callsAnswer);
    if (status.auth === 'signed_out') {
      return draw(notice, el('p', {}, 'Sign in once with your HubSpot account to call from contact records.'), signInButton('Sign in with HubSpot'), inProgress, outboxSection(outbox), shortcuts);
    }
    if (status.auth === 'needs_reconnect') {
      const missing = status.missing_scopes.length ? ` Missing permissions: ${status.missing_scopes.join(', ')}.` : '';
      return draw(notice, el('p', { role: 'alert' }, `Spotdial lost its connection to HubSpot: ${status.reason}${missing}`), signInButton('Reconnect to HubSpot'), healthLine(status.health), inProgress, outboxSection(outbox), shortcuts);
    }
    const p = status.profile || {};
    const portal = p.hub_domain ? `${p.hub_domain} (portal ${p.portal})` : `Portal ${p.portal || 'unknown'}`;
    const user = p.owner_name && p.user_email ? `${p.owner_name} (${p.user_email})` : (p.user_email || p.owner_name || 'Signed in');
    const account = el('p', { class: 'spotdial-account' }, el('span', { 'data-field': 'portal' }, portal), el('br'), el('span', { 'data-field': 'user' }, user));
    const signOut = signOutButton(status.unsent_logs || 0);
    const unsent = outboxSection(outbox);
    // The account and "Sign out" sit above the queue, and the queue replaces its placeholder in
    // place: nothing the rep may be about to click moves when the tasks arrive.
    const loading = el('p', { role: 'status' }, 'Loading your call tasks…');
    const shownPause = pauseAlert(status.paused);
    const health = healthLine(status.health);
    draw(notice, shownPause, account, health, signOut, inProgress, loading, unsent, shortcuts);
    const [lists, queue] = await Promise.all([send(spotdialMessage.lists()), send(spotdialMessage.queue())]);
    const paused = queue.kind === 'queue' && queue.paused;
    if (paused && !shownPause) root.insertBefore(pauseAlert(paused), account);
    // Loading the queue may be what reached HubSpot's limit: the health line says so too.
    const limited = paused || (queue.kind === 'error' && queue.error.code === 'hubspot_rate_limited');
    if (limited && health) {
      const fresh = await send(spotdialMessage.status());
      if (fresh.kind === 'status' && fresh.health) health.replaceWith(healthLine(fresh.health));
    }
    loading.replaceWith(await queueSection(lists, queue));
  }

  async function refresh(problem, info) {
    const status = await send(spotdialMessage.status());
    if (status.kind !== 'status') return draw(el('p', { role: 'alert' }, status.error ? status.error.message : 'Spotdial is not ready.'));
    return renderStatus(status, problem, info);
  }

  refresh();
})();
