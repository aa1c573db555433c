import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { createRng, initBackend } from '@acsm/core';
import type { ExperimentConfig } from '../config';
import { resolveCells } from '../runner/resolve';
import { table2 } from '../definitions/table2';
import {
  chooseMicroBatch,
  measurePassBytes,
  measurePassPeak,
  MICRO_BATCH_ENV,
  parseMicroBatch,
  planMicroBatch,
} from './micro-batch';
import { disposeState, initialState, type TrainState } from './state';
import { dsmGradients, dsmStep, microBatches } from './steps';

before(async () => {
  await initBackend({ backend: 'wasm' });
});

const size = [28, 28, 1] as const;
const sigmas = [4, 1, 0.25];

/** table2's smoke DSM cell with ngf 2 (NCSNv2, InstanceNorm++). */
function tinyState(): TrainState {
  const cell = resolveCells(table2, 'smoke', {}).find(
    (c) => c.spec.training === 'dsm',
  )!;
  const config = structuredClone(cell.config) as ExperimentConfig;
  config.model.ngf = 2;
  return initialState(config, [...size]);
}

/** max|a − b| / max(max|b|, floor). */
function maxRel(a: tf.Tensor, b: tf.Tensor, floor = 0): number {
  const [da, db] = [a.dataSync(), b.dataSync()];
  let [diff, scale] = [0, floor];
  for (let i = 0; i < db.length; i++) {
    diff = Math.max(diff, Math.abs(da[i] - db[i]));
    scale = Math.max(scale, Math.abs(db[i]));
  }
  return diff / (scale || 1);
}

/**
 * 1e-3 of the largest gradient: a conv's bias that a norm follows has a
 * zero gradient in exact arithmetic, so its values are rounding, measured
 * against the other gradients.
 */
const gradFloor = (grads: Record<string, tf.Tensor>) =>
  tf.tidy(() => {
    const maxima = Object.values(grads).map((g) => tf.max(tf.abs(g)));
    return 1e-3 * (tf.max(tf.stack(maxima)).arraySync() as number);
  });

describe('micro-batches of the DSM step', () => {
  let x: tf.Tensor4D;
  before(() => {
    x = tf.randomUniform([5, ...size], 0, 1, 'float32', 3) as tf.Tensor4D;
  });
  after(() => x.dispose());

  test('parts: near-equal, in order, covering the batch', () => {
    assert.deepEqual(microBatches(5, 2), [
      [0, 1],
      [1, 2],
      [3, 2],
    ]);
    assert.deepEqual(microBatches(32, 11), [
      [0, 10],
      [10, 11],
      [21, 11],
    ]);
    assert.deepEqual(microBatches(4, 9), [[0, 4]]);
    assert.throws(() => microBatches(4, 0), /m must be an integer ≥ 1/);
  });

  test('split gradients equal the whole batch’s; same rng stream', () => {
    const [a, b] = [tinyState(), tinyState()];
    const tensors = tf.memory().numTensors;
    const rngWhole = createRng(7);
    const whole = dsmGradients(a.score, x, { sigmas, rng: rngWhole });
    const next = rngWhole.uniform();
    const floor = gradFloor(whole.grads);
    for (const m of [2, 1]) {
      const rng = createRng(7);
      const split = dsmGradients(b.score, x, { sigmas, rng, microBatch: m });
      assert.equal(rng.uniform(), next, `rng stream, m ${m}`);
      assert.ok(maxRel(split.value, whole.value) < 1e-6, `loss, m ${m}`);
      assert.deepEqual(Object.keys(split.grads), Object.keys(whole.grads));
      for (const [k, g] of Object.entries(whole.grads))
        assert.ok(maxRel(split.grads[k], g, floor) < 1e-5, `${k}, m ${m}`);
      tf.dispose([split.value, split.grads]);
    }
    tf.dispose([whole.value, whole.grads]);
    assert.equal(tf.memory().numTensors, tensors, 'tensors leaked');
    [a, b].forEach(disposeState);
  });

  test('a split step makes the unsplit update (loss, weights, EMA)', () => {
    const [a, b] = [tinyState(), tinyState()];
    const tensors = tf.memory().numTensors;
    const opts = { sigmas, rng: createRng(9) };
    const whole = dsmStep(a.score, a.ema, x, opts);
    const split = dsmStep(b.score, b.ema, x, {
      sigmas,
      rng: createRng(9),
      microBatch: 2,
    });
    const rel = Math.abs(split.dsm_loss - whole.dsm_loss) / whole.dsm_loss;
    assert.ok(rel < 1e-6, `loss ${split.dsm_loss} vs ${whole.dsm_loss}`);
    for (const [k, v] of Object.entries(a.score.params)) {
      assert.ok(maxRel(b.score.params[k], v) < 1e-5, `weight ${k}`);
      assert.ok(maxRel(b.ema.weights[k], a.ema.weights[k]) < 1e-5, k);
    }
    assert.equal(tf.memory().numTensors, tensors, 'tensors leaked');
    [a, b].forEach(disposeState);
  });
});

