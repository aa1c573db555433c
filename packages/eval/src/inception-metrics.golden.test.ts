import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { createRng } from '@acsm/core';
import type { ImageShape } from '@acsm/data';
import {
  inceptionReferenceStats,
  measureInception,
  sampleFeatures,
} from './inception-metrics';
import { FidInception, loadFidInception } from './inception/fid-inception';
import { Golden, goldenUnavailable, runGolden } from './inception/testing';
import { loadInceptionStats, saveInceptionStats } from './stats-file';

// The metric layer on the real network architecture, with the seeded
// random weights of tools/inception_golden.py (no download). A handful of
// images: ~0.8 s each on wasm; their FIDs are rank-deficient (n ≤ 2048).
await tf.setBackend('wasm');
const skip = goldenUnavailable();
const golden: Golden | undefined = skip ? undefined : runGolden('network');
const dir = mkdtempSync(join(tmpdir(), 'acsm-inception-metrics-'));
let net: FidInception | undefined;
after(() => {
  net?.dispose();
  golden?.remove();
  rmSync(dir, { recursive: true, force: true });
});

const N = 5;

/** n random 32×32 RGB images as bytes, blocky so they look like images. */
function images(n: number, seed: number) {
  const rng = createRng(seed);
  const bytes = new Uint8Array(n * 32 * 32 * 3);
  for (let i = 0; i < n; i++) {
    const tint = [0, 1, 2].map(() => 255 * rng.uniform());
    for (let p = 0; p < 32 * 32; p++) {
      const block = ((p >> 7) ^ (p & 31)) >> 3;
      for (let c = 0; c < 3; c++) {
        const v = (tint[c] + 40 * block + 60 * rng.uniform()) % 256;
        bytes[(i * 1024 + p) * 3 + c] = v;
      }
    }
  }
  const shape: ImageShape = [n, 32, 32, 3];
  return { bytes, shape };
}

function reversed(x: ReturnType<typeof images>) {
  const size = 32 * 32 * 3;
  const bytes = new Uint8Array(x.bytes.length);
  for (let i = 0; i < N; i++) {
    bytes.set(x.bytes.subarray(i * size, (i + 1) * size), (N - 1 - i) * size);
  }
  return { bytes, shape: x.shape };
}

const split = { dataset: 'images:golden', split: 'all', splitSize: N };
const a = images(N, 1);
const b = images(N, 2);

test('golden metrics: load the random-weight network', { skip }, async () => {
  const w = golden!.manifest.files.weights;
  net = await loadFidInception({
    weightsPath: golden!.path(w.file),
    cacheDir: join(dir, 'cache'),
    sha256: w.sha256,
  });
});

test('golden metrics: FID of a set against itself < 1e-6', { skip }, (t) => {
  const before = tf.memory().numTensors;
  const progress: number[] = [];
  const stats = inceptionReferenceStats(net!, a, split, {
    batchSize: 2,
    onProgress: (p) => progress.push(p.done / p.total),
  });
  assert.deepEqual(progress, [0.4, 0.8, 1]);
  assert.equal(stats.meta!.n, N);
  assert.equal(stats.meta!.weightsSha256, net!.weightsSha256);
  assert.deepEqual(stats.meta!.imageShape, [32, 32, 3]);
  const m = measureInception(net!, a, stats, { seed: 1, splits: N });
  assert.equal(tf.memory().numTensors, before);
  t.diagnostic(`self FID ${m.fid.toExponential(2)}`);
  assert.ok(Math.abs(m.fid) < 1e-6, `fid ${m.fid}`);
  assert.equal(m.rankDeficient, true);
  assert.equal(m.comparable, false);
  assert.equal(m.notes.length, 3, m.notes.join('; ')); // weights, rank, n
  assert.ok(m.inceptionScore.mean >= 1 && m.inceptionScore.n === N);
});

test(
  'golden metrics: invariant to sample order and batch size',
  { skip },
  (t) => {
    const byOne = inceptionReferenceStats(net!, a, split, { batchSize: 1 });
    const byAll = inceptionReferenceStats(net!, a, split, { batchSize: N });
    const diff = byOne.cov.reduce(
      (m, v, i) => Math.max(m, Math.abs(v - byAll.cov[i])),
      0,
    );
    const fid = (samples: ReturnType<typeof images>, batchSize: number) =>
      measureInception(net!, samples, byAll, { seed: 1, splits: N, batchSize })
        .fid;
    const forward = fid(b, N);
    const backward = fid(reversed(b), 2);
    t.diagnostic(
      `FID ${forward.toFixed(6)} ` +
        `(reversed, batch 2: ${backward.toFixed(6)}); ` +
        `cov max diff, batch 1 vs ${N}: ${diff.toExponential(2)}`,
    );
    assert.ok(forward > 1e-3, `fid ${forward}`);
    assert.ok(Math.abs(forward - backward) < 1e-6 * forward);
    assert.ok(diff < 1e-6, `cov diff ${diff}`);
  },
);

test('golden metrics: 2048-d statistics survive the file', { skip }, () => {
  const stats = inceptionReferenceStats(net!, a, split, { batchSize: N });
  const path = join(dir, 'a.npz');
  saveInceptionStats(path, stats);
  const back = loadInceptionStats(path);
  assert.deepEqual(back.meta, stats.meta);
  const features = sampleFeatures(net!, b, { batchSize: N });
  assert.equal(features.pool3.length, N * 2048);
  assert.equal(features.grayscale, false);
});
