import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { maxAbsDiff } from '../testing';
import { inceptionInput } from './preprocess';
import { Golden, goldenUnavailable, runGolden } from './testing';

const skip = goldenUnavailable();
const golden: Golden | undefined = skip ? undefined : runGolden('resize');
after(() => golden?.remove());

for (const backend of ['cpu', 'wasm']) {
  test(`inceptionInput (${backend}): a constant image`, async () => {
    await tf.setBackend(backend);
    const before = tf.memory().numTensors;
    const x = tf.fill([1, 3, 2, 1], 0.5) as tf.Tensor4D;
    const y = inceptionInput(x);
    assert.deepEqual(y.shape, [1, 299, 299, 3]);
    // round(127.5) = 128 (to even), then 2·128/255 − 1 = 1/255
    const expected = new Float32Array(299 * 299 * 3).fill(1 / 255);
    assert.ok(maxAbsDiff(y.dataSync(), expected) < 1e-7);
    tf.dispose([x, y]);
    assert.equal(tf.memory().numTensors, before);
  });

  test(`inceptionInput (${backend}): half-pixel bilinear ramp`, async () => {
    await tf.setBackend(backend);
    const x = tf.tensor4d([0, 1, 0, 1, 0, 1], [1, 1, 2, 3]);
    const y = inceptionInput(x);
    const row = tf.slice(y, [0, 150, 0, 0], [1, 1, 299, 3]).dataSync();
    // Column j samples source x = (j + 0.5)·2/299 − 0.5, clamped to
    // [0, 1]: channel 0 rises 0 → 1 there, channel 1 falls 1 → 0.
    for (const j of [0, 70, 74, 75, 149, 150, 224, 298]) {
      const v = Math.min(1, Math.max(0, ((j + 0.5) * 2) / 299 - 0.5));
      assert.ok(Math.abs(row[3 * j] - (2 * v - 1)) < 1e-6, `j=${j}`);
      assert.ok(Math.abs(row[3 * j + 1] - (1 - 2 * v)) < 1e-6, `j=${j}`);
    }
    tf.dispose([x, y]);
  });

  test(`inceptionInput (${backend}): one channel is repeated`, async () => {
    await tf.setBackend(backend);
    const x = tf.tensor4d([0.1, 0.9, 0.4, 0.7], [1, 2, 2, 1]);
    const y = inceptionInput(x);
    const [r, g, b] = tf.split(y, 3, 3).map((t) => t.dataSync());
    assert.deepEqual(r, g);
    assert.deepEqual(r, b);
    assert.throws(
      () => inceptionInput(tf.zeros([1, 2, 2, 2])),
      /images must be \[N, H, W, 1 or 3\], got \[1,2,2,2\]/,
    );
    tf.dispose([x, y]);
  });

  test(
    `inceptionInput (${backend}): equals PyTorch's pipeline`,
    { skip },
    async () => {
      await tf.setBackend(backend);
      const cases = Object.keys(golden!.manifest.arrays)
        .filter((k) => k.endsWith('_input'))
        .map((k) => k.slice(0, -'_input'.length));
      assert.equal(cases.length, 4);
      for (const name of cases) {
        const input = golden!.array(`${name}_input`);
        const expected = golden!.array(`${name}_output`).values;
        const x = tf.tensor4d(input.values, input.shape as never);
        const y = inceptionInput(x);
        // Upsampling, downsampling (320×310) and 1 channel alike. The
        // rest is PyTorch's float32 source coordinates: up to 3.6e-5 when
        // downsampling, 0.5% of one uint8 step (2/255).
        const diff = maxAbsDiff(y.dataSync(), expected);
        assert.ok(diff < 5e-5, `${name}: ${diff}`);
        tf.dispose([x, y]);
      }
    },
  );
}
