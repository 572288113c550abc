// Options page, "Data": every storage key Spotdial uses (the worker's inventory: what it holds,
// how long, whether it holds prospect data and goes at sign-out), how long call history is
// kept, and the rep's own call history. Layer: shell; it only shows the worker's answers.
'use strict';
globalThis.spotdialOptionsData = (() => {
  const { el } = spotdialDom;
  const AREAS = { local: 'this computer', session: 'this browser session', managed: 'admin policy' };
  const yesNo = (b) => (b ? 'yes' : 'no');
  const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

  function head(...names) {
    return el('thead', {}, el('tr', {}, names.map((n) => el('th', { scope: 'col' }, n))));
  }

  function inventoryTable(keys) {
    return el('table', {},
      el('caption', {}, 'What Spotdial stores'),
      head('Key', 'Kept in', 'What it holds', 'How long', 'Prospect data', 'Removed at sign-out'),
      el('tbody', {}, keys.map((k) => el('tr', {},
        el('th', { scope: 'row' }, el('code', {}, k.pattern)),
        el('td', {}, AREAS[k.area] || k.area),
        el('td', {}, k.holds),
        el('td', {}, k.kept),
        el('td', {}, yesNo(k.contact_data)),
        el('td', {}, yesNo(k.cleared_on_sign_out))))));
  }

  function duration(ms) {
    const s = Math.round((ms || 0) / 1000);
    return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  }

  function historyTable(answer) {
    const columns = ['When', 'Prospect', 'Number', 'Duration', 'Outcome'];
    let rows;
    if (answer.kind !== 'history') {
      rows = [el('tr', {}, el('td', { colspan: columns.length, role: 'alert' }, answer.error ? answer.error.message : 'Spotdial could not read your call history.'))];
    } else if (!answer.calls.length) {
      rows = [el('tr', {}, el('td', { colspan: columns.length }, 'No calls logged from this computer yet.'))];
    } else {
      rows = answer.calls.map((c) => el('tr', {},
        el('td', {}, dateFormat.format(new Date(c.started_at_ms))),
        el('th', { scope: 'row' }, c.contact_name || `Contact ${c.contact}`),
        el('td', {}, c.number),
        el('td', {}, duration(c.duration_ms)),
        el('td', {}, c.outcome_label || 'no outcome')));
    }
    return el('table', {}, el('caption', {}, 'Your call history'), head(...columns), el('tbody', {}, rows));
  }

  return Object.freeze({
    async show(section) {
      const [inventory, history] = await Promise.all([
        spotdialMessage.send(spotdialMessage.inventory()),
        spotdialMessage.send(spotdialMessage.history()),
      ]);
      const heading = section.querySelector('h2');
      const parts = [heading];
      if (inventory.kind === 'inventory') {
        parts.push(
          el('p', {}, 'Spotdial keeps only what dialing needs, in this browser. Both storage areas are closed to web pages.'),
          inventoryTable(inventory.keys),
          el('p', {}, `Call history is deleted ${inventory.retention_days} ${inventory.retention_days === 1 ? 'day' : 'days'} after the call.`));
      } else {
        parts.push(el('p', { role: 'alert' }, inventory.error ? inventory.error.message : 'Spotdial could not list what it stores.'));
      }
      parts.push(historyTable(history));
      section.replaceChildren(...parts);
    },
  });
})();
