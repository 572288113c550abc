// End-to-end, quick soak: 32 call logs through the real extension (a sixth through the card UI,
// the rest as the card's own messages from its content-script world) while the sandbox injects
// random HubSpot-like faults from a printed seed, the worker is stopped with a create in flight
// and the browser is closed with logs in the outbox and relaunched. Layer: tests (e2e). The full
// run (300+ logs) is tests/soak/full.test.mjs, `./build.sh soak`. SPOTDIAL_SOAK_SEED replays a run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSoak } from '../harness/soak.mjs';

test('quick soak: every call log held exactly once under random faults, a stopped worker and a relaunch', { timeout: 480000 }, async () => {
  const say = (line) => process.stderr.write(`${line}\n`); // live, as the run goes
  // The quick run leaves out the kinds that cost a 20 s stall (slow) or a reconnect (token-revoked);
  // the full soak has them.
  const kinds = ['drop-before', 'drop-after', 'status-500', 'status-502', 'status-503', 'status-423', '429-ten-secondly', '429-daily', 'token-expired'];
  const f = await runSoak({ logs: 32, lanes: 4, cardEvery: 6, chaosRate: 0.2, cover: true, kinds, workerStops: 1, relaunches: 1, settleTimeout: 150000, say });
  assert.deepEqual(f.problems, [], `seed ${f.seed}`);
  assert.deepEqual([f.once, f.lost, f.doubled], [f.logs, 0, 0], `seed ${f.seed}`);
  assert.ok(f.byCard >= 3, 'some logs went through the card UI');
  // `cover`: the sandbox meets every listed kind first, whatever the seed's luck.
  assert.deepEqual(kinds.filter((k) => !f.faults[k]), [], `every listed fault kind fired: ${JSON.stringify(f.faults)} (seed ${f.seed})`);
  assert.equal(f.faults['worker-stopped'], 1);
  assert.equal(f.faults['browser-relaunched'], 1);
});
