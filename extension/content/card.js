// Renders the Spotdial card in a closed shadow root, from the worker's answers only: the
// contact, a "Call …" button per dialable number, then the call panel (timer, outcome, notes,
// complete task, log) and the result. Layer: shell (content script). HubSpot text is always
// inserted as text (spotdialDom.el makes text nodes), never as HTML.
'use strict';
globalThis.spotdialCard = (() => {
  const { el } = spotdialDom;
  const HOST_ID = 'spotdial-root';
  let host = null;
  let shadow = null;
  let view = null; // the last card answer
  let call = null; // the call in progress: { answer, number, timer }

  // WCAG AA (1.4.3, 1.4.11): text at least 4.5:1 on its background, control boundaries and the
  // focus ring at least 3:1 on white. HubSpot's own #ff7a59 under white text is 2.6:1, so the
  // primary button uses a darker orange of the same hue (white on #c4401f: 5.1:1).
  const STYLE = `
    :host { all: initial; display: block; font: 14px/1.4 system-ui, sans-serif; color: #213343; }
    :host(.spotdial-floating) { position: fixed; right: 16px; bottom: 16px; z-index: 2147483000; width: 320px;
      box-shadow: 0 4px 16px rgba(0,0,0,.2); }
    section { border: 1px solid #cbd6e2; border-radius: 6px; background: #fff; padding: 12px; margin: 8px 0; }
    h2 { font-size: 15px; margin: 0 0 2px; }
    p { margin: 4px 0; }
    ul { list-style: none; padding: 0; margin: 8px 0; }
    li { margin: 4px 0; }
    button { font: inherit; padding: 5px 10px; border-radius: 4px; border: 1px solid #7691ad; background: #fff; color: #213343; cursor: pointer; }
    button.spotdial-primary { background: #c4401f; border-color: #c4401f; color: #fff; }
    button:focus-visible, select:focus-visible, textarea:focus-visible, input:focus-visible, a:focus-visible { outline: 2px solid #0091ae; outline-offset: 2px; }
    label { display: block; margin: 6px 0 2px; font-size: 12px; color: #516f90; }
    select, textarea { font: inherit; width: 100%; box-sizing: border-box; color: #213343; background: #fff; border: 1px solid #7691ad; border-radius: 4px; }
    textarea { min-height: 56px; }
    a { color: #006a7d; }
    .spotdial-muted { color: #516f90; font-size: 12px; }
    .spotdial-warning { color: #8a5300; font-size: 12px; }
    [role="alert"] { color: #b3261e; }
    [role="timer"] { font-variant-numeric: tabular-nums; font-weight: 600; }
  `;

  function mount() {
    if (!host) {
      host = el('div', { id: HOST_ID });
      shadow = host.attachShadow({ mode: 'closed' });
    }
    spotdialMount.attach(host); // where it goes, and putting it back after HubSpot re-renders
  }

  function unmount() {
    stopTimer();
    call = null;
    view = null;
    spotdialMount.detach();
  }

  function paint(...children) {
    mount();
    const region = el('section', { role: 'region', 'aria-label': 'Spotdial' }, ...children);
    shadow.replaceChildren(el('style', {}, STYLE), region);
    return region;
  }

  const alert = (message) => el('p', { role: 'alert' }, message);

  function stopTimer() {
    if (call && call.timer) clearInterval(call.timer);
  }

  function header(card) {
    const sub = [card.title, card.company].filter(Boolean).join(' · ');
    return [
      el('h2', {}, card.name),
      sub ? el('p', { class: 'spotdial-muted' }, sub) : null,
      card.local_time ? el('p', { class: card.local_time.outside_hours ? 'spotdial-warning' : 'spotdial-muted' },
        `Local time ${card.local_time.time} (${card.local_time.zone})`,
        card.local_time.warning ? el('br') : null, card.local_time.warning || null) : null,
      ...(card.fields || []).map((f) => el('p', { class: 'spotdial-muted' }, `${f.label}: ${f.value}`)),
    ];
  }

  function numberItem(number) {
    if (number.dialable) {
      return el('li', {}, el('button', { type: 'button', class: 'spotdial-primary', onclick: () => startCall(number) }, `Call ${number.raw}`),
        ' ', el('span', { class: 'spotdial-muted' }, number.label));
    }
    return el('li', {}, el('span', {}, number.raw), ' ', el('span', { class: 'spotdial-muted' }, `${number.label}: cannot dial (${number.problem})`));
  }

  function renderCard(answer, notice) {
    stopTimer();
    call = null;
    view = answer;
    if (!answer.card) {
      return paint(el('h2', {}, 'Spotdial'), alert(answer.problem ? answer.problem.message : 'Spotdial could not load this contact.'));
    }
    const card = answer.card;
    paint(
      ...header(card),
      answer.paused ? alert(answer.paused.message) : null,
      notice || null,
      card.numbers.length ? el('ul', { 'aria-label': 'Phone numbers' }, card.numbers.map(numberItem)) : el('p', {}, 'No phone number on this contact.'),
      forgetButton(),
    );
  }

  function forgetButton() {
    return el('button', { type: 'button', onclick: confirmForget }, 'Delete prospect data');
  }

  function confirmForget() {
    const name = view.card ? view.card.name : 'this contact';
    const cancel = el('button', { type: 'button', 'aria-describedby': 'spotdial-forget-question',
      onclick: () => {
        renderCard(view);
        // Back to the button that asked, as a dialog returns focus to what opened it.
        const again = [...shadow.querySelectorAll('button')].find((b) => b.textContent === 'Delete prospect data');
        if (again) again.focus();
      } }, 'Cancel');
    paint(
      el('h2', {}, 'Delete prospect data'),
      el('p', { id: 'spotdial-forget-question' }, `Delete everything Spotdial holds about ${name} on this computer (cached details, call history, queue entries)? HubSpot's own record is not touched.`),
      el('button', { type: 'button', class: 'spotdial-primary', onclick: forget }, 'Delete'), ' ',
      cancel,
    );
    // The button that was pressed is gone: focus the safe choice, which reads out the question.
    cancel.focus();
  }

  async function forget() {
    const answer = await spotdialMessage.send(spotdialMessage.forgetContact(view.contact));
    // Focus follows the result, so a keyboard or screen-reader user is not left on a removed
    // button (focus would fall back to the page's body).
    if (answer.kind === 'forgotten') {
      const result = el('p', { role: 'status', tabindex: '-1' }, answer.message);
      paint(el('h2', {}, 'Spotdial'), result);
      result.focus();
    } else {
      const problem = el('p', { role: 'alert', tabindex: '-1' }, answer.error ? answer.error.message : 'Spotdial could not delete this data.');
      renderCard(view, problem);
      problem.focus();
    }
  }

  function clock(ms) {
    const s = Math.max(0, Math.floor(ms / 1000));
    return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
  }

  async function startCall(number) {
    const answer = await spotdialMessage.send(spotdialMessage.dial(view.contact, number.raw));
    if (answer.kind !== 'dialing') return renderCard(view, alert(answer.error ? answer.error.message : 'Spotdial could not start the call.'));
    call = { answer, number };
    // Hand the number to the rep's phone: a web dialer opens in a tab, a phone URI goes to
    // the operating system's handler (the page itself stays).
    host.dataset.lastDial = answer.uri;
    if (/^https:/i.test(answer.uri)) window.open(answer.uri, '_blank', 'noopener');
    else location.assign(answer.uri);
    renderCallPanel();
  }

  function renderCallPanel(problem) {
    const { answer, number } = call;
    const timer = el('span', { role: 'timer', 'aria-label': 'Call duration' }, clock(Date.now() - answer.started_at_ms));
    stopTimer();
    call.timer = setInterval(() => { timer.textContent = clock(Date.now() - answer.started_at_ms); }, 1000);
    const outcome = el('select', { id: 'spotdial-outcome', 'aria-label': 'Outcome' },
      el('option', { value: '' }, 'Choose an outcome…'),
      answer.outcomes.map((o) => el('option', { value: o.id }, o.label)));
    const notes = el('textarea', { id: 'spotdial-notes', 'aria-label': 'Notes', maxlength: '10000' });
    const complete = answer.task ? el('input', { type: 'checkbox', id: 'spotdial-complete', checked: true }) : null;
    const logButton = el('button', { type: 'button', class: 'spotdial-primary' }, 'Log call');
    logButton.addEventListener('click', () => logCall(outcome.value, notes.value, complete && complete.checked ? answer.task.id : null, logButton));
    call.log = () => logButton.click();
    paint(
      ...header(view.card),
      el('p', {}, `Calling ${number.raw} `, timer),
      problem || null,
      el('label', { for: 'spotdial-outcome' }, 'Outcome'), outcome,
      el('label', { for: 'spotdial-notes' }, 'Notes'), notes,
      complete ? el('p', {}, complete, ' ', el('label', { for: 'spotdial-complete', style: 'display:inline' }, 'Complete task'),
        el('span', { class: 'spotdial-muted' }, ` (${answer.task.subject})`)) : null,
      logButton,
    );
  }

  async function logCall(outcomeId, notes, taskId, button) {
    button.disabled = true;
    const answer = await spotdialMessage.send(spotdialMessage.logCall(call.answer.call, outcomeId || null, notes, taskId));
    if (answer.kind !== 'logged') {
      button.disabled = false;
      return renderCallPanel(alert(answer.error ? answer.error.message : 'Spotdial could not log the call.'));
    }
    stopTimer();
    call = null;
    const next = answer.next;
    paint(
      ...header(view.card),
      el('p', { role: 'status' }, answer.message),
      answer.record_url ? el('p', {}, el('a', { href: answer.record_url }, 'Open the contact record')) : null,
      next ? el('button', { type: 'button', class: 'spotdial-primary', onclick: () => { location.assign(next.record_url); } }, 'Next task') : null,
      next ? el('p', { class: 'spotdial-muted' }, `Next: ${next.name}${next.subject ? ` — ${next.subject}` : ''}`) : null,
    );
  }

  /** Keyboard shortcuts (chrome.commands), relayed by the worker. */
  function command(name) {
    if (name === 'dial-first' && view && view.card && !call) {
      const first = view.card.numbers.find((n) => n.dialable);
      if (first) startCall(first);
    } else if (name === 'log-call' && call && call.log) {
      call.log();
    }
  }

  function render(answer) {
    if (!answer || answer.kind === 'not_a_record') return unmount();
    if (answer.kind === 'card') {
      renderCard(answer);
      host.dataset.contact = answer.contact; // which record the card is for, read from the URL
      return;
    }
    view = null;
    return paint(el('h2', {}, 'Spotdial'), alert(answer.kind === 'error' ? answer.error.message : 'Spotdial got an answer it does not understand.'));
  }

  return Object.freeze({ render, unmount, command, reanchor: () => spotdialMount.reanchor() });
})();