describe('chooseMicroBatch', () => {
  const figures = { room: 1500, live: 100, perPass: 50, batch: 32 };

  test('the largest part that fits, evened out over the batch', () => {
    // room / 1.5 − live − 2·perPass = 800: 21 of 38 bytes fit; 32 in 2
    // parts of 16.
    assert.equal(chooseMicroBatch({ ...figures, perExample: 38 }), 16);
    // 12 of 65 fit: 3 parts of ≤ 11.
    assert.equal(chooseMicroBatch({ ...figures, perExample: 65 }), 11);
    assert.equal(chooseMicroBatch({ ...figures, perExample: 25 }), 32);
  });

  test('at least one example, at most the batch', () => {
    assert.equal(chooseMicroBatch({ ...figures, perExample: 1e9 }), 1);
    assert.equal(
      chooseMicroBatch({ ...figures, live: 2000, perExample: 1 }),
      1,
    );
    assert.equal(chooseMicroBatch({ ...figures, perExample: 1e-3 }), 32);
  });

  test('the heap limit less the margin by default', () => {
    const gib = 2 ** 30;
    const f = { batch: 128, live: 0, perPass: 0, perExample: 0.1 * gib };
    // (4 GiB − 64 MiB) / 1.5 = 2.64 GiB: 26 examples, 5 parts of ≤ 26.
    assert.equal(chooseMicroBatch(f), 26);
  });

  test('invalid figures name the values', () => {
    assert.throws(
      () => chooseMicroBatch({ ...figures, batch: 0, perExample: 1 }),
      /batch 0, perExample 1/,
    );
    assert.throws(
      () => chooseMicroBatch({ ...figures, perExample: 0 }),
      /perExample 0/,
    );
  });
});

describe('ACSM_MICRO_BATCH and the plan', () => {
  test('parseMicroBatch: unset, a whole number ≥ 1, else an error', () => {
    assert.equal(parseMicroBatch(undefined), undefined);
    assert.equal(parseMicroBatch(''), undefined);
    assert.equal(parseMicroBatch(' 8 '), 8);
    assert.throws(() => parseMicroBatch('0'), /whole number ≥ 1, got '0'/);
    assert.throws(() => parseMicroBatch('2.5'), /got '2.5'/);
  });

  test('a pass’s bytes grow linearly with its examples', async () => {
    const s = tinyState();
    const tensors = tf.memory().numTensors;
    const pass = await measurePassBytes(s.score, size);
    // At least x, z and x̃ of one example are live at the peak.
    assert.ok(pass.perExample >= 3 * 28 * 28 * 4, `${pass.perExample}`);
    const three = await measurePassPeak(s.score, size, 3);
    const predicted = pass.perPass + 3 * pass.perExample;
    assert.ok(Math.abs(three - predicted) <= 0.02 * three, `${three}`);
    assert.equal(tf.memory().numTensors, tensors, 'tensors leaked');
    disposeState(s);
  });

  test('the plan: the override, else the measured choice on wasm', async () => {
    const s = tinyState();
    process.env[MICRO_BATCH_ENV] = '3';
    try {
      const plan = await planMicroBatch(s.score, 8, size);
      assert.equal(plan.microBatch, 3);
      assert.match(plan.note ?? '', /batch 8 in 3 micro-batches of ≤ 3/);
    } finally {
      delete process.env[MICRO_BATCH_ENV];
    }
    const plan = await planMicroBatch(s.score, 8, size);
    assert.equal(plan.microBatch, 8);
    assert.match(plan.note ?? '', /batch 8 in one pass \(WebAssembly/);
    disposeState(s);
  });
});
