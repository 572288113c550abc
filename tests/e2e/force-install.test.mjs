// End-to-end: Spotdial rolled out the way a managed team gets it. `./build.sh package` output
// (a CRX signed with a key made for this run, update.xml, the Linux policy templates) is served
// from a local update server; Chromium starts with no --load-extension and a policy file naming
// the CRX's id in ExtensionInstallForcelist; Spotdial must install from the server, start its
// worker, show the admin's settings as locked, and let a rep sign in. Layer: tests (e2e), root only.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { idOfKeyPem } from '../../tools/package/crx.mjs';
import { launchBrowser, openExtensionPage } from '../harness/browser.mjs';
import { signIn } from '../harness/flows.mjs';
import { ROOT, startBroker, startStack } from '../harness/stack.mjs';
import { startUpdateServer } from '../harness/update-server.mjs';

const POLICY_DIR = '/etc/chromium/policies/managed';
// Its own name: the policy e2e test writes and removes spotdial-e2e-test.json.
const POLICY_FILE = `${POLICY_DIR}/spotdial-e2e-force-install.json`;
const RUN_DIR = path.join(ROOT, 'tests/.run/force-install');
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (!isRoot) {
  console.log('!!! SKIPPED: the force-install e2e test writes Chromium policy in /etc and needs root; run ./build.sh test as root (CI does).');
}

