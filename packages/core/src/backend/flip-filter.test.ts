import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { initBackend } from './select';
import { FLIP_FILTER, flipFilter, flipFilterInto } from './flip-filter';

test('flipFilterInto: a 2×2×1×2 filter by hand', () => {
  // W[a, b, 0, o] = 10·(2a + b) + o; W̃[a, b, o, 0] = W[1−a, 1−b, 0, o].
  const w = Float32Array.from([0, 1, 10, 11, 20, 21, 30, 31]);
  const out = new Float32Array(8);
  flipFilterInto(w, [2, 2, 1, 2], out);
  assert.deepEqual([...out], [30, 31, 20, 21, 10, 11, 0, 1]);
  assert.throws(
    () => flipFilterInto(w, [2, 2, 2, 2], out),
    /arrays of 8 and 8 values for a filter \[2, 2, 2, 2\]/,
  );
});

test('flipFilter on wasm: one kernel, equal to reverse and transpose', async () => {
  await initBackend({ backend: 'wasm' });
  assert.ok(tf.getKernel(FLIP_FILTER, 'wasm'), 'registered for wasm');
  for (const shape of [
    [3, 3, 5, 7],
    [1, 2, 3, 4],
    [5, 5, 2, 1],
  ] as [number, number, number, number][]) {
    const w = tf.randomNormal(shape) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const fast = flipFilter(w);
    assert.equal(tf.memory().numTensors, before + 1, 'no tensor leaked');
    const ops = tf.transpose(tf.reverse(w, [0, 1]), [0, 1, 3, 2]);
    assert.deepEqual(fast.shape, [shape[0], shape[1], shape[3], shape[2]]);
    assert.deepEqual(await fast.data(), await ops.data());
    tf.dispose([w, fast, ops]);
  }
  // Backends without the kernel take the ops.
  await tf.setBackend('cpu');
  const w = tf.tensor4d([0, 1, 10, 11, 20, 21, 30, 31], [2, 2, 1, 2]);
  assert.deepEqual(
    await flipFilter(w).data(),
    Float32Array.from([30, 31, 20, 21, 10, 11, 0, 1]),
  );
  await tf.setBackend('wasm');
});
