// Spotdial options page. Layer: shell; settings are read and validated by the worker.
'use strict';
(async () => {
  const status = document.getElementById('status');
  try {
    const answer = await chrome.runtime.sendMessage(spotdialMessage.ping());
    status.textContent = answer && answer.kind === 'pong' ? `Spotdial ${answer.version}` : '';
  } catch (_) {
    status.textContent = 'Spotdial could not reach its background worker.';
  }
})();
