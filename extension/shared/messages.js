// The one factory for messages to the Spotdial service worker, shared by the content script,
// the popup and the options page (a classic script: content scripts cannot import modules).
// Layer: shell. The worker's Rust `Request` enum is the authority on these shapes.
'use strict';
globalThis.spotdialMessage = Object.freeze({
  ping: () => ({ kind: 'ping' }),
  card: (url) => ({ kind: 'card', url: String(url) }),
  status: () => ({ kind: 'status' }),
  signIn: () => ({ kind: 'sign_in' }),
  signOut: () => ({ kind: 'sign_out' }),
  queue: (refresh = false) => ({ kind: 'queue', refresh: Boolean(refresh) }),
  lists: () => ({ kind: 'lists' }),
  setQueueList: (list) => ({ kind: 'set_queue_list', list: list ? String(list) : null }),
  dial: (contact, number) => ({ kind: 'dial', contact: String(contact), number: String(number) }),
  logCall: (call, outcome, notes, completeTask) => ({
    kind: 'log_call', call: String(call), outcome: outcome ? String(outcome) : null, notes: String(notes || ''),
    complete_task: completeTask ? String(completeTask) : null,
  }),
  /** What the rep typed so far in a call in progress (saved by the worker, no HubSpot request). */
  callDraft: (call, outcome, notes) => ({
    kind: 'call_draft', call: String(call), outcome: outcome ? String(outcome) : null, notes: String(notes || ''),
  }),
  discardCall: (call) => ({ kind: 'discard_call', call: String(call) }),
  calls: () => ({ kind: 'calls' }),
  forgetContact: (contact) => ({ kind: 'forget_contact', contact: String(contact) }),
  outbox: () => ({ kind: 'outbox' }),
  retryLog: (id) => ({ kind: 'retry_log', id: String(id) }),
  deleteLog: (id) => ({ kind: 'delete_log', id: String(id) }),
  settings: () => ({ kind: 'settings' }),
  /** The rep's whole settings object: saving replaces what was stored (null clears a choice). */
  saveSettings: (values) => ({ kind: 'save_settings', values: Object.assign({}, values) }),
  inventory: () => ({ kind: 'inventory' }),
  findContacts: (query) => ({ kind: 'find_contacts', query: String(query || '') }),
  history: () => ({ kind: 'history' }),
  /** Sends a message; a worker that cannot be reached becomes an error answer, never a throw. */
  async send(message) {
    try {
      const answer = await chrome.runtime.sendMessage(message);
      return answer || { kind: 'error', error: { code: 'no_answer', message: 'Spotdial did not answer.', retryable: true } };
    } catch (_) {
      return { kind: 'error', error: { code: 'worker_unreachable', message: 'Spotdial could not reach its background worker.', retryable: true } };
    }
  },
});
