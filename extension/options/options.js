// Spotdial options page entry: checks the worker answers, then draws the three sections
// (settings.js, data.js, prospects.js). Layer: shell; settings are read and validated by the worker.
'use strict';
(async () => {
  const status = document.getElementById('status');
  const answer = await spotdialMessage.send(spotdialMessage.ping());
  if (answer.kind !== 'pong') {
    status.textContent = answer.error ? answer.error.message : 'Spotdial could not reach its background worker.';
    return;
  }
  status.textContent = `Spotdial ${answer.version}`;
  await Promise.all([
    spotdialOptionsSettings.show(document.getElementById('settings')),
    spotdialOptionsData.show(document.getElementById('data')),
    spotdialOptionsProspects.show(document.getElementById('prospects'), () => spotdialOptionsData.show(document.getElementById('data'))),
  ]);
})();
