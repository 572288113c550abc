// `./build.sh demo`: runs the HubSpot sandbox and the broker, opens Chromium with Spotdial and
// walks a rep's whole flow: sign in, the call tasks, a contact's card, dial, log, next task,
// options. With no display it runs headless, writes a screenshot per step to dist/demo/ and
// stops; with a display it stays open until the browser is closed (or Ctrl-C).
// Layer: tooling. Controls are found by role and accessible name, as the e2e tests do.
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { configure, launchBrowser, openExtensionPage } from '../tests/harness/browser.mjs';
import { ROOT, startStack } from '../tests/harness/stack.mjs';
import { click, find, gone, queryAll } from '../tests/harness/a11y.mjs';
import { dial, dialButtons, fillCallPanel, logCall, press, waitForText } from '../tests/harness/flows-call.mjs';

const headless = !process.env.DISPLAY;
const outDir = path.join(ROOT, 'dist/demo');
mkdirSync(outDir, { recursive: true });
for (const old of readdirSync(outDir).filter((f) => f.endsWith('.png'))) rmSync(path.join(outDir, old));

const stack = await startStack({ seed: 'demo' });
let browser = null;
let closing = null;
async function shutDown() {
  closing ||= (async () => {
    await browser?.close().catch(() => {});
    await stack.close().catch(() => {});
  })();
  return closing;
}
process.once('SIGINT', () => shutDown().then(() => process.exit(130)));
process.once('SIGTERM', () => shutDown().then(() => process.exit(143)));

const shots = [];
async function shot(page, name, text, { fullPage = false } = {}) {
  const file = path.join(outDir, `${String(shots.length + 1).padStart(2, '0')}-${name}.png`);
  await page.bringToFront().catch(() => {});
  await page.screenshot({ path: file, fullPage });
  shots.push({ file, text });
  console.log(`  ${String(shots.length).padStart(2)}. ${text}`);
}

let failed = null;
try {
  browser = await launchBrowser(stack, { headless });
  await configure(browser, stack);
  console.log(`Spotdial demo against the HubSpot sandbox (${headless ? 'headless' : 'on your display'}):`);

  // 1. The popup, signed out.
  const popup = await openExtensionPage(browser, 'popup/popup.html');
  await popup.setViewportSize({ width: 420, height: 640 });
  await find(popup, 'button', 'Sign in with HubSpot', { timeout: 20000 });
  await shot(popup, 'popup-signed-out', 'Popup, signed out: "Sign in with HubSpot"', { fullPage: true });

  // 2–3. HubSpot's consent window: choose the account, then approve.
  const consentOpened = browser.context.waitForEvent('page', { timeout: 20000 });
  await click(popup, 'button', 'Sign in with HubSpot');
  const consent = await consentOpened;
  await consent.waitForLoadState('domcontentloaded');
  if (/\/oauth\/authorize/.test(consent.url())) {
    await find(consent, 'link', 'Acme Demo (62515)');
    await shot(consent, 'consent-choose-account', 'HubSpot consent: choose the account');
    await click(consent, 'link', 'Acme Demo (62515)');
  }
  await find(consent, 'button', 'Approve');
  await shot(consent, 'consent-approve', 'HubSpot consent: Approve Spotdial\'s access');
  await click(consent, 'button', 'Approve');

  // 4. The popup, signed in, with the rep's call tasks.
  await find(popup, 'button', 'Sign out', { timeout: 20000 });
  const tasks = popup.getByRole('list', { name: 'Call tasks' });
  await tasks.waitFor({ timeout: 20000 });
  await shot(popup, 'popup-call-tasks', 'Popup, signed in: portal, rep and "Call tasks"', { fullPage: true });

  // 5. The first task's contact record, with the Spotdial card.
  const recordOpened = browser.context.waitForEvent('page', { timeout: 20000 });
  await tasks.getByRole('link').first().click();
  const record = await recordOpened;
  await record.waitForLoadState('domcontentloaded');
  await find(record, 'region', 'Spotdial', { timeout: 20000 });
  const numbers = await dialButtons(record);
  await shot(record, 'contact-card', `First task's contact record with the Spotdial card (${numbers.join(', ')})`);

  // 6. "Call …": the number goes to the phone (a tel: URI) and the call panel opens.
  const dialed = await dial(record, numbers[0]);
  await find(record, 'timer', 'Call duration');
  await new Promise((r) => setTimeout(r, 1200)); // let the timer tick once
  const hasTask = (await queryAll(record, 'checkbox', 'Complete task')).length === 1;
  await shot(record, 'call-panel', `After "${dialed}": timer, Outcome, Notes${hasTask ? ', Complete task' : ''}, Log call`);

  // 7. Outcome and notes.
  await fillCallPanel(record, { outcome: 'Connected', notes: 'Spoke with the buyer; sending pricing today.' });
  await shot(record, 'call-filled', 'Outcome "Connected" chosen and notes typed');

  // 8. "Log call": written to HubSpot, the task completed, the next task offered.
  const status = await logCall(record);
  const hasNext = (await queryAll(record, 'button', 'Next task')).length === 1;
  await shot(record, 'call-logged', `After "Log call": "${status}"${hasNext ? ' and "Next task"' : ''}`);

  // 9. The next contact.
  if (hasNext) {
    const before = record.url();
    await press(record, 'button', 'Next task');
    await record.waitForURL((u) => u.href !== before, { timeout: 20000 });
    await find(record, 'region', 'Spotdial', { timeout: 20000 });
    await dialButtons(record).catch(() => []);
    await shot(record, 'next-contact', 'The next task\'s contact, ready to call');
  } else {
    console.log('  (no next task was offered; skipping that step)');
  }

  // 10. The options page.
  const options = await openExtensionPage(browser, 'options/options.html');
  await find(options, 'heading', 'Spotdial options', { timeout: 20000 });
  await gone(options, 'status', 'Loading your settings…', { timeout: 5000 }).catch(() => {});
  await waitForText(options, 'status', /^Spotdial \d/, { timeout: 5000 }).catch(() => {});
  await shot(options, 'options', 'Options: connection and dialing, data kept, delete prospect data', { fullPage: true });

  const calls = (await stack.control('GET', 'calls')).json;
  console.log(`HubSpot sandbox now holds ${calls.length} call${calls.length === 1 ? '' : 's'} logged by the demo.`);
  console.log('Screenshots:');
  for (const { file } of shots) console.log(`  ${path.relative(ROOT, file)}`);
  if (!headless) {
    console.log('Spotdial is open in Chromium against the sandbox. Close the browser (or press Ctrl-C) to stop.');
    await new Promise((resolve) => browser.context.on('close', resolve));
  }
} catch (error) {
  failed = error;
} finally {
  await shutDown();
}
if (failed) {
  console.error(`demo failed: ${failed.stack || failed}`);
  if (shots.length) console.error(`screenshots so far: ${shots.map((s) => path.relative(ROOT, s.file)).join(', ')}`);
  process.exit(1);
}
