// Backend selection at start-up: the best backend that loads, or the one
// that ACSM_BACKEND (or an option) forces. The library prints nothing: the
// caller logs the returned BackendInfo.
import * as tf from '@tensorflow/tfjs-core';
import { registerTrainingGradients } from './gradients';
import { guardWasmMalloc } from './wasm-guard';
import {
  BACKEND_NAMES,
  type BackendInfo,
  type BackendName,
  loaders,
  wasmThreads,
} from './loaders';

/** Backends tried in order when none is forced; cpu only when forced. */
const AUTO_ORDER: readonly BackendName[] = ['node-gpu', 'node', 'wasm'];

export interface BackendOptions {
  /**
   * The backend to force: one of BACKEND_NAMES. Default: the environment
   * variable ACSM_BACKEND; when that is unset or empty, the first of
   * node-gpu, node, wasm that loads.
   */
  backend?: string;
}

/** The selection under way or done in this process. */
let selection: Promise<BackendInfo> | undefined;

/**
 * Chooses, activates and prepares the compute backend for training (wasm:
 * training kernels and the guard of its allocations; gradient functions),
 * once per process: a second call returns the same info, and fails if it
 * forces a different backend. Silences tfjs's own console messages
 * (production mode).
 */
export async function initBackend(
  options: BackendOptions = {},
): Promise<BackendInfo> {
  const forced = parseBackendName(options.backend ?? process.env.ACSM_BACKEND);
  if (!selection) {
    selection = select(forced);
    selection.catch(() => (selection = undefined));
  }
  const info = await selection;
  if (forced && forced !== info.name) {
    throw new Error(
      `initBackend: the backend is already '${info.name}' in this ` +
        `process; cannot switch to '${forced}'`,
    );
  }
  return info;
}

/**
 * Parses a backend name; undefined or '' means "not forced". Fails on an
 * unknown name, listing the known ones.
 */
export function parseBackendName(
  value: string | undefined,
): BackendName | undefined {
  if (value === undefined || value === '') return undefined;
  if ((BACKEND_NAMES as readonly string[]).includes(value)) {
    return value as BackendName;
  }
  throw new Error(
    `initBackend: unknown backend '${value}' (from ACSM_BACKEND or the ` +
      `backend option); expected one of ${BACKEND_NAMES.join(', ')}`,
  );
}

async function select(forced: BackendName | undefined): Promise<BackendInfo> {
  wasmThreads(); // a bad ACSM_WASM_THREADS fails here, on its own
  tf.enableProdMode();
  const info = forced ? await loadForced(forced) : await loadBest();
  if (info.name === 'wasm') guardWasmMalloc();
  await registerTrainingGradients();
  return info;
}

async function loadForced(name: BackendName): Promise<BackendInfo> {
  try {
    return await loaders[name]();
  } catch (err) {
    throw new Error(
      `initBackend: the forced backend '${name}' could not load: ` +
        (err as Error).message,
    );
  }
}

async function loadBest(): Promise<BackendInfo> {
  const failures: string[] = [];
  for (const name of AUTO_ORDER) {
    try {
      return await loaders[name]();
    } catch (err) {
      failures.push(`${name}: ${(err as Error).message}`);
    }
  }
  throw new Error(
    `initBackend: no backend loaded (${failures.join('; ')}); the ` +
      `pure-JS backend is too slow to pick by default: force it with ` +
      `ACSM_BACKEND=cpu`,
  );
}
