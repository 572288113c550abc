// Options page, "Connection and dialing": every setting in force with where it came from; the
// ones a rep may change as labelled inputs with "Save settings"; admin-set ones read-only; the
// problems with admin policy in an alert for the admin. Layer: shell: the worker resolves,
// checks and stores the settings; this file only shows its answers and sends the form.
'use strict';
globalThis.spotdialOptionsSettings = (() => {
  const { el } = spotdialDom;

  // Readable names for the worker's setting keys (policy names); unknown keys show as themselves.
  const LABELS = {
    brokerUrl: 'Token broker URL',
    clientId: 'HubSpot app client id',
    portalId: 'HubSpot portal id',
    authMode: 'Sign-in mode',
    clientSecret: 'Client secret',
    dialScheme: 'Dial with',
    dialTemplate: 'Dial URL template',
    sipDomain: 'SIP domain',
    fromNumber: 'Calls made from',
    defaultCountry: 'Default country',
    callingHoursStart: 'Calling hours start',
    callingHoursEnd: 'Calling hours end',
    retentionDays: 'Call history kept (days)',
    phoneProperties: 'Extra phone properties',
    mappedProperties: 'Extra fields on the card',
    queueHorizonDays: 'Queue reaches ahead (days)',
    queueListId: 'Queue list id',
  };
  const HINTS = {
    defaultCountry: 'Two-letter code such as US, GB or DE, for numbers written without a country code.',
    queueListId: 'A HubSpot list id; empty for your call tasks.',
    brokerUrl: 'Only if your company runs its own token broker.',
  };
  // The phone URI schemes a rep may pick; the worker checks the choice again.
  const SCHEMES = [['tel', 'tel: (phone app)'], ['callto', 'callto:'], ['sip', 'sip: (softphone)']];

  const label = (key) => LABELS[key] || key;
  const inputId = (key) => `setting-${key}`;

  function shown(value) {
    if (value === null || value === undefined || value === '') return 'not set';
    if (Array.isArray(value)) return value.length ? value.join(', ') : 'none';
    return String(value);
  }

  function problemsAlert(problems) {
    if (!problems.length) return null;
    return el('div', { role: 'alert', class: 'spotdial-problems', 'aria-labelledby': 'settings-problems-heading' },
      el('h3', { id: 'settings-problems-heading' }, 'Settings Spotdial ignored (for your admin)'),
      el('ul', {}, problems.map((p) => el('li', {}, p))));
  }

  /** The control for a setting the rep may change. Empty means "no choice of mine". */
  function editor(setting) {
    const own = setting.source === 'rep' ? setting.value : null;
    const describedBy = HINTS[setting.key] ? `${inputId(setting.key)}-hint` : null;
    if (setting.key === 'dialScheme') {
      const current = own === null ? '' : String(own);
      const choices = SCHEMES.some(([v]) => v === current) || !current ? SCHEMES : [...SCHEMES, [current, current]];
      return el('select', { id: inputId(setting.key), name: setting.key, 'aria-describedby': describedBy },
        el('option', { value: '', selected: !current }, `Default (${shown(setting.source === 'rep' ? null : setting.value)})`),
        choices.map(([v, text]) => el('option', { value: v, selected: v === current }, text)));
    }
    return el('input', {
      type: 'text', id: inputId(setting.key), name: setting.key, value: own === null ? '' : String(own),
      placeholder: setting.source === 'default' && setting.value !== null ? `default: ${shown(setting.value)}` : null,
      autocomplete: 'off', spellcheck: 'false', 'aria-describedby': describedBy,
    });
  }

  function row(setting) {
    const source = el('td', {}, setting.source);
    if (setting.rep_can_change) {
      return el('tr', { 'data-key': setting.key },
        el('th', { scope: 'row' }, el('label', { for: inputId(setting.key) }, label(setting.key))),
        el('td', {}, editor(setting), HINTS[setting.key] ? el('div', { id: `${inputId(setting.key)}-hint`, class: 'spotdial-muted' }, HINTS[setting.key]) : null),
        source);
    }
    const note = setting.source === 'admin' ? el('div', { class: 'spotdial-muted' }, 'set by your admin') : null;
    return el('tr', { 'data-key': setting.key },
      el('th', { scope: 'row' }, label(setting.key)),
      el('td', {}, shown(setting.value), note),
      source);
  }

  /** The values the form holds: the rep's whole settings object (empty → null). */
  function formValues(form, settings) {
    const values = {};
    for (const setting of settings.filter((s) => s.rep_can_change)) {
      const control = form.elements.namedItem(setting.key);
      const value = control ? control.value.trim() : '';
      values[setting.key] = value === '' ? null : value;
    }
    return values;
  }

  function render(section, answer, notice) {
    const heading = section.querySelector('h2');
    if (answer.kind !== 'settings') {
      return section.replaceChildren(heading, el('p', { role: 'alert' }, answer.error ? answer.error.message : 'Spotdial could not read its settings.'));
    }
    const { settings, problems } = answer;
    const status = el('p', { role: 'status' }, notice || '');
    const refusal = el('div', { role: 'alert' });
    const form = el('form', { novalidate: true },
      el('table', {},
        el('caption', {}, 'Settings in force'),
        el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Setting'), el('th', { scope: 'col' }, 'Value'), el('th', { scope: 'col' }, 'Source'))),
        el('tbody', {}, settings.map(row))),
      settings.some((s) => s.rep_can_change) ? el('button', { type: 'submit' }, 'Save settings') : null);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      refusal.replaceChildren();
      status.textContent = 'Saving…';
      const saved = await spotdialMessage.send(spotdialMessage.saveSettings(formValues(form, settings)));
      if (saved.kind === 'settings') {
        render(section, saved, 'Settings saved.');
        section.querySelector('button[type="submit"]')?.focus();
        return;
      }
      // Refused: nothing was stored; the rep's typing stays so it can be corrected.
      status.textContent = '';
      refusal.replaceChildren(el('p', {}, saved.error ? saved.error.message : 'Spotdial could not save your settings.'));
    });
    const parts = [heading,
      el('p', { class: 'spotdial-muted' }, 'Settings your admin set apply and cannot be changed here. Leave a field empty to use the default.'),
      problemsAlert(problems), form, refusal, status];
    section.replaceChildren(...parts.filter(Boolean));
  }

  let watching = false;

  return Object.freeze({
    async show(section) {
      render(section, await spotdialMessage.send(spotdialMessage.settings()));
      // An admin's policy can arrive after the page opened (a force-installed Spotdial gets
      // its managed storage seconds after it starts): the worker then writes its copy of the
      // policy, and the page shows the admin's values without being reopened.
      if (watching) return;
      watching = true;
      chrome.storage.onChanged.addListener(async (changes, area) => {
        if (area !== 'local' || !changes['policy:v1']) return;
        render(section, await spotdialMessage.send(spotdialMessage.settings()));
      });
    },
  });
})();
