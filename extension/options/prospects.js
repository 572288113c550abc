// Options page, "Delete prospect data": the rep searches the prospects Spotdial keeps data
// about (by name, company or number), confirms in the page, and the worker deletes everything
// it holds about that one contact. Layer: shell; the search and the deletion are the worker's,
// HubSpot's own record is never touched.
'use strict';
globalThis.spotdialOptionsProspects = (() => {
  const { el } = spotdialDom;

  const nameOf = (contact) => contact.name || `contact ${contact.id}`;

  function build(section, afterDelete) {
    const heading = section.querySelector('h2');
    const status = el('p', { role: 'status' });
    const results = el('div', {});
    const query = el('input', { type: 'search', id: 'prospect-query', name: 'query', autocomplete: 'off', 'aria-describedby': 'prospect-query-hint' });
    const form = el('form', { role: 'search', 'aria-label': 'Prospects Spotdial keeps data about' },
      el('label', { for: 'prospect-query' }, 'Find a prospect'), query, el('button', { type: 'submit' }, 'Search'));
    let lastQuery = '';

    async function search(text, { keepStatus = false } = {}) {
      lastQuery = text;
      if (!keepStatus) status.textContent = 'Searching…';
      const answer = await spotdialMessage.send(spotdialMessage.findContacts(text));
      if (answer.kind !== 'found') {
        results.replaceChildren(el('p', { role: 'alert' }, answer.error ? answer.error.message : 'Spotdial could not search its data.'));
        if (!keepStatus) status.textContent = '';
        return;
      }
      if (!answer.contacts.length) {
        results.replaceChildren(el('p', {}, `Spotdial keeps no data about a prospect matching “${text}”.`));
      } else {
        results.replaceChildren(el('ul', { class: 'spotdial-prospects', 'aria-label': 'Prospects found' }, answer.contacts.map(item)));
      }
      if (!keepStatus) status.textContent = answer.contacts.length === 1 ? '1 prospect found.' : `${answer.contacts.length} prospects found.`;
    }

    function item(contact) {
      const li = el('li', {});
      const details = [contact.company, ...(contact.numbers || [])].filter(Boolean).join(' · ');
      const summary = [el('strong', {}, nameOf(contact)), details ? el('div', { class: 'spotdial-muted' }, details) : null];
      const ask = el('button', { type: 'button', 'aria-label': `Delete prospect data for ${nameOf(contact)}` }, 'Delete prospect data');
      const showButton = () => { li.replaceChildren(...summary, ask); };
      ask.addEventListener('click', () => {
        const cancel = el('button', { type: 'button', class: 'spotdial-secondary' }, 'Cancel');
        const remove = el('button', { type: 'button' }, 'Delete');
        const question = el('p', { id: `confirm-${contact.id}` },
          `Delete everything Spotdial keeps about ${nameOf(contact)} on this computer (cached details, queue entries and call history)? `
          + 'The contact\'s own record in HubSpot is not touched.');
        cancel.addEventListener('click', () => { showButton(); ask.focus(); });
        remove.addEventListener('click', async () => {
          remove.disabled = true;
          cancel.disabled = true;
          const answer = await spotdialMessage.send(spotdialMessage.forgetContact(contact.id));
          if (answer.kind === 'forgotten') {
            status.textContent = answer.message;
            await search(lastQuery, { keepStatus: true });
            query.focus();
            afterDelete();
          } else {
            status.textContent = '';
            showButton();
            li.append(el('p', { role: 'alert' }, answer.error ? answer.error.message : 'Spotdial could not delete this data.'));
            ask.focus();
          }
        });
        const group = el('div', { class: 'spotdial-confirm', role: 'group', 'aria-labelledby': question.id }, question, remove, ' ', cancel);
        group.addEventListener('keydown', (event) => { if (event.key === 'Escape' && !cancel.disabled) cancel.click(); });
        li.replaceChildren(...summary, group);
        remove.focus();
      });
      showButton();
      return li;
    }

    form.addEventListener('submit', (event) => {
      event.preventDefault();
      search(query.value.trim());
    });
    section.replaceChildren(heading,
      el('p', {}, 'Remove everything Spotdial keeps on this computer about one prospect. HubSpot\'s own record is not touched.'),
      form,
      el('p', { id: 'prospect-query-hint', class: 'spotdial-muted' }, 'Search by name, company or phone number.'),
      results, status);
  }

  return Object.freeze({
    async show(section, afterDelete = () => {}) {
      build(section, afterDelete);
    },
  });
})();
