// Spotdial service worker: loads the wasm core once and hands every event to it.
// Layer: shell. Listeners are registered synchronously at top level (MV3 may start the worker
// just to deliver one event); each waits on `ready`. No dynamic import() in a worker.
import init, * as core from './pkg/spotdial.js';

// Start-up marks, ms since the worker's start (read by tools/bench.mjs; timings only).
const marks = { script: performance.now() };
const ready = init({ module_or_path: new URL('./pkg/spotdial_bg.wasm', import.meta.url) })
  .then(() => { marks.instantiated = performance.now(); return core.start(); })
  .then(() => { marks.started = performance.now(); });

// What the worker last told a card (its contact, the URI of its last dial), in memory only:
// tests cannot read the card's closed shadow root, and nothing of it goes on HubSpot's page.
const shown = { card: null, dial: null };

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  ready
    .then(() => core.handle_message(message, sender))
    .catch((error) => ({
      kind: 'error',
      error: { code: 'internal', message: `Spotdial's worker failed: ${error && error.message || error}`, retryable: true },
    }))
    .then((answer) => {
      if (marks.first_answer === undefined) marks.first_answer = performance.now();
      if (answer && sender.tab && answer.kind === 'card') shown.card = answer.contact;
      if (answer && sender.tab && answer.kind === 'dialing') shown.dial = answer.uri;
      sendResponse(answer);
    });
  return true; // the answer is sent asynchronously
});

chrome.alarms.onAlarm.addListener((alarm) => {
  ready.then(() => core.on_alarm(alarm.name));
});

// Keyboard shortcuts act on the card in the active tab: relay them to its content script.
chrome.commands.onCommand.addListener((command, tab) => {
  if (tab && tab.id !== undefined) chrome.tabs.sendMessage(tab.id, { kind: 'command', command }).catch(() => {});
});

chrome.storage.onChanged.addListener((changes, area) => {
  if (area === 'managed') ready.then(() => core.policy_changed());
  else if (area === 'local' && 'settings:v1' in changes) ready.then(() => core.reconfigure());
});

// Test and diagnostics hook: read-only handles, nothing that carries a token.
self.__spotdial = { ready, classify: (url) => ready.then(() => core.classify_page(url)), shown, marks };
