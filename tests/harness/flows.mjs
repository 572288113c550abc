// Multi-step things a rep does, shared by the end-to-end tests and the demo.
// Layer: test tooling. Controls are found by role and accessible name.
import { click, find } from './a11y.mjs';
import { navigated, openExtensionPage } from './browser.mjs';

/** Signs in from the popup: consent window, account chooser, Approve. Returns the popup page. */
export async function signIn(browser, { account = 'Acme Demo (62515)', popup = null, button = 'Sign in with HubSpot' } = {}) {
  const page = popup || await openExtensionPage(browser, 'popup/popup.html');
  const consentOpened = browser.context.waitForEvent('page', { timeout: 20000 });
  await click(page, 'button', button);
  const consent = await consentOpened;
  await navigated(consent);
  if (account && /\/oauth\/authorize/.test(consent.url())) {
    await click(consent, 'link', account);
  }
  await click(consent, 'button', 'Approve');
  await find(page, 'button', 'Sign out', { timeout: 20000 });
  return page;
}
