// The full soak (`./build.sh soak`): 300 call logs across the seeded contacts through the real
// extension while the sandbox injects every kind of HubSpot-like fault at random from a printed
// seed (each kind at least once), access tokens live a minute, the worker is stopped three times
// with a create in flight and the browser is closed with logs in the outbox and relaunched twice.
// Layer: tests (soak, e2e style). SPOTDIAL_SOAK_SEED replays a run; SPOTDIAL_SOAK_LOGS changes the count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSoak } from '../harness/soak.mjs';
import { CHAOS_KINDS } from '../sandbox/faults.mjs';

test('full soak: 300 call logs, each held exactly once, under every fault kind', { timeout: 1800000 }, async () => {
  const say = (line) => process.stderr.write(`${line}\n`); // live, as the run goes
  const logs = Number(process.env.SPOTDIAL_SOAK_LOGS || 300);
  const f = await runSoak({ logs, lanes: 4, cardEvery: 8, chaosRate: 0.08, cover: true, workerStops: 3, relaunches: 2,
    tokenTtlSeconds: 60, settleTimeout: 300000, say });
  assert.deepEqual(f.problems, [], `seed ${f.seed}`);
  assert.deepEqual([f.once, f.lost, f.doubled], [f.logs, 0, 0], `seed ${f.seed}`);
  for (const kind of Object.keys(CHAOS_KINDS)) assert.ok(f.faults[kind] >= 1, `fault ${kind} fired (seed ${f.seed})`);
  assert.equal(f.faults['worker-stopped'], 3);
  assert.equal(f.faults['browser-relaunched'], 2);
});
