import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from './select';
import { wasmThreads } from './loaders';

const fixture = fileURLToPath(
  new URL('./fixtures/init-and-exit.ts', import.meta.url),
);

/** Runs the fixture in a fresh Node with `env` added; its JSON line. */
async function initInChild(env: Record<string, string>) {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', fixture],
    { env: { ...process.env, ACSM_BACKEND: '', ...env }, timeout: 60_000 },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as {
    name: string;
    threads: number;
    reason?: string;
    sum: number;
  };
}

test('by default the best backend that loads is wasm, on every core', async () => {
  delete process.env.ACSM_BACKEND;
  delete process.env.ACSM_WASM_THREADS;
  const info = await initBackend();
  assert.equal(info.name, 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
  assert.equal(info.simd, true);
  const cores = availableParallelism();
  assert.equal(info.threads, cores);
  if (cores > 1) assert.equal(info.reason, undefined);
  assert.equal(await initBackend(), info);
  assert.ok(tf.getKernel('Conv2DBackpropFilter', 'wasm'));
  assert.ok(tf.getGradient('Conv2D'));
});

test('threaded and one-thread wasm compute the same; both processes end', async () => {
  // execFile's timeout kills a process that its pool's threads keep alive.
  const threaded = await initInChild({});
  const single = await initInChild({ ACSM_WASM_THREADS: '1' });
  assert.equal(threaded.threads, availableParallelism());
  assert.equal(single.threads, 1);
  assert.match(single.reason ?? '', /ACSM_WASM_THREADS=1/);
  assert.ok(Math.abs(threaded.sum - single.sum) <= 1e-5 * single.sum);
});

test('ACSM_WASM_THREADS: a count from 1 to 64, else a clear error', () => {
  assert.deepEqual(wasmThreads('3'), { threads: 3 });
  assert.equal(wasmThreads('1').threads, 1);
  assert.equal(wasmThreads('').threads, availableParallelism());
  for (const bad of ['0', '-2', '2.5', 'two', '65']) {
    assert.throws(
      () => wasmThreads(bad),
      new RegExp(
        `ACSM_WASM_THREADS must be an integer from 1 to 64, got '${bad}'`,
      ),
    );
  }
});
