// `./build.sh demo`: runs the HubSpot sandbox and the broker, opens Chromium with Spotdial and
// walks a rep's flow. With no display it runs headless, writes a screenshot per step to
// dist/demo/ and stops; with a display it stays open until the browser is closed.
// Layer: tooling.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { launchBrowser } from '../tests/harness/browser.mjs';
import { ROOT, startStack } from '../tests/harness/stack.mjs';
import { find } from '../tests/harness/a11y.mjs';
import { DEMO } from '../tests/harness/seeded.mjs';

const headless = !process.env.DISPLAY;
const outDir = path.join(ROOT, 'dist/demo');
mkdirSync(outDir, { recursive: true });

const stack = await startStack({ seed: 'demo' });
const browser = await launchBrowser(stack, { headless });
const shots = [];
async function shot(page, name) {
  const file = path.join(outDir, `${String(shots.length + 1).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file });
  shots.push(file);
}

try {
  const page = await browser.context.newPage();
  await page.goto(DEMO.contactUrl(DEMO.contacts.first));
  await find(page, 'region', 'Spotdial');
  await shot(page, 'contact-record');
  if (headless) {
    console.log('Demo screenshots:');
    for (const file of shots) console.log(`  ${path.relative(ROOT, file)}`);
  } else {
    console.log('Spotdial is open in Chromium against the sandbox. Close the browser to stop.');
    await new Promise((resolve) => browser.context.on('close', resolve));
  }
} finally {
  await browser.close().catch(() => {});
  await stack.close();
}
