// Launches Debian's Chromium with the unpacked extension (or none, for one that policy
// force-installs), HubSpot's host names mapped to the sandbox and only the sandbox's
// certificate trusted. Layer: test tooling (playwright-core, no browser download). Used by
// the end-to-end tests, the demo and the benchmarks.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { EXTENSION_DIR, EXTENSION_ID } from './stack.mjs';

export const HUBSPOT_HOSTS = ['app.hubspot.com', 'app-eu1.hubspot.com', 'api.hubapi.com', 'api-eu1.hubapi.com'];

/**
 * `forceInstalledId`: start Chromium with no --load-extension and wait for that extension to
 * arrive the way a managed Chrome gets it (ExtensionInstallForcelist and an update server).
 * Playwright's default --disable-background-networking, --disable-component-update and
 * --disable-extensions are then left out: with any of them Chromium never asks the update server.
 * The policy must also set DeveloperToolsAvailability to 1: by default Chrome keeps DevTools,
 * and so Playwright, out of policy-installed extensions (their worker and pages stay invisible).
 */
export async function launchBrowser(stack, { headless = true, extensionDir = EXTENSION_DIR, forceInstalledId = null, workerTimeout = 20000, profile: reuse = null } = {}) {
  // `profile`: relaunch on a profile a closed browser left (`close({ keepProfile: true })`), as
  // when a rep quits Chrome and starts it again; by default each launch gets a fresh one.
  const profile = reuse || mkdtempSync(path.join(os.tmpdir(), 'spotdial-profile-'));
  // A dial hands tel:/callto:/sip: to the operating system, which Chrome confirms with a
  // dialog that headless has no one to answer (it then swallows the page's mouse input).
  // This test machine has no phone app: tell Chrome not to launch those schemes at all.
  // (A reused profile already has them, among Chrome's own preferences: left as they are.)
  if (!reuse) {
    mkdirSync(path.join(profile, 'Default'), { recursive: true });
    const schemes = { tel: true, callto: true, sip: true };
    writeFileSync(path.join(profile, 'Default', 'Preferences'), JSON.stringify({
      protocol_handler: {
        excluded_schemes: schemes,
        allowed_origin_protocol_pairs: { 'https://app.hubspot.com': schemes, 'https://app-eu1.hubspot.com': schemes },
      },
    }));
  }
  const rules = HUBSPOT_HOSTS.map((h) => `MAP ${h} 127.0.0.1:${stack.sandbox.port}`).join(', ');
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless,
    args: [
      ...(forceInstalledId ? [] : [
        `--disable-extensions-except=${extensionDir}`,
        `--load-extension=${extensionDir}`,
        '--disable-background-networking', '--disable-component-update',
      ]),
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-sync',
      `--host-resolver-rules=${rules}`,
      // Trust exactly the sandbox's leaf certificate; the extension's own fetches need this
      // flag (Playwright's ignoreHTTPSErrors covers pages only, TOOLCHAIN.md §4).
      `--ignore-certificate-errors-spki-list=${stack.certs.spki}`,
    ],
    ignoreDefaultArgs: forceInstalledId
      ? ['--disable-extensions', '--disable-background-networking', '--disable-component-update']
      : ['--disable-extensions'],
    viewport: { width: 1280, height: 800 },
  });
  let worker;
  try {
    worker = forceInstalledId ? await forceInstalledWorker(context, forceInstalledId, workerTimeout) : await loadedWorker(context, workerTimeout);
    await worker.evaluate(() => self.__spotdial.ready);
  } catch (error) {
    // A browser left running would keep the test process (and its policy) alive.
    await context.close().catch(() => {});
    if (!reuse) rmSync(profile, { recursive: true, force: true });
    throw error;
  }
  const extensionId = new URL(worker.url()).host;
  return {
    context,
    extensionId,
    /** The current service worker (a stopped worker is replaced by a new one). */
    async worker() {
      const live = context.serviceWorkers().find((w) => w.url().includes(extensionId));
      return live || context.waitForEvent('serviceworker', { timeout: 20000 });
    },
    extensionUrl: (file) => `chrome-extension://${extensionId}/${file}`,
    profile,
    /** Closes the browser; `keepProfile` leaves its profile for a relaunch (then the caller removes it). */
    async close({ keepProfile = false } = {}) {
      await context.close();
      if (!keepProfile) rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** The unpacked extension's worker, there at once; a wrong id (a changed manifest "key") fails at once. */
async function loadedWorker(context, timeout) {
  let [worker] = context.serviceWorkers();
  if (!worker) worker = await context.waitForEvent('serviceworker', { timeout });
  const id = new URL(worker.url()).host;
  if (id !== EXTENSION_ID) throw new Error(`extension id ${id}, expected ${EXTENSION_ID}`);
  return worker;
}

/**
 * A policy-installed extension arrives after launch, and its first worker may start (and stop
 * when idle) before Playwright watches for it. So: until the extension's own page loads (it
 * does once installed), try again; then send it a message, which starts the worker if stopped.
 */
async function forceInstalledWorker(context, id, timeout) {
  const ours = (w) => new URL(w.url()).host === id;
  const deadline = Date.now() + timeout;
  const probe = await context.newPage();
  try {
    for (;;) {
      const live = context.serviceWorkers().find(ours);
      if (live) return live;
      if (Date.now() > deadline) throw new Error(`extension ${id} did not install and start within ${timeout} ms: check the policy file and the update server`);
      const started = context.waitForEvent('serviceworker', { predicate: ours, timeout: 2000 }).catch(() => null);
      const installed = await probe.goto(`chrome-extension://${id}/manifest.json`).then(() => true, () => false);
      if (installed) await probe.evaluate(() => chrome.runtime.sendMessage({ kind: 'settings' })).catch(() => null);
      else await new Promise((r) => setTimeout(r, 250));
      const worker = await started;
      if (worker) return worker;
    }
  } finally {
    await probe.close().catch(() => {});
  }
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

/**
 * Waits until a page the extension opened (a task's record, the consent window) has navigated
 * and parsed its document. Not Playwright's `waitForLoadState`: a tab can have loaded before
 * Playwright attached to it, and on a busy machine that wait then never ended (seen: 30 s with
 * the page shown). This asks the page itself.
 */
export async function navigated(page, { timeout = 15000 } = {}) {
  await page.waitForFunction(() => location.href !== 'about:blank' && document.readyState !== 'loading', null, { timeout });
}
