// One test suite's world: the sandbox, the broker and Chromium with the extension, configured
// for the broker and (unless told otherwise) signed in, started before the suite's tests and
// closed after them. Layer: test tooling (node:test hooks).
import { after, before } from 'node:test';
import { configure, launchBrowser } from './browser.mjs';
import { startStack } from './stack.mjs';
import { signIn as signInFlow } from './flows.mjs';

/**
 * Registers the suite's hooks and returns `{ stack, browser }`, filled in once `before` ran.
 * `signIn`: sign in through the popup (and let it load the queue); `broker: false`: no broker
 * and no configuration (the foundation tests); `beforeSignIn(env)`: runs between configuring
 * and signing in.
 */
export function useBrowser({ signIn = true, broker = true, seed = 'demo', beforeSignIn = null } = {}) {
  const env = { stack: null, browser: null };
  before(async () => {
    env.stack = await startStack({ broker, seed });
    env.browser = await launchBrowser(env.stack);
    if (broker) await configure(env.browser, env.stack);
    if (beforeSignIn) await beforeSignIn(env);
    if (signIn) {
      const popup = await signInFlow(env.browser);
      await popup.getByRole('list', { name: 'Call tasks' }).waitFor({ timeout: 15000 }).catch(() => {});
      await popup.close();
    }
  });
  after(async () => {
    await env.browser?.close();
    await env.stack?.close();
  });
  return env;
}
