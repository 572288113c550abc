// End-to-end: the card lives with HubSpot's record page. On the sandbox's three record layouts
// (2026 and 2024 from the DOM evidence, one no source describes) the card sits where anchors.js
// says, comes back once after framework re-renders, never shows twice, and a DOM mutation wakes
// no worker. Also: WCAG AA contrast of the card, and focus after "Delete". Layer: tests (e2e).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { useBrowser } from '../harness/session.mjs';
import { click, find, queryAll, textOf } from '../harness/a11y.mjs';
import { dialButtons } from '../harness/flows-call.mjs';
import { DEMO } from '../harness/seeded.mjs';
import { ROOT } from '../harness/stack.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Where the card's host is, read from the page (HubSpot's attributes only, none of ours). */
const placement = (page) => page.evaluate(() => {
  const hosts = document.querySelectorAll('#spotdial-root');
  const host = hosts[0];
  const name = (node) => (node ? node.getAttribute('data-test-id') || node.getAttribute('data-selenium-test') || node.tagName.toLowerCase() : null);
  if (!host) return { count: 0 };
  const box = host.getBoundingClientRect();
  return {
    count: hosts.length,
    previous: name(host.previousElementSibling),
    parent: name(host.parentElement),
    position: getComputedStyle(host).position,
    onScreen: box.width > 0 && box.height > 0 && box.right <= innerWidth && box.bottom <= innerHeight,
  };
});

const LAYOUTS = {
  // E2 toggl #2404 / E4 / E5: just after the highlight card, in the left sidebar.
  2026: { previous: 'card-wrapper-OBJECT_HIGHLIGHT-FAS-0-1-1', parent: 'left-sidebar', position: 'static' },
  // E1 / E2 / E3 (2021-04 to 2025-07): just after the highlight details box.
  2024: { previous: 'contact-highlight-details', parent: 'div', position: 'static' },
  // No anchor matches: the card floats, fixed, over the page.
  unknown: { parent: 'body', position: 'fixed', onScreen: true },
};

function expectPlaced(seen, layout, when) {
  const want = LAYOUTS[layout];
  assert.equal(seen.count, 1, `${layout} ${when}: exactly one card host`);
  for (const [key, value] of Object.entries(want)) assert.equal(seen[key], value, `${layout} ${when}: ${key}`);
}

/** Waits until the card is placed as the layout expects (a re-render may have just dropped it). */
async function placed(page, layout, when) {
  const deadline = Date.now() + 5000;
  let seen;
  while (Date.now() < deadline) {
    seen = await placement(page);
    if (seen.count === 1 && Object.entries(LAYOUTS[layout]).every(([k, v]) => seen[k] === v)) break;
    await sleep(50);
  }
  expectPlaced(seen, layout, when);
}

/** Marks the page's current left column content, to prove a later re-render replaced it. */
const markColumn = (page) => page.evaluate(() => { window.__oldColumn = document.querySelector('[data-sandbox-column="left"]').firstElementChild; });
const columnReplaced = (page) => page.evaluate(() => Boolean(window.__oldColumn) && !document.contains(window.__oldColumn));

describe('the card on HubSpot-like record pages', () => {
  const env = useBrowser();

  async function openRecord(layout, contact = DEMO.contacts.first) {
    await env.browser.context.addCookies([{ name: 'sandbox_record_layout', value: layout, domain: 'app.hubspot.com', path: '/', secure: true }]);
    const page = await env.browser.context.newPage();
    await page.goto(DEMO.contactUrl(contact));
    await find(page, 'region', 'Spotdial', { timeout: 15000 });
    await dialButtons(page);
    // The page's framework has taken over (its first client render replaced the sidebar).
    await page.waitForFunction(() => window.__sandbox && window.__sandbox.renders() >= 1, null, { timeout: 5000 });
    return page;
  }

  /** Counts messages content scripts send to the worker, from inside the worker. */
  async function countWorkerMessages() {
    const worker = await env.browser.worker();
    await worker.evaluate(() => {
      self.__layoutMessages = { all: 0, card: 0 };
      chrome.runtime.onMessage.addListener((message, sender) => {
        if (!sender.tab) return;
        self.__layoutMessages.all += 1;
        if (message && message.kind === 'card') self.__layoutMessages.card += 1;
      });
    });
    return async () => {
      const now = await (await env.browser.worker()).evaluate(() => self.__layoutMessages || null);
      assert.ok(now, 'the worker was not restarted during the count');
      return now;
    };
  }

  for (const layout of Object.keys(LAYOUTS)) {
    test(`${layout} layout: the card is in its place, and survives three framework re-renders once`, async () => {
      const page = await openRecord(layout);
      await placed(page, layout, 'after load');
      const region = await find(page, 'region', 'Spotdial');
      assert.match(await textOf(page, region), /Ana Alvarez/);

      // 1: the framework re-renders in place; 2 and 3: record tabs, which also change the URL.
      const steps = [
        ['re-render', () => page.evaluate(() => window.__sandbox.rerender())],
        ['tab Activities', () => click(page, 'link', 'Activities'), /\/record\/0-1\/201\/view\/2$/],
        ['tab Intelligence', () => click(page, 'link', 'Intelligence'), /\/record\/0-1\/201\/view\/3$/],
      ];
      for (const [when, act, url] of steps) {
        const renders = await page.evaluate(() => window.__sandbox.renders());
        await markColumn(page);
        await act();
        if (url) await page.waitForURL(url);
        await page.waitForFunction((n) => window.__sandbox.renders() > n, renders);
        assert.ok(await columnReplaced(page), `${when}: the sidebar subtree was replaced`);
        await placed(page, layout, `after ${when}`);
        assert.equal((await queryAll(page, 'region', 'Spotdial')).length, 1, `${when}: one Spotdial region`);
        await dialButtons(page);
      }
      // Quiet afterwards: no loop of re-insertions keeps the page busy.
      const before = await page.evaluate(() => window.__sandbox.renders());
      await sleep(600);
      expectPlaced(await placement(page), layout, 'at rest');
      assert.equal(await page.evaluate(() => window.__sandbox.renders()), before);
      await page.close();
    });
  }

  test('a DOM mutation sends the worker nothing; a tab switch keeps the card as it is', async () => {
    const page = await openRecord('2026', DEMO.contacts.second);
    const messages = await countWorkerMessages();
    const start = await messages();
    const callButton = (await queryAll(page, 'button', /^Call /))[0];

    await page.evaluate(() => window.__sandbox.churn(300, 'tasks'));
    await page.evaluate(() => window.__sandbox.churn(100, 'frames'));
    await page.evaluate(() => window.__sandbox.rerender());
    await sleep(500);
    assert.deepEqual(await messages(), start, 'pure DOM mutations sent no message');

    await click(page, 'link', 'Activities');
    await page.waitForURL(/\/record\/0-1\/202\/view\/2$/);
    await sleep(700);
    const afterTab = await messages();
    assert.ok(afterTab.card - start.card <= 1, `a same-record URL change sends at most one card request (${afterTab.card - start.card})`);
    assert.equal(afterTab.all - start.all, afterTab.card - start.card, 'and nothing else');
    const sameButton = (await queryAll(page, 'button', /^Call /))[0];
    assert.equal(sameButton.backendNodeId, callButton.backendNodeId, 'the card was not drawn again: it still has the same button');

    // The counter is live: a real record change is counted, and redraws the card.
    await click(page, 'link', 'Next record');
    await page.waitForURL(/\/record\/0-1\/203$/);
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && (await messages()).card === afterTab.card) await sleep(50);
    assert.equal((await messages()).card, afterTab.card + 1, 'one card request for the next record');
    await page.close();
  });

  test('after "Delete", focus moves to the result; the confirmation starts on "Cancel"', async () => {
    const page = await openRecord('2026', '205');
    const cdp = await page.context().newCDPSession(page);
    const focused = async () => {
      const { nodes } = await cdp.send('Accessibility.getFullAXTree');
      // The document itself reports focus too; the node that has it is the innermost one.
      const node = nodes.filter((n) => n.role && n.role.value !== 'RootWebArea'
        && (n.properties || []).some((p) => p.name === 'focused' && p.value.value === true)).at(-1);
      return node ? { role: node.role.value, name: node.name ? node.name.value : '', backendNodeId: node.backendDOMNodeId } : null;
    };
    const start = await find(page, 'button', 'Delete prospect data');
    await cdp.send('DOM.focus', { backendNodeId: start.backendNodeId });
    await page.keyboard.press('Enter');
    await find(page, 'button', 'Cancel');
    assert.deepEqual(await focused().then((f) => f && [f.role, f.name]), ['button', 'Cancel']);
    await page.keyboard.press('Shift+Tab');
    assert.deepEqual(await focused().then((f) => f && [f.role, f.name]), ['button', 'Delete']);
    await page.keyboard.press('Enter');
    const deadline = Date.now() + 10000;
    let now = null;
    while (Date.now() < deadline) {
      now = await focused();
      if (now && now.role === 'status') break;
      await sleep(50);
    }
    assert.equal(now && now.role, 'status', `focus is on the result, not ${JSON.stringify(now)}`);
    assert.match(await textOf(page, now), /no longer keeps any data|is deleted/);
    await page.close();
  });

  test('focus in the card survives a framework re-render of the sidebar', async () => {
    const { focused } = await import('../harness/keyboard.mjs');
    // A contact no other test here dials: the call stays in progress after this test.
    const page = await openRecord('2026', '207');
    const cdp = await page.context().newCDPSession(page);
    const [first] = await dialButtons(page);
    const button = await find(page, 'button', first);
    await cdp.send('DOM.focus', { backendNodeId: button.backendNodeId });
    await page.keyboard.press('Enter');
    await find(page, 'timer', 'Call duration');
    assert.deepEqual(await focused(page), { role: 'combobox', name: 'Outcome' });
    await markColumn(page);
    await page.evaluate(() => window.__sandbox.rerender());
    assert.ok(await columnReplaced(page), 'the sidebar, and the card in it, really left the page');
    const deadline = Date.now() + 5000;
    let now = null;
    while (Date.now() < deadline) {
      now = await focused(page);
      if (now) break;
      await sleep(50);
    }
    assert.deepEqual(now, { role: 'combobox', name: 'Outcome' }, 'focus is given back to the control that had it');
    await page.close();
  });

  test('the card meets WCAG AA contrast: text 4.5:1 (3:1 large), control boundaries 3:1', async () => {
    const lum = ([r, g, b]) => {
      const c = [r, g, b].map((v) => v / 255).map((v) => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
      return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
    };
    const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
    const rgb = (css) => css.match(/[\d.]+/g).slice(0, 3).map(Number);

    // What Chromium computes inside the closed shadow root, in the states a rep sees.
    const page = await openRecord('2026', '206');
    const cdp = await page.context().newCDPSession(page);
    const measure = async () => {
      const region = await find(page, 'region', 'Spotdial');
      const { object } = await cdp.send('DOM.resolveNode', { backendNodeId: region.backendNodeId });
      const { result } = await cdp.send('Runtime.callFunctionOn', {
        objectId: object.objectId, returnByValue: true,
        functionDeclaration: `function () {
          const solid = (c) => { const a = c.match(/[\\d.]+/g); return a && (a.length < 4 || Number(a[3]) > 0); };
          const behind = (el) => {
            for (let e = el; e; e = e.parentElement || (e.getRootNode() && e.getRootNode().host)) {
              const c = getComputedStyle(e).backgroundColor;
              if (solid(c)) return c;
            }
            return 'rgb(255, 255, 255)';
          };
          const out = [];
          for (const el of this.getRootNode().querySelectorAll('*')) {
            const cs = getComputedStyle(el);
            if ([...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())) {
              out.push({ kind: 'text', what: el.tagName + ' ' + el.textContent.trim().slice(0, 40), fg: cs.color, bg: behind(el), size: parseFloat(cs.fontSize), weight: Number(cs.fontWeight) });
            }
            if (['BUTTON', 'SELECT', 'TEXTAREA', 'INPUT'].includes(el.tagName)) {
              out.push({ kind: 'control', what: el.tagName + ' ' + el.textContent.trim().slice(0, 40), border: cs.borderTopColor, fill: behind(el), outside: behind(el.parentElement) });
            }
          }
          return out;
        }`,
      });
      return result.value;
    };
    const seen = [...await measure()];
    await click(page, 'button', 'Delete prospect data');
    await find(page, 'button', 'Cancel');
    seen.push(...await measure());
    assert.ok(seen.some((s) => s.kind === 'text' && /^BUTTON Call /.test(s.what)), 'the primary "Call" button was measured');
    assert.ok(seen.some((s) => s.kind === 'control' && /^BUTTON Cancel/.test(s.what)), 'a secondary button was measured');
    const failures = [];
    for (const s of seen) {
      if (s.kind === 'text') {
        const large = s.size >= 24 || (s.size >= 18.66 && s.weight >= 700);
        const r = ratio(rgb(s.fg), rgb(s.bg));
        if (r < (large ? 3 : 4.5)) failures.push(`${s.what}: ${s.fg} on ${s.bg} = ${r.toFixed(2)}`);
      } else {
        const r = Math.max(ratio(rgb(s.border), rgb(s.outside)), ratio(rgb(s.fill), rgb(s.outside)));
        if (r < 3) failures.push(`${s.what} boundary: ${s.border} / ${s.fill} against ${s.outside} = ${r.toFixed(2)}`);
      }
    }
    assert.deepEqual(failures, []);
    await page.close();

    // States this test does not open (call panel, warnings, alerts): every colour STYLE gives
    // text, set against the card's white, and every border and outline against white at 3:1.
    const source = readFileSync(path.join(ROOT, 'extension/content/card.js'), 'utf8');
    const style = /const STYLE = `([\s\S]*?)`;/.exec(source)[1];
    const hex = (h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16));
    const rules = [...style.matchAll(/([^{}]+)\{([^}]*)\}/g)].map((m) => ({ selector: m[1].trim(), body: m[2] }));
    const statics = [];
    for (const { selector, body } of rules) {
      const color = /(?:^|;)\s*color:\s*(#[0-9a-f]{6})/i.exec(body);
      const background = /background:\s*(#[0-9a-f]{6})/i.exec(body);
      if (color) statics.push([selector, 'text', ratio(hex(color[1]), hex(background ? background[1] : '#ffffff')), 4.5]);
      for (const m of body.matchAll(/(?:border(?:-color)?|outline):[^;#]*(#[0-9a-f]{6})/gi)) {
        if (selector === 'section') continue; // the card's own edge is decoration, not a control
        statics.push([selector, 'boundary', Math.max(ratio(hex(m[1]), hex('#ffffff')), background ? ratio(hex(background[1]), hex('#ffffff')) : 0), 3]);
      }
    }
    assert.ok(statics.length >= 10, `STYLE was parsed (${statics.length} pairs)`);
    assert.deepEqual(statics.filter(([, , r, min]) => r < min).map(([s, k, r]) => `${s} ${k} ${r.toFixed(2)}`), []);
  });
});
