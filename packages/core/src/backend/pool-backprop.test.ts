import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { avgPoolBackprop, maxPoolBackprop } from './pool-backprop';
import { normal, relativeError } from './testing';

type Shape = [number, number, number, number];
type Pad = 'same' | 'valid';

interface PoolCase {
  x: Shape;
  k: number | [number, number];
  s: number | [number, number];
  pad: Pad;
}

/** Strides, padding, global pools, gaps between windows. */
const cases: PoolCase[] = [
  { x: [2, 9, 7, 3], k: 5, s: 1, pad: 'same' },
  { x: [2, 12, 12, 24], k: 5, s: 1, pad: 'same' },
  { x: [3, 8, 8, 5], k: 2, s: 2, pad: 'valid' },
  { x: [2, 9, 7, 3], k: 2, s: 2, pad: 'same' },
  { x: [2, 9, 7, 3], k: 3, s: 2, pad: 'same' },
  { x: [2, 9, 7, 3], k: 3, s: 3, pad: 'valid' },
  { x: [1, 10, 11, 4], k: [3, 2], s: [1, 2], pad: 'valid' },
  { x: [2, 7, 7, 24], k: [7, 7], s: 1, pad: 'valid' },
  { x: [2, 6, 5, 12], k: [6, 5], s: 1, pad: 'valid' },
  { x: [1, 9, 9, 2], k: 4, s: 3, pad: 'same' },
  { x: [1, 5, 5, 3], k: 1, s: 1, pad: 'valid' },
  { x: [1, 8, 8, 2], k: 2, s: 3, pad: 'valid' },
];

function name(c: PoolCase): string {
  return `x ${c.x.join('×')}, window ${c.k}, stride ${c.s}, ${c.pad}`;
}

function poolInfo(c: PoolCase) {
  return tf.backend_util.computePool2DInfo(c.x, c.k, c.s, 1, c.pad);
}

/** dx by our loop and by tfjs's cpu kernel, for dy ~ N(0, 1) or ones. */
function both(
  c: PoolCase,
  kind: 'max' | 'avg',
  x: Float32Array,
  seed: number | 'ones',
) {
  return tf.tidy(() => {
    const input = tf.tensor4d(x, c.x);
    const y =
      kind === 'max'
        ? tf.maxPool(input, c.k, c.s, c.pad)
        : tf.avgPool(input, c.k, c.s, c.pad);
    const dy =
      seed === 'ones'
        ? tf.onesLike(y)
        : tf.randomNormal(y.shape, 0, 1, 'float32', seed);
    const attrs = { filterSize: c.k, strides: c.s, pad: c.pad };
    const inputs: tf.NamedTensorMap =
      kind === 'max' ? { dy, input, output: y } : { dy, input };
    const name = kind === 'max' ? 'MaxPoolGrad' : 'AvgPoolGrad';
    const expected = tf
      .engine()
      .runKernel(name, inputs, attrs as never) as tf.Tensor;
    const ours = new Float32Array(x.length).fill(NaN);
    const [dys, ys] = [dy.dataSync(), y.dataSync()] as Float32Array[];
    if (kind === 'max') {
      maxPoolBackprop({ dy: dys, x, y: ys }, poolInfo(c), ours);
    } else {
      avgPoolBackprop(dys, poolInfo(c), ours);
    }
    return { ours, expected: expected.dataSync() as Float32Array };
  });
}

before(async () => {
  await tf.setBackend('cpu');
});

describe('maxPoolBackprop matches tfjs cpu MaxPoolGrad', () => {
  for (const c of cases) {
    test(name(c), async () => {
      const x = await normal(c.x, 11);
      const live = tf.memory().numTensors;
      const { ours, expected } = both(c, 'max', x, 12);
      assert.ok(relativeError(ours, expected) < 1e-6);
      assert.equal(tf.memory().numTensors, live, 'tensors leaked');
    });
  }

  test('ties credit the first maximum in row-major order', async () => {
    const c: PoolCase = { x: [2, 8, 8, 6], k: 3, s: 1, pad: 'same' };
    // rounded ReLU values: many windows hold their max more than once
    const x = (await normal(c.x, 13)).map((v) => Math.max(0, Math.round(v)));
    // dy = 1: each dx counts the windows that credit it, exactly
    const { ours, expected } = both(c, 'max', x, 'ones');
    assert.deepEqual(ours, expected);
  });

  test('a window of -∞ only credits nothing', () => {
    const c: PoolCase = { x: [1, 3, 3, 1], k: 2, s: 1, pad: 'valid' };
    const x = new Float32Array(9).fill(-Infinity);
    x[8] = 1;
    const dx = new Float32Array(9);
    const y = Float32Array.from([-Infinity, -Infinity, -Infinity, 1]);
    const dy = Float32Array.from([1, 2, 3, 4]);
    maxPoolBackprop({ dy, x, y }, poolInfo(c), dx);
    assert.deepEqual([...dx], [0, 0, 0, 0, 0, 0, 0, 0, 4]);
  });

  test('fails on a dilated pool, naming the dilations', () => {
    const info = tf.backend_util.computePool2DInfo(
      [1, 5, 5, 1],
      2,
      1,
      2,
      'valid',
    );
    const a = new Float32Array(25);
    assert.throws(
      () => maxPoolBackprop({ dy: a, x: a, y: a }, info, a),
      /maxPoolBackprop: dilations must be 1, got \[2, 2\]/,
    );
  });
});

describe('avgPoolBackprop matches tfjs cpu AvgPoolGrad', () => {
  for (const c of cases) {
    test(name(c), async () => {
      const x = await normal(c.x, 15);
      const live = tf.memory().numTensors;
      const { ours, expected } = both(c, 'avg', x, 16);
      assert.ok(relativeError(ours, expected) < 1e-6);
      assert.equal(tf.memory().numTensors, live, 'tensors leaked');
    });
  }

  test('a global pool spreads dy / (H·W) over every input', () => {
    const c: PoolCase = { x: [2, 3, 2, 2], k: [3, 2], s: 1, pad: 'valid' };
    const dx = new Float32Array(24).fill(NaN);
    avgPoolBackprop(Float32Array.from([6, 12, -6, 3]), poolInfo(c), dx);
    const image = (a: number, b: number) => Array(6).fill([a, b]).flat();
    assert.deepEqual([...dx], [...image(1, 2), ...image(-1, 0.5)]);
  });
});
