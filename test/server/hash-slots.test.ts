/**
 * HashSlots with hand-made work (promises the test settles): one hash per
 * connection, a global cap, a bounded queue with a share per address, and
 * round-robin service across addresses. No scrypt, no clock.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NatterError } from '../../src/protocol/errors.ts';
import { defaultConcurrency, HashSlots } from '../../src/server/hash-slots.ts';

const GiB = 1024 ** 3;
const DEFAULT = { N: 2 ** 17, r: 8, p: 1 };

/** Work that finishes when the test says so; records when it started. */
function gate(started: string[], label: string) {
  let finish = () => {};
  const done = new Promise<void>((resolve) => (finish = resolve));
  return {
    work: () => {
      started.push(label);
      return done;
    },
    finish,
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

test('one hash per connection; the cap, then a queue, then busy', async () => {
  const slots = new HashSlots({ concurrent: 1, queue: 4 });
  const started: string[] = [];
  const owners = Array.from({ length: 6 }, () => ({}));
  const a = gate(started, 'a');
  assert.ok(slots.run(owners[0]!, 'x', a.work) instanceof Promise);
  const again = slots.run(owners[0]!, 'x', gate(started, 'a2').work);
  assert.ok(again instanceof NatterError && again.code === 'rate_limited');
  // Four addresses queue one each (a quarter of the queue each, counting what runs).
  const gates = ['b', 'c', 'd', 'e'].map((label) => gate(started, label));
  gates.forEach((g, i) => assert.ok(slots.run(owners[i + 1]!, `g${i}`, g.work) instanceof Promise));
  assert.equal(slots.waiting, 4);
  const full = slots.run(owners[5]!, 'y', gate(started, 'f').work);
  assert.ok(full instanceof NatterError && full.code === 'busy');
  assert.deepEqual(started, ['a']);
  a.finish();
  await tick();
  assert.deepEqual(started, ['a', 'b']);
  assert.equal(slots.peak, 1);
});

test("one address holds at most a quarter of the queue; others' turns come round-robin", async () => {
  const slots = new HashSlots({ concurrent: 1, queue: 16 });
  const started: string[] = [];
  const gates = [0, 1, 2, 3, 4].map((i) => gate(started, `flood-${i}`));
  const flood = gates.map((g) => slots.run({}, 'flood', g.work));
  assert.deepEqual(
    flood.map((r) => (r instanceof NatterError ? r.code : 'accepted')),
    ['accepted', 'accepted', 'accepted', 'accepted', 'busy'],
    'a quarter of 16, counting the running one',
  );
  const owner = gate(started, 'owner');
  assert.ok(slots.run({}, 'home', owner.work) instanceof Promise);
  gates[0]!.finish();
  await tick();
  assert.deepEqual(started, ['flood-0', 'flood-1'], 'the flood queued first');
  gates[1]!.finish();
  await tick();
  // Then the other address's turn, before the flood's remaining two.
  assert.deepEqual(started, ['flood-0', 'flood-1', 'owner']);
  owner.finish();
  await tick();
  assert.deepEqual(started.slice(-1), ['flood-2']);
});

test('default concurrency: one per GiB of memory for 128 MiB hashes, 1 to 2', () => {
  assert.equal(defaultConcurrency(DEFAULT, 0.5 * GiB), 1);
  assert.equal(defaultConcurrency(DEFAULT, 1 * GiB), 1);
  assert.equal(defaultConcurrency(DEFAULT, 2 * GiB), 2);
  assert.equal(defaultConcurrency(DEFAULT, 64 * GiB), 2);
  assert.equal(defaultConcurrency({ N: 1024, r: 8, p: 1 }, 1 * GiB), 2);
});
