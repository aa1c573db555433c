import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  truncateSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { inceptionWeights } from './convert';
import { FidInception, loadFidInception } from './fid-inception';
import { GRAYSCALE_NOTE } from './preprocess';
import { LOGITS_DIM, POOL3_DIM } from './spec';
import {
  Golden,
  goldenUnavailable,
  maxRelativeDiff,
  runGolden,
} from './testing';
import { readStateDict } from './torch-checkpoint';
import { FID_INCEPTION_FILE, loadInceptionWeights } from './weights';

// The golden test: PyTorch's FID-variant Inception3 with seeded random
// weights and BN statistics (tools/inception_golden.py) against ours on
// the same .pth and the same images, through the whole input pipeline.
await tf.setBackend('wasm');
const skip = goldenUnavailable();
const golden: Golden | undefined = skip ? undefined : runGolden('network');
const cacheDir = mkdtempSync(join(tmpdir(), 'acsm-inception-cache-'));
let net: FidInception | undefined;
after(() => {
  net?.dispose();
  golden?.remove();
  rmSync(cacheDir, { recursive: true, force: true });
});

/** Relative errors stay well under 1e-4, the bar of the golden test. */
const TOLERANCE = 1e-4;

test('golden: the torch script ran', { skip }, (t) => {
  const w = golden!.manifest.files.weights;
  assert.match(w.sha256, /^[0-9a-f]{64}$/);
  t.diagnostic(`golden script: ${golden!.seconds.toFixed(1)} s`);
});

test('golden: the .pth is read, converted and cached', { skip }, async (t) => {
  const w = golden!.manifest.files.weights;
  const started = performance.now();
  net = await loadFidInception({
    weightsPath: golden!.path(w.file),
    cacheDir,
    sha256: w.sha256,
  });
  const first = (performance.now() - started) / 1000;
  assert.equal(net.weightsSha256, w.sha256);
  assert.equal(net.weightsSource, 'checkpoint');
  const again = performance.now();
  const cached = await loadInceptionWeights({
    weightsPath: golden!.path(w.file),
    cacheDir,
    sha256: w.sha256,
  });
  const second = (performance.now() - again) / 1000;
  assert.equal(cached.source, 'cache');
  // A damaged cache is converted again from the .pth.
  const bin = cached.path.replace(/\.json$/, '.bin');
  truncateSync(bin, 1000);
  const redone = await loadInceptionWeights({
    weightsPath: golden!.path(w.file),
    cacheDir,
    sha256: w.sha256,
  });
  assert.equal(redone.source, 'checkpoint');
  t.diagnostic(
    `load: .pth ${first.toFixed(2)} s, cache ${second.toFixed(2)} s`,
  );
});

for (const [set, batchSize] of [
  ['rgb', 1],
  ['gray', 4],
] as const) {
  test(`golden: ${set} pool3 and logits match PyTorch`, { skip }, (t) => {
    const input = golden!.array(`${set}_input`);
    const images = {
      images: input.values,
      shape: input.shape as [number, number, number, number],
    };
    const before = tf.memory().numTensors;
    const started = performance.now();
    const out = net!.features(images, { batchSize });
    const seconds = (performance.now() - started) / 1000;
    assert.equal(tf.memory().numTensors, before);
    const n = input.shape[0];
    assert.equal(out.n, n);
    assert.equal(out.pool3.length, n * POOL3_DIM);
    assert.equal(out.logits.length, n * LOGITS_DIM);
    const pool3 = maxRelativeDiff(
      out.pool3,
      golden!.array(`${set}_pool3`).values,
    );
    const logits = maxRelativeDiff(
      out.logits,
      golden!.array(`${set}_logits`).values,
    );
    t.diagnostic(
      `${set}: ${n} images in ${seconds.toFixed(2)} s, max rel. diff ` +
        `pool3 ${pool3.toExponential(2)}, logits ${logits.toExponential(2)}`,
    );
    assert.ok(pool3 < TOLERANCE, `pool3 ${pool3}`);
    assert.ok(logits < TOLERANCE, `logits ${logits}`);
    if (set === 'rgb') {
      assert.deepEqual([out.comparable, out.note], [true, undefined]);
    } else {
      assert.deepEqual([out.comparable, out.note], [false, GRAYSCALE_NOTE]);
    }
  });
}

test('golden: the legacy-format copy holds the same weights', { skip }, () => {
  const zip = inceptionWeights(
    readStateDict(readFileSync(golden!.path('fid_inception_random.pth'))),
  );
  const legacy = inceptionWeights(
    readStateDict(
      readFileSync(golden!.path('fid_inception_random_legacy.pth')),
    ),
  );
  assert.deepEqual(Object.keys(legacy), Object.keys(zip));
  for (const name of Object.keys(zip)) {
    assert.deepEqual(legacy[name].shape, zip[name].shape, name);
    assert.deepEqual(legacy[name].values, zip[name].values, name);
  }
});

test(
  'golden: download from an injected url (127.0.0.1)',
  { skip },
  async () => {
    const w = golden!.manifest.files.weights;
    const body = readFileSync(golden!.path(w.file));
    const server = createServer((_req, res) => res.end(body));
    await new Promise<void>((resolve) =>
      server.listen(0, '127.0.0.1', resolve),
    );
    const { port } = server.address() as AddressInfo;
    try {
      const loaded = await loadInceptionWeights({
        cacheDir,
        download: true,
        url: `http://127.0.0.1:${port}/${FID_INCEPTION_FILE}`,
        sha256: w.sha256.slice(0, 8), // a prefix: torch.hub's check
      });
      assert.equal(loaded.sha256, w.sha256);
      assert.ok(existsSync(join(cacheDir, FID_INCEPTION_FILE)));
      assert.equal(loaded.source, 'cache'); // converted before, same hash
    } finally {
      server.close();
    }
  },
);
