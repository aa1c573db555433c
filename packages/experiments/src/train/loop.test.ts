import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@acsm/core';
import type { ImageDataset } from '@acsm/data';
import type { ExperimentConfig } from '../config';
import { resolveCells } from '../runner/resolve';
import { table2 } from '../definitions/table2';
import { NonFiniteLossError, trainLoop, type TrainLoopOptions } from './loop';
import {
  disposeState,
  initialState,
  readCheckpointInto,
  type TrainState,
} from './state';

before(async () => {
  await initBackend({ backend: 'wasm' });
});

/** A tiny config: ngf 2 on 28×28 digits, batch 2. */
function tinyConfig(kind: 'dsm' | 'hybrid', iterations: number) {
  const cell = resolveCells(table2, 'smoke', {}).find(
    (c) => c.spec.training === kind,
  )!;
  const config = structuredClone(cell.config) as ExperimentConfig;
  config.model.ngf = 2;
  config.model.discriminatorCh = 2;
  config.training.iterations = iterations;
  config.training.batchSize = 2;
  config.training.checkpointEvery = 2;
  config.training.logEvery = 1;
  return config;
}

function fakeDigits(n: number): ImageDataset {
  const images = new Float32Array(n * 28 * 28);
  for (let i = 0; i < images.length; i++) images[i] = ((i * 7919) % 97) / 96;
  return {
    images,
    labels: new Uint8Array(n),
    shape: [n, 28, 28, 1],
    source: 'test',
    split: 'train',
    checksum: 'test',
    sourceChecksum: 'test',
  };
}

function options(config: ExperimentConfig, dir: string): TrainLoopOptions {
  return {
    config,
    dataset: fakeDigits(8),
    sigmas: [4, 1, 0.25],
    configHash: 'test-hash',
    checkpointDir: dir,
    onLog: () => undefined,
    onCheckpoint: () => undefined,
    onProgress: () => undefined,
  };
}

const weightsOf = (s: TrainState) =>
  Object.fromEntries(
    Object.entries(s.ema.weights).map(([k, v]) => [k, v.dataSync().slice()]),
  );

for (const kind of ['dsm', 'hybrid'] as const) {
  test(`${kind}: a resumed run equals an uninterrupted one`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'acsm-train-'));
    try {
      const config = tinyConfig(kind, 4);
      const straight = initialState(config, [28, 28, 1]);
      await trainLoop(straight, options(config, join(dir, 'a')));
      // Stop after 2 steps (a checkpoint), then resume in a fresh state.
      const first = initialState(config, [28, 28, 1]);
      const half = {
        ...config,
        training: { ...config.training, iterations: 2 },
      };
      await trainLoop(first, options(half, join(dir, 'b')));
      disposeState(first);
      const resumed = initialState(config, [28, 28, 1]);
      await readCheckpointInto(join(dir, 'b'), resumed, 'test-hash');
      assert.equal(resumed.step, 2);
      await trainLoop(resumed, options(config, join(dir, 'b')));
      assert.deepEqual(weightsOf(resumed), weightsOf(straight));
      disposeState(straight);
      disposeState(resumed);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('a NaN loss stops training naming the step and the term', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'acsm-train-'));
  try {
    const config = tinyConfig('dsm', 3);
    const state = initialState(config, [28, 28, 1]);
    const bad = fakeDigits(8);
    bad.images[5] = NaN;
    await assert.rejects(
      trainLoop(state, { ...options(config, dir), dataset: bad }),
      (e: Error) =>
        e instanceof NonFiniteLossError || /must be finite|NaN/.test(e.message),
    );
    disposeState(state);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('exploding weights stop training with NonFiniteLossError', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'acsm-train-'));
  try {
    const config = tinyConfig('dsm', 3);
    const state = initialState(config, [28, 28, 1]);
    const name = Object.keys(state.score.trainable)[0];
    state.score.trainable[name].assign(
      tf.fill(state.score.trainable[name].shape, Infinity),
    );
    await assert.rejects(
      trainLoop(state, options(config, dir)),
      (e: Error) =>
        e instanceof NonFiniteLossError &&
        e.step === 0 &&
        e.term === 'dsm_loss' &&
        /training stopped at step 0: dsm_loss is NaN/.test(e.message),
    );
    disposeState(state);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('training leaks no tensors over 10 iterations', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'acsm-train-'));
  try {
    for (const kind of ['dsm', 'hybrid'] as const) {
      const config = tinyConfig(kind, 10);
      config.training.checkpointEvery = 100;
      const state = initialState(config, [28, 28, 1]);
      await trainLoop(state, {
        ...options(
          { ...config, training: { ...config.training, iterations: 1 } },
          dir,
        ),
      });
      const before = tf.memory().numTensors;
      await trainLoop(state, options(config, dir));
      assert.equal(tf.memory().numTensors, before, kind);
      disposeState(state);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
