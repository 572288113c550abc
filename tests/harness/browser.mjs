// Launches Debian's Chromium with the unpacked extension, HubSpot's host names mapped to the
// sandbox and only the sandbox's certificate trusted. Layer: test tooling (playwright-core,
// no browser download). Used by the end-to-end tests, the demo and the benchmarks.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { EXTENSION_DIR, EXTENSION_ID } from './stack.mjs';

export const HUBSPOT_HOSTS = ['app.hubspot.com', 'app-eu1.hubspot.com', 'api.hubapi.com', 'api-eu1.hubapi.com'];

export async function launchBrowser(stack, { headless = true, extensionDir = EXTENSION_DIR } = {}) {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'spotdial-profile-'));
  // A dial hands tel:/callto:/sip: to the operating system, which Chrome confirms with a
  // dialog that headless has no one to answer (it then swallows the page's mouse input).
  // This test machine has no phone app: tell Chrome not to launch those schemes at all.
  mkdirSync(path.join(profile, 'Default'), { recursive: true });
  const schemes = { tel: true, callto: true, sip: true };
  writeFileSync(path.join(profile, 'Default', 'Preferences'), JSON.stringify({
    protocol_handler: {
      excluded_schemes: schemes,
      allowed_origin_protocol_pairs: { 'https://app.hubspot.com': schemes, 'https://app-eu1.hubspot.com': schemes },
    },
  }));
  const rules = HUBSPOT_HOSTS.map((h) => `MAP ${h} 127.0.0.1:${stack.sandbox.port}`).join(', ');
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless,
    args: [
      `--disable-extensions-except=${extensionDir}`,
      `--load-extension=${extensionDir}`,
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      `--host-resolver-rules=${rules}`,
      // Trust exactly the sandbox's leaf certificate; the extension's own fetches need this
      // flag (Playwright's ignoreHTTPSErrors covers pages only, TOOLCHAIN.md §4).
      `--ignore-certificate-errors-spki-list=${stack.certs.spki}`,
    ],
    ignoreDefaultArgs: ['--disable-extensions'],
    viewport: { width: 1280, height: 800 },
  });
  let [worker] = context.serviceWorkers();
  if (!worker) worker = await context.waitForEvent('serviceworker', { timeout: 20000 });
  const extensionId = new URL(worker.url()).host;
  if (extensionId !== EXTENSION_ID) throw new Error(`extension id ${extensionId}, expected ${EXTENSION_ID}`);
  await worker.evaluate(() => self.__spotdial.ready);
  return {
    context,
    extensionId,
    /** The current service worker (a stopped worker is replaced by a new one). */
    async worker() {
      const live = context.serviceWorkers().find((w) => w.url().includes(extensionId));
      return live || context.waitForEvent('serviceworker', { timeout: 20000 });
    },
    extensionUrl: (file) => `chrome-extension://${extensionId}/${file}`,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Points the extension at the test broker through the rep's own settings (the path a rep
 * without a managed browser uses; admin policy is tested on its own).
 */
export async function configure(browser, stack, extra = {}) {
  const worker = await browser.worker();
  const settings = { brokerUrl: stack.broker.url, clientId: 'spotdial-sandbox-client', ...extra };
  await worker.evaluate((s) => chrome.storage.local.set({ 'settings:v1': s }), settings);
  // The worker rebuilds itself on the change; wait until it answers again.
  await worker.evaluate(() => self.__spotdial.ready);
  await new Promise((r) => setTimeout(r, 200));
}

/** Opens an extension page (popup, options) in a tab, as a rep would see it. */
export async function openExtensionPage(browser, file) {
  const page = await browser.context.newPage();
  await page.goto(browser.extensionUrl(file));
  return page;
}
