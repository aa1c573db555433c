import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import {
  createRng,
  registerTrainingGradients,
  registerWasmTrainingKernels,
} from '@acsm/core';
import { loadMnist, subset } from '@acsm/data';
import {
  applyClassifier,
  classifierShapes,
  initClassifier,
} from './classifier-net';
import { cosineRate, shiftImages } from './classifier-train';
import {
  DEFAULT_MNIST_CLASSIFIER_CONFIG,
  trainOrLoadMnistClassifier,
} from './mnist-classifier';

// wasm, as training uses it: tfjs-backend-cpu's Conv2DBackpropFilter
// takes ~20 s for 8 digits.
await tf.setBackend('wasm');
registerWasmTrainingKernels();
/** Why training tests skip: gradients need @acsm/core's registration. */
const noGradients = await registerTrainingGradients().then(
  () => false,
  (err: Error) => `no gradient functions: ${err.message.slice(0, 80)}`,
);

const arch = DEFAULT_MNIST_CLASSIFIER_CONFIG;
const train = subset(loadMnist('train'), 0, 32);
const testSplit = subset(loadMnist('test'), 0, 16);

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'acsm-classifier-'));
}

function dispose(params: Record<string, tf.Variable>): void {
  Object.values(params).forEach((v) => v.dispose());
}

test('classifier: parameter and output shapes, no leak', () => {
  const before = tf.memory().numTensors;
  const params = initClassifier(arch, createRng(1));
  for (const [name, shape] of Object.entries(classifierShapes(arch))) {
    assert.deepEqual(params[name as keyof typeof params].shape, shape, name);
  }
  assert.deepEqual(params['features.weight'].shape, [
    7 * 7 * arch.conv2Filters,
    128,
  ]);
  const x = tf.tensor4d(train.images.subarray(0, 3 * 784), [3, 28, 28, 1]);
  const { features, logits } = applyClassifier(params, x);
  assert.deepEqual(features.shape, [3, 128]);
  assert.deepEqual(logits.shape, [3, 10]);
  const smallest = tf.min(features);
  assert.ok(smallest.dataSync()[0] >= 0);
  tf.dispose([x, features, logits, smallest]);
  dispose(params);
  assert.equal(tf.memory().numTensors, before);
});

test('classifier: initialisation is a function of the seed', () => {
  const a = initClassifier(arch, createRng(7).fork('init'));
  const b = initClassifier(arch, createRng(7).fork('init'));
  const c = initClassifier(arch, createRng(8).fork('init'));
  const w = (p: typeof a) => p['conv2.weight'].dataSync() as Float32Array;
  assert.deepEqual(w(a), w(b));
  assert.notDeepEqual(w(a), w(c));
  // He-normal: std √(2 / fan_in), fan_in = 3·3·conv1Filters.
  const values = w(a);
  const std = Math.sqrt(values.reduce((s, v) => s + v * v, 0) / values.length);
  const fanIn = 9 * arch.conv1Filters;
  assert.ok(Math.abs(std / Math.sqrt(2 / fanIn) - 1) < 0.05, `${std}`);
  [a, b, c].forEach(dispose);
});

test('shiftImages: moves pixels, fills with 0; cosineRate endpoints', () => {
  const image = new Float32Array(784);
  image[5 * 28 + 7] = 1; // row 5, column 7
  const moved = shiftImages(image, Int32Array.of(2, -3));
  assert.equal(moved[7 * 28 + 4], 1);
  assert.equal(
    moved.reduce((s, v) => s + v),
    1,
  );
  assert.deepEqual(shiftImages(image, Int32Array.of(0, 0)), image);
  const edge = shiftImages(image, Int32Array.of(-6, 0));
  assert.equal(
    edge.reduce((s, v) => s + v),
    0,
  );
  assert.equal(cosineRate(1e-3, 0, 100), 1e-3);
  assert.ok(Math.abs(cosineRate(1e-3, 50, 100) - 5e-4) < 1e-15);
});

