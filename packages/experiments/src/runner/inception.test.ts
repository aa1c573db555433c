import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { createRng } from '@acsm/core';
import { contentChecksum, type ImageDataset } from '@acsm/data';
import type { ExperimentConfig } from '../config';
import { resolveCells } from './resolve';
import { table2 } from '../definitions/table2';
import type { RunContext } from './context';
import { inceptionEvaluator } from './inception';

// The runner's Inception metric on the real architecture with the seeded
// random weights of packages/eval/tools/inception_golden.py: a dozen
// images, ~0.5 s each on WebAssembly.
const root = join(import.meta.dirname, '..', '..', '..', '..');
const SCRIPT = join(root, 'packages/eval/tools/inception_golden.py');
const PYTHON = '/usr/bin/python3';
const probe = spawnSync(PYTHON, ['-c', 'import torch, torchvision']);
const skip =
  probe.status === 0
    ? undefined
    : `${PYTHON} cannot import torch and torchvision`;
const dir = mkdtempSync(join(tmpdir(), 'acsm-runner-inception-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function dataset(n: number, seed: number): ImageDataset {
  const rng = createRng(seed);
  const images = Float32Array.from({ length: n * 32 * 32 * 3 }, () =>
    rng.uniform(),
  );
  const labels = new Uint8Array(n);
  return {
    images,
    labels,
    shape: [n, 32, 32, 3],
    source: 'test',
    split: 'train',
    checksum: contentChecksum(images, labels),
    sourceChecksum: 'test',
  };
}

const quiet = { info() {}, warn() {}, error() {}, result() {} };

test(
  'fid_inception: FID and IS per output, statistics cached',
  {
    skip,
  },
  async () => {
    await tf.setBackend('wasm');
    const golden = join(dir, 'golden');
    const r = spawnSync(PYTHON, [SCRIPT, 'network', golden], {
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    const manifest = JSON.parse(
      readFileSync(join(golden, 'manifest.json'), 'utf8'),
    );
    process.env['ACSM_INCEPTION_WEIGHTS'] = join(
      golden,
      manifest.files.weights.file,
    );
    process.env['ACSM_INCEPTION_SHA256'] = manifest.files.weights.sha256;
    const ctx = { cacheDir: join(dir, 'cache'), logger: quiet, timings: {} };
    const cell = resolveCells(table2, 'paper', {})[0];
    const config: ExperimentConfig = cell.config;
    const train = dataset(12, 1);
    const evaluator = await inceptionEvaluator(
      ctx as unknown as RunContext,
      config,
      train,
    );
    try {
      const samples = dataset(10, 2);
      const m = evaluator.measure(samples);
      assert.equal(m.nGenerated, 10);
      assert.ok(Number.isFinite(m.value) && m.value > 0, String(m.value));
      const is = m.metrics['inception_score'];
      assert.ok(is >= 1 && is <= 1008, String(is));
      // Test weights and 10 samples: never comparable, and it says why.
      assert.equal(m.metrics['fid_comparable'], 0);
      assert.match(m.tags!['acsm.fid.notes'], /10000|10 000|weights/);
      assert.equal(evaluator.metrics['n_reference'], 12);
      // The same images as the reference: FID ≈ 0 (rank-deficient route).
      assert.ok(Math.abs(evaluator.measure(train).value) < 1e-6);
    } finally {
      evaluator.dispose();
    }
    const folder = join(dir, 'cache', 'inception-stats');
    const stats = readdirSync(folder);
    assert.equal(stats.length, 1);
    const written = statSync(join(folder, stats[0])).mtimeMs;
    // A second evaluator loads the statistics instead of recomputing them.
    const again = await inceptionEvaluator(
      ctx as unknown as RunContext,
      config,
      train,
    );
    again.dispose();
    assert.equal(statSync(join(folder, stats[0])).mtimeMs, written);
  },
);
