// Spotdial popup: asks the worker for its state and draws it. Layer: shell; every decision is
// the worker's, this file only renders what it is told and forwards clicks.
'use strict';
(() => {
  const { el } = spotdialDom;
  const root = document.getElementById('app');

  function draw(...children) {
    root.replaceChildren(el('h1', {}, 'Spotdial'), ...children);
    root.setAttribute('aria-busy', 'false');
  }

  function alertFor(answer) {
    return el('p', { role: 'alert' }, answer.error.message);
  }

  async function act(message, busyText) {
    draw(el('p', { role: 'status' }, busyText));
    const answer = await spotdialMessage.send(message);
    render(answer);
  }

  const signInButton = (label) => el('button', { type: 'button', onclick: () => act(spotdialMessage.signIn(), 'Waiting for HubSpot…') }, label);

  function renderStatus(status) {
    if (status.auth === 'signed_out') {
      return draw(el('p', {}, 'Sign in once with your HubSpot account to call from contact records.'), signInButton('Sign in with HubSpot'));
    }
    if (status.auth === 'needs_reconnect') {
      const missing = status.missing_scopes.length ? ` Missing permissions: ${status.missing_scopes.join(', ')}.` : '';
      return draw(el('p', { role: 'alert' }, `Spotdial lost its connection to HubSpot: ${status.reason}${missing}`), signInButton('Reconnect to HubSpot'));
    }
    const p = status.profile || {};
    const portal = p.hub_domain ? `${p.hub_domain} (portal ${p.portal})` : `Portal ${p.portal || 'unknown'}`;
    const user = p.owner_name && p.user_email ? `${p.owner_name} (${p.user_email})` : (p.user_email || p.owner_name || 'Signed in');
    draw(
      el('p', { class: 'spotdial-account' }, el('span', { 'data-field': 'portal' }, portal), el('br'), el('span', { 'data-field': 'user' }, user)),
      el('button', { type: 'button', class: 'spotdial-secondary', onclick: () => act(spotdialMessage.signOut(), 'Signing out…') }, 'Sign out'),
    );
  }

  function render(answer) {
    if (answer.kind === 'status') return renderStatus(answer);
    if (answer.kind === 'error') {
      return spotdialMessage.send(spotdialMessage.status()).then((s) => {
        if (s.kind === 'status') renderStatus(s);
        root.insertBefore(alertFor(answer), root.children[1] || null);
      });
    }
    draw(el('p', { role: 'alert' }, 'Spotdial got an answer it does not understand.'));
  }

  spotdialMessage.send(spotdialMessage.status()).then(render);
})();
