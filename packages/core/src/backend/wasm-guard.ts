// The WebAssembly backend's heap: its size, and a guard that makes a full
// heap fail a step instead of corrupting it (initBackend installs it
// whenever it chooses wasm).
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

type Memory = { buffer: ArrayBufferLike };

/**
 * The WebAssembly module as the guard sees it. The threaded build imports
 * its memory (wasmMemory), the single-threaded one exports it (asm.memory).
 */
export interface WasmModule {
  _malloc: (bytes: number) => number;
  _free: (at: number) => void;
  asm: { malloc: (bytes: number) => number; memory?: Memory };
  wasmMemory?: Memory;
}

/** The heap's limit (the build's maximum memory) and the room we keep. */
export const HEAP_LIMIT = 2 ** 32;
export const HEAP_MARGIN = 2 ** 26;

function activeModule(): WasmModule | null {
  if (tf.getBackend() !== 'wasm') return null;
  return (tf.backend() as BackendWasm).wasm as unknown as WasmModule;
}

/** The module's memory, whichever build it is. */
function memoryOf(wasm: WasmModule): Memory {
  const memory = wasm.wasmMemory ?? wasm.asm.memory;
  if (memory) return memory;
  throw new Error(
    'guardWasmMalloc: the WebAssembly module has neither wasmMemory ' +
      'nor asm.memory',
  );
}

/** The WebAssembly heap in MB (2^20 bytes), or null on another backend. */
export function wasmHeapMb(): number | null {
  const wasm = activeModule();
  return wasm ? memoryOf(wasm).buffer.byteLength / 2 ** 20 : null;
}

/**
 * Makes `wasm` (default the active backend's module, if wasm) fail on a
 * full heap: tfjs-backend-wasm 4.22 does not check `_malloc`, so past its
 * 4 GiB heap it writes tensors at address 0 and corrupts the heap (a step
 * then never ends). A tensor that grows the heap past HEAP_LIMIT less
 * HEAP_MARGIN is refused too: the kernels' own allocations, which nothing
 * checks either, need room.
 */
export function guardWasmMalloc(wasm = activeModule()): void {
  if (!wasm) return;
  // The raw export: the module's `_malloc` replaces itself on first use.
  const malloc = wasm.asm.malloc;
  const memory = memoryOf(wasm);
  wasm._malloc = (bytes: number) => {
    const before = memory.buffer.byteLength;
    const at = malloc(bytes) >>> 0;
    const heap = memory.buffer.byteLength;
    const grewPast = heap > before && heap > HEAP_LIMIT - HEAP_MARGIN;
    if (at !== 0 && !grewPast) return at;
    if (at !== 0) wasm._free(at);
    throw new Error(
      `out of WebAssembly memory: cannot allocate ${bytes} bytes with ` +
        `the heap at ${(heap / 2 ** 20).toFixed(0)} MB (its limit is ` +
        `${HEAP_LIMIT / 2 ** 20} MB, less ${HEAP_MARGIN / 2 ** 20} MB ` +
        `kept for the kernels)`,
    );
  };
}