describe('force-install from a self-hosted update server', { skip: isRoot ? false : 'writing Chromium policy needs root' }, () => {
  let stack;
  let broker;
  let updates;
  let browser;
  let id;
  const times = {};
  let policyWritten = 0;

  before(async () => {
    // A file left by an interrupted run would force-install a stale id into every browser here.
    rmSync(POLICY_FILE, { force: true });
    rmSync(RUN_DIR, { recursive: true, force: true });
    mkdirSync(RUN_DIR, { recursive: true });
    stack = await startStack({ broker: false });

    // A signing key made for this run only: the CRX's id, and so the policy's, come from it.
    const keyFile = path.join(RUN_DIR, 'signing-key.pem');
    execFileSync('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', keyFile], { stdio: 'ignore' });
    chmodSync(keyFile, 0o600);
    id = idOfKeyPem(readFileSync(keyFile));
    broker = await startBroker({ sandboxPort: stack.sandbox.port, certs: stack.certs, extensionIds: [id] });

    // The admin's settings, given to the packager as an admin would (SPOTDIAL_POLICY_VALUES).
    const valuesFile = path.join(RUN_DIR, 'policy-values.json');
    writeFileSync(valuesFile, JSON.stringify({
      brokerUrl: broker.url, clientId: 'spotdial-sandbox-client', portalId: '62515', dialScheme: 'callto', retentionDays: 30,
    }));
    const out = path.join(RUN_DIR, 'package');
    updates = await startUpdateServer(out);
    const started = Date.now();
    execFileSync(process.execPath, [path.join(ROOT, 'tools/package.mjs')], {
      env: { ...process.env, SPOTDIAL_SIGNING_KEY: keyFile, SPOTDIAL_UPDATE_URL: updates.url, SPOTDIAL_PACKAGE_DIR: out, SPOTDIAL_POLICY_VALUES: valuesFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    times.packageMs = Date.now() - started;

    // The policy is what `./build.sh package` wrote for Linux, both files in one.
    const template = (name) => JSON.parse(readFileSync(path.join(out, 'policy', name), 'utf8'));
    const policy = {
      ...template('linux-force-install.json'),
      ...template('linux-managed-storage.json'),
      // Test only: Chrome's default (0) keeps DevTools, and so Playwright, out of extensions
      // installed by policy; its pages and worker would be invisible to the test.
      DeveloperToolsAvailability: 1,
    };
    assert.deepEqual(policy.ExtensionInstallForcelist, [`${id};${updates.url}update.xml`]);
    mkdirSync(POLICY_DIR, { recursive: true });
    writeFileSync(POLICY_FILE, JSON.stringify(policy));
    policyWritten = Date.now();
    try {
      browser = await launchBrowser(stack, { forceInstalledId: id, workerTimeout: 60000 });
    } catch (error) {
      rmSync(POLICY_FILE, { force: true });
      throw new Error(`${error.message}; the update server saw: ${updates.requests.map((r) => `${r.path} ${r.status}`).join(', ') || 'nothing'}`, { cause: error });
    }
    times.installMs = Date.now() - policyWritten;
  });

  after(async () => {
    rmSync(POLICY_FILE, { force: true });
    // How long every browser on this machine saw the file (it must stay: without it Chrome
    // uninstalls Spotdial and DevTools loses it within about 0.1 s, measured).
    if (policyWritten) times.policyFileMs = Date.now() - policyWritten;
    await browser?.close();
    await broker?.close();
    await updates?.close();
    await stack?.close();
    rmSync(RUN_DIR, { recursive: true, force: true });
    console.log(`force-install timings: ${JSON.stringify(times)}`);
  });

  test('Chromium installs Spotdial from the update server as an admin-installed extension', async () => {
    const asked = updates.requests.filter((r) => r.status === 200).map((r) => r.path);
    assert.ok(asked.includes('/update.xml'), `update.xml was fetched: ${asked.join(', ')}`);
    assert.ok(asked.some((p) => /^\/spotdial-[\d.]+\.crx$/.test(p)), `the CRX was fetched: ${asked.join(', ')}`);
    const check = updates.requests.find((r) => r.path === '/update.xml');
    assert.match(check.query.get('x') || '', new RegExp(`id=${id}`), 'Chrome asked for the id the policy names');
    assert.equal(browser.extensionId, id);
    const self = await (await browser.worker()).evaluate(() => chrome.management.getSelf());
    assert.equal(self.installType, 'admin', 'installed by policy, not loaded unpacked');
    assert.equal(self.mayDisable, false, 'a rep cannot turn it off');
  });

  let earlyOptions = null;
  let openedBeforePolicy = false;

  test('the worker runs and reads the admin\'s settings from managed storage', async () => {
    const worker = await browser.worker();
    await worker.evaluate(() => self.__spotdial.ready);
    // A rep who opens the options page at once, before Chrome hands over the policy.
    earlyOptions = await openExtensionPage(browser, 'options/options.html');
    const early = earlyOptions.locator('tr[data-key="dialScheme"]');
    await early.waitFor({ timeout: 15000 });
    openedBeforePolicy = !(await early.textContent()).includes('set by your admin');
    // For an extension installed while Chrome runs, its managed storage fills about 3 s after
    // the worker starts (measured: empty before), so wait for it as a rep's first start would.
    let managed = {};
    const deadline = Date.now() + 20000;
    while (!managed.portalId && Date.now() < deadline) {
      managed = await (await browser.worker()).evaluate(() => chrome.storage.managed.get(null));
      if (!managed.portalId) await new Promise((r) => setTimeout(r, 250));
    }
    times.managedReadMs = Date.now() - policyWritten;
    assert.equal(managed.portalId, '62515');
    assert.equal(managed.dialScheme, 'callto');
    assert.equal(managed.brokerUrl, broker.url);
  });

  test('an options page opened before the policy arrived shows it without being reopened', async () => {
    assert.ok(openedBeforePolicy, 'the page showed the defaults first (the policy arrives ~3 s after the worker starts)');
    const row = earlyOptions.locator('tr[data-key="dialScheme"]');
    await row.filter({ hasText: 'set by your admin' }).waitFor({ timeout: 15000 });
    assert.match(await row.textContent(), /callto/);
    await earlyOptions.close();
  });

  test('the options page shows the admin\'s settings as locked', async () => {
    const options = await openExtensionPage(browser, 'options/options.html');
    const row = options.locator('tr[data-key="dialScheme"]');
    await row.filter({ hasText: 'set by your admin' }).waitFor({ timeout: 15000 });
    assert.match(await row.textContent(), /callto/);
    assert.equal(await row.locator('input, select').count(), 0, 'no control to change it');
    const retention = await options.locator('tr[data-key="retentionDays"]').textContent();
    assert.match(retention, /30/);
    assert.match(retention, /set by your admin/);
    await options.close();
  });

  test('a rep signs in through the admin\'s broker, straight to the pinned portal', async () => {
    const popup = await openExtensionPage(browser, 'popup/popup.html');
    await signIn(browser, { popup, account: null });
    assert.match(await popup.evaluate(() => document.body.innerText), /portal 62515/);
    const requests = (await stack.control('GET', 'requests')).json;
    const authorize = requests.find((r) => r.path.includes('/authorize'));
    assert.equal(authorize.path, '/oauth/62515/authorize');
    assert.equal(new URLSearchParams(authorize.query).get('redirect_uri'), `https://${id}.chromiumapp.org/`);
    assert.match(broker.logs.join(''), /route=\/v1\/token status=200/, 'the code went through the broker');
    await popup.close();
  });
});
