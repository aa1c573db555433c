import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from './select';
import {
  guardWasmMalloc,
  HEAP_LIMIT,
  HEAP_MARGIN,
  wasmHeapMb,
} from './wasm-guard';

/**
 * A fake module whose malloc gives `at` and leaves the heap at `heap`
 * (from `start`, default the same).
 */
function fakeModule(at: number, heap: number, start = heap) {
  const freed: number[] = [];
  const buffer = { byteLength: start };
  const wasm = {
    _malloc: (_bytes: number) => -1,
    _free: (p: number) => void freed.push(p),
    asm: {
      malloc: () => {
        buffer.byteLength = heap;
        return at;
      },
    },
    wasmMemory: { buffer: buffer as ArrayBufferLike },
  };
  guardWasmMalloc(wasm);
  return { wasm, freed };
}

test('guardWasmMalloc passes an allocation with room left', () => {
  const { wasm, freed } = fakeModule(-8, 2 ** 31); // 2^32 - 8 unsigned
  assert.equal(wasm._malloc(16), 2 ** 32 - 8);
  assert.deepEqual(freed, []);
});

test('guardWasmMalloc throws on a failed allocation, with the sizes', () => {
  const { wasm } = fakeModule(0, HEAP_LIMIT);
  assert.throws(
    () => wasm._malloc(16),
    new RegExp(
      '^Error: out of WebAssembly memory: cannot allocate 16 bytes with ' +
        'the heap at 4096 MB \\(its limit is 4096 MB, less 64 MB kept ' +
        'for the kernels\\)$',
    ),
  );
});

test('guardWasmMalloc refuses, and frees, growth into the margin', () => {
  const limit = HEAP_LIMIT - HEAP_MARGIN;
  const { wasm, freed } = fakeModule(64, limit + 2 ** 16, limit);
  assert.throws(() => wasm._malloc(16), /heap at 4032 MB/);
  assert.deepEqual(freed, [64]);
  // Free room inside a heap that is already that large is used.
  assert.equal(fakeModule(64, limit + 2 ** 16).wasm._malloc(16), 64);
});

test('initBackend guards wasm: a tensor past the heap fails', async () => {
  process.env.ACSM_WASM_THREADS = '1';
  await initBackend({ backend: 'wasm' });
  const heapMb = wasmHeapMb();
  assert.ok(heapMb !== null && heapMb < 4096, `heap ${heapMb} MB`);
  const before = tf.memory().numTensors;
  // 4,278,190,080 bytes: more than the heap can ever hold.
  assert.throws(
    () => tf.zeros([1020 * 2 ** 20]),
    /out of WebAssembly memory: cannot allocate 4278190080 bytes/,
  );
  assert.equal(tf.memory().numTensors, before, 'tensors leaked');
  const sum = tf.tidy(() => tf.sum(tf.ones([1000])).dataSync()[0]);
  assert.equal(sum, 1000, 'the backend still computes');
});
