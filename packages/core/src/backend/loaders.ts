// One loader per backend: each makes its backend the active one and says
// what it runs on, or throws with the reason it could not.
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { importOptional } from './optional';
import { registerWasmTrainingKernels } from './wasm-kernels';
import { startThreadedWasm } from './wasm-threads';

/** The compute backends, best first. */
export const BACKEND_NAMES = ['node-gpu', 'node', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/** What initBackend chose and how it runs. */
export interface BackendInfo {
  name: BackendName;
  /** Threads the backend computes on. */
  threads: number;
  /** Whether it uses SIMD instructions. */
  simd: boolean;
  /** Why it runs on fewer threads or lanes than the machine has. */
  reason?: string;
}

/** The optional native packages; both register the backend 'tensorflow'. */
const NATIVE_PACKAGES = {
  'node-gpu': '@tensorflow/tfjs-node-gpu',
  node: '@tensorflow/tfjs-node',
} as const;
type NativeName = keyof typeof NATIVE_PACKAGES;

const WASM_ONE_THREAD =
  'the threaded WebAssembly build needs SharedArrayBuffer (a ' +
  'cross-origin isolated page)';

/** The native package loaded in this process, if any. */
let nativeLoaded: NativeName | undefined;

export const loaders: Record<BackendName, () => Promise<BackendInfo>> = {
  'node-gpu': () => loadNative('node-gpu'),
  node: () => loadNative('node'),
  wasm: loadWasm,
  cpu: loadCpu,
};

async function loadNative(name: NativeName): Promise<BackendInfo> {
  if (nativeLoaded && nativeLoaded !== name) {
    throw new Error(
      `${NATIVE_PACKAGES[nativeLoaded]} is already loaded in this ` +
        `process, and only one of the two native packages can be`,
    );
  }
  await importOptional(NATIVE_PACKAGES[name]);
  nativeLoaded = name;
  await activate('tensorflow');
  // TensorFlow sizes its own thread pools to the cores; its builds use AVX.
  return { name, threads: availableParallelism(), simd: true };
}

/**
 * Runs `start` and then removes the process listeners that it added: the
 * Emscripten module of the wasm backend adds uncaughtException and
 * unhandledRejection listeners that re-throw from inside its one-line
 * source, so that Node would print that whole source with any crash.
 */
async function withoutAddedListeners<T>(start: () => Promise<T>): Promise<T> {
  const events = ['uncaughtException', 'unhandledRejection'] as const;
  type Listener = (...args: unknown[]) => void;
  const listeners = (e: (typeof events)[number]) =>
    process.listeners(e as 'uncaughtException') as Listener[];
  const before = events.map((e) => new Set(listeners(e)));
  try {
    return await start();
  } finally {
    events.forEach((e, i) => {
      for (const listener of listeners(e)) {
        if (!before[i].has(listener)) process.removeListener(e, listener);
      }
    });
  }
}

function loadWasm(): Promise<BackendInfo> {
  return withoutAddedListeners(startWasm);
}

async function startWasm(): Promise<BackendInfo> {
  registerWasmTrainingKernels();
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) as boolean;
  if (!tf.env().getBool('IS_NODE')) {
    await activate('wasm');
    const flag = 'WASM_HAS_MULTITHREAD_SUPPORT';
    if (await tf.env().getAsync(flag)) {
      return { name: 'wasm', threads: getThreadsCount(), simd };
    }
    return { name: 'wasm', threads: 1, simd, reason: WASM_ONE_THREAD };
  }
  const wanted = wasmThreads();
  let reason = wanted.reason;
  if (wanted.threads > 1 && simd) {
    try {
      return {
        name: 'wasm',
        threads: await startThreadedWasm(wanted.threads),
        simd,
      };
    } catch (err) {
      reason = `the threaded WebAssembly build did not start: ${(err as Error).message}`;
    }
  } else if (wanted.threads > 1) {
    reason = 'the threaded WebAssembly build needs SIMD, which this Node lacks';
  }
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  await activate('wasm');
  return { name: 'wasm', threads: 1, simd, reason };
}

/**
 * The thread count for WebAssembly: ACSM_WASM_THREADS when set (1 turns
 * threads off), else every core Node reports.
 */
export function wasmThreads(value = process.env.ACSM_WASM_THREADS): {
  threads: number;
  reason?: string;
} {
  if (value === undefined || value === '') {
    const threads = availableParallelism();
    return threads > 1
      ? { threads }
      : { threads, reason: 'this machine has one core' };
  }
  const threads = Number(value);
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) {
    throw new Error(
      `initBackend: ACSM_WASM_THREADS must be an integer from 1 to 64, ` +
        `got '${value}'`,
    );
  }
  return threads > 1
    ? { threads }
    : { threads, reason: 'ACSM_WASM_THREADS=1 asks for one thread' };
}

async function loadCpu(): Promise<BackendInfo> {
  await activate('cpu');
  const reason = 'the pure-JS backend computes on one thread, without SIMD';
  return { name: 'cpu', threads: 1, simd: false, reason };
}

async function activate(backendName: string): Promise<void> {
  if (!(await tf.setBackend(backendName))) {
    throw new Error(`tf.setBackend('${backendName}') could not start it`);
  }
  await tf.ready();
}
