import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from './select';

test('by default the best backend that loads is wasm here', async () => {
  delete process.env.ACSM_BACKEND;
  const info = await initBackend();
  assert.equal(info.name, 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
  assert.equal(info.simd, true);
  assert.equal(info.threads, 1);
  assert.match(info.reason ?? '', /blob: URL/);
  assert.equal(await initBackend(), info);
  assert.ok(tf.getKernel('Conv2DBackpropFilter', 'wasm'));
  assert.ok(tf.getGradient('Conv2D'));
});
