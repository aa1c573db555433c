import assert from 'node:assert/strict';
import { test } from 'node:test';
import { interleave, median } from './stats';

test('median of odd and even counts, unsorted input kept', () => {
  const xs = [5, 1, 3];
  assert.equal(median(xs), 3);
  assert.deepEqual(xs, [5, 1, 3]);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([7]), 7);
  assert.throws(() => median([]), /at least one/);
});

test('interleave takes turns A B A B and drops the warm-up', async () => {
  const order: string[] = [];
  let t = 0;
  const side = (name: string) => async () => {
    order.push(name);
    return ++t;
  };
  const rounds: number[] = [];
  const times = await interleave(
    [side('A'), side('B')],
    { warmup: 1, reps: 2 },
    (round) => rounds.push(round),
  );
  assert.deepEqual(order, ['A', 'B', 'A', 'B', 'A', 'B']);
  assert.deepEqual(times, [
    [3, 5],
    [4, 6],
  ]);
  assert.deepEqual(rounds, [-1, 0, 1]);
});

test('interleave refuses bad counts', async () => {
  const side = async () => 1;
  await assert.rejects(interleave([side], { warmup: 0, reps: 0 }), /reps/);
  await assert.rejects(interleave([side], { warmup: -1, reps: 1 }), /-1/);
});
