// Waiting for an event the tests cannot subscribe to (storage, the sandbox's request log, the
// worker's state): poll with a deadline and fail naming what never happened.
// Layer: tests (harness).

/** Resolves after `ms`: only for a poll interval or a rep's pause, never to hope something happened. */
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns a truthy value; throws naming `what` after `timeout` ms. */
export async function until(what, check, { timeout = 60000, every = 200 } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await sleep(every);
  }
}