test('trainOrLoadMnistClassifier: cache round trip (untrained)', async () => {
  const cacheDir = tempDir();
  try {
    const options = { train, test: testSplit, seed: 3, cacheDir };
    const config = { steps: 0 };
    const first = await trainOrLoadMnistClassifier({ ...options, config });
    const started = performance.now();
    const second = await trainOrLoadMnistClassifier({ ...options, config });
    const seconds = (performance.now() - started) / 1000;
    assert.equal(first.fromCache, false);
    assert.equal(second.fromCache, true);
    assert.ok(seconds < 1, `cache hit took ${seconds} s`);
    assert.equal(second.hash, first.hash);
    assert.equal(second.testAccuracy, first.testAccuracy);
    assert.equal(second.featureDim, 128);
    const x = tf.tensor4d(testSplit.images, [16, 28, 28, 1]);
    const [f1, f2] = [first.features(x), second.features(x)];
    assert.deepEqual(f1.shape, [16, 128]);
    assert.deepEqual(f1.dataSync(), f2.dataSync());
    const predicted = second.predict(x);
    assert.deepEqual(predicted.shape, [16]);
    assert.equal(predicted.dtype, 'int32');
    tf.dispose([x, f1, f2, predicted]);
    first.dispose();
    second.dispose();
    const other = await trainOrLoadMnistClassifier({
      ...options,
      seed: 4,
      config,
    });
    assert.notEqual(other.hash, first.hash);
    other.dispose();
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
});

test('trainOrLoadMnistClassifier: an abort stops training, caches nothing', async () => {
  const cacheDir = tempDir();
  try {
    const controller = new AbortController();
    const seen: number[] = [];
    const options = {
      train,
      test: testSplit,
      seed: 3,
      cacheDir,
      config: { steps: 400, batchSize: 4, conv1Filters: 2, conv2Filters: 2 },
      signal: controller.signal,
      // Abort from the first progress report (step 100).
      onProgress: (p: { step: number }) => {
        seen.push(p.step);
        controller.abort(new Error('stop asked'));
      },
    };
    await assert.rejects(trainOrLoadMnistClassifier(options), /stop asked/);
    assert.deepEqual(seen, [100]);
    // No entry and no lock left behind (the folder itself may exist).
    const folder = join(cacheDir, 'mnist-classifier');
    assert.deepEqual(existsSync(folder) ? readdirSync(folder) : [], []);
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
});

test(
  'trainOrLoadMnistClassifier: 2 steps train, reproducibly, and reload',
  { skip: noGradients },
  async () => {
    const dirs = [tempDir(), tempDir()];
    try {
      const config = { steps: 2, batchSize: 8 };
      const run = (cacheDir: string) =>
        trainOrLoadMnistClassifier({
          train,
          test: testSplit,
          seed: 5,
          cacheDir,
          config,
        });
      const progress: number[] = [];
      const a = await trainOrLoadMnistClassifier({
        train,
        test: testSplit,
        seed: 5,
        cacheDir: dirs[0],
        config,
        onProgress: (p) => progress.push(p.step),
      });
      const b = await run(dirs[1]);
      const c = await run(dirs[0]);
      assert.deepEqual(progress, [2]);
      assert.deepEqual(
        [a.fromCache, b.fromCache, c.fromCache],
        [false, false, true],
      );
      const x = tf.tensor4d(testSplit.images, [16, 28, 28, 1]);
      const logits = [a, b, c].map((m) => m.logits(x).dataSync());
      assert.deepEqual(logits[0], logits[1]);
      assert.deepEqual(logits[0], logits[2]);
      const init = initClassifier(arch, createRng(5).fork('init'));
      const untrained = applyClassifier(init, x).logits.dataSync();
      assert.ok(maxDiff(untrained, logits[0]) > 0, 'training changed nothing');
      tf.dispose(x);
      dispose(init);
      [a, b, c].forEach((m) => m.dispose());
    } finally {
      dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
    }
  },
);

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test('trainOrLoadMnistClassifier: validates its arguments', async () => {
  const cacheDir = tempDir();
  try {
    const base = { train, test: testSplit, seed: 1, cacheDir };
    const wide = { ...train, shape: [8, 28, 28, 4] as const };
    await assert.rejects(
      trainOrLoadMnistClassifier({ ...base, train: wide }),
      /train must be \[N, 28, 28, 1\], got \[8,28,28,4\]/,
    );
    await assert.rejects(
      trainOrLoadMnistClassifier({ ...base, seed: -2 }),
      /seed must be an integer >= 0, got -2/,
    );
    await assert.rejects(
      trainOrLoadMnistClassifier({ ...base, config: { batchSize: 0 } }),
      /config.batchSize must be an integer >= 1, got 0/,
    );
    await assert.rejects(
      trainOrLoadMnistClassifier({ ...base, config: { maxShift: -1 } }),
      /config.maxShift must be an integer >= 0, got -1/,
    );
    const model = await trainOrLoadMnistClassifier({
      ...base,
      config: { steps: 0 },
    });
    const bad = tf.zeros([2, 14, 14, 1]) as tf.Tensor4D;
    assert.throws(
      () => model.features(bad),
      /features: x must be \[N, 28, 28, 1\], got \[2,14,14,1\]/,
    );
    bad.dispose();
    model.dispose();
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
});
