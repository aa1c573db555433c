import assert from 'node:assert/strict';
import { test } from 'node:test';
import { guardWasmMalloc, HEAP_LIMIT, HEAP_MARGIN } from './wasm-guard';

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

test('guardWasmMalloc throws on a failed allocation', () => {
  const { wasm } = fakeModule(0, HEAP_LIMIT);
  assert.throws(() => wasm._malloc(16), /out of WebAssembly memory/);
});

test('guardWasmMalloc refuses, and frees, growth into the margin', () => {
  const limit = HEAP_LIMIT - HEAP_MARGIN;
  const { wasm, freed } = fakeModule(64, limit + 2 ** 16, limit);
  assert.throws(() => wasm._malloc(16), /heap at 4032 MB/);
  assert.deepEqual(freed, [64]);
  // Free room inside a heap that is already that large is used.
  assert.equal(fakeModule(64, limit + 2 ** 16).wasm._malloc(16), 64);
});
