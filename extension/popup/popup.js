// Spotdial popup: asks the worker for its state and renders it. Layer: shell; every decision
// is the worker's, this file only draws what it is told.
'use strict';
(async () => {
  const status = document.getElementById('status');
  try {
    const answer = await chrome.runtime.sendMessage(spotdialMessage.ping());
    status.textContent = answer && answer.kind === 'pong' ? `Ready (core ${answer.version})` : 'Spotdial is not ready.';
  } catch (_) {
    status.textContent = 'Spotdial could not reach its background worker.';
  }
})();
