// Forcing a backend. The order matters: a failed initBackend leaves the
// process free to try again, a successful one fixes its backend.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, parseBackendName } from './select';

test('an unknown backend fails, listing the known ones', async () => {
  await assert.rejects(
    initBackend({ backend: 'gpu' }),
    /unknown backend 'gpu'.*node-gpu, node, wasm, cpu/,
  );
  assert.throws(() => parseBackendName('WASM'), /expected one of/);
  assert.equal(parseBackendName(''), undefined);
});

test('ACSM_BACKEND is read when no option is given', async () => {
  process.env.ACSM_BACKEND = 'tpu';
  try {
    await assert.rejects(initBackend(), /unknown backend 'tpu'/);
  } finally {
    delete process.env.ACSM_BACKEND;
  }
});

test('forcing node fails clearly when tfjs-node is not installed', async () => {
  await assert.rejects(
    initBackend({ backend: 'node' }),
    /forced backend 'node' could not load: @tensorflow\/tfjs-node is not/,
  );
  await assert.rejects(
    initBackend({ backend: 'node-gpu' }),
    /'node-gpu' could not load: @tensorflow\/tfjs-node-gpu is not/,
  );
});

test('forcing cpu works, once per process', async () => {
  const info = await initBackend({ backend: 'cpu' });
  assert.deepEqual(
    { name: info.name, threads: info.threads, simd: info.simd },
    { name: 'cpu', threads: 1, simd: false },
  );
  assert.equal(tf.getBackend(), 'cpu');
  assert.equal(await initBackend(), info);
  assert.equal(await initBackend({ backend: 'cpu' }), info);
  await assert.rejects(
    initBackend({ backend: 'wasm' }),
    /already 'cpu'.*cannot switch to 'wasm'/,
  );
});
