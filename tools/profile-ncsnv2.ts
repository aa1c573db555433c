// Profiles the NCSNv2 score network (28×28×1) on the WebAssembly backend:
// milliseconds per kernel and peak tensor memory of one forward pass and of
// one DSM training step (gradients of every trainable variable, no
// optimiser update). One warm-up run of each precedes the profiled one.
// The wasm heap's high-water mark covers all phases run so far: use
// --only for the heap of one phase.
//
//   npx tsx tools/profile-ncsnv2.ts [--ngf 16] [--batch 64]
//       [--forward-batch 100] [--only forward|train]
//
// A kernel that runs other kernels (this project's wasm training kernels)
// is listed with its own time only, and the kernels it runs as
// `Kernel > Inner`; an op scope (`name__op`, a custom gradient) adds its
// inner kernels under their own names. An Identity inside a kernel is the
// tape keeping a tensor for the gradient: `Identity (saved)`.
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { initBackend } from '@acsm/core';
import {
  disposeParams,
  ncsnv2,
  trainableVariables,
  type NCSNv2Network,
  type Params,
} from '@acsm/models';

const IMAGE_SIZE = 28;
const MB = 1e6;

interface Options {
  ngf: number;
  batch: number;
  forwardBatch: number;
  only: 'forward' | 'train' | null;
}

interface Row {
  calls: number;
  ms: number;
}

// ---------------------------------------------------------------- inputs

function parseOptions(argv: string[]): Options {
  const value = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i < 0 ? undefined : argv[i + 1];
  };
  const int = (name: string, fallback: number) => {
    const n = Number(value(name) ?? fallback);
    if (!Number.isInteger(n) || n < 1) {
      throw new Error(`profile-ncsnv2: --${name} must be >= 1, got ${n}`);
    }
    return n;
  };
  const only = value('only') ?? null;
  if (only !== null && only !== 'forward' && only !== 'train') {
    throw new Error(
      `profile-ncsnv2: --only must be forward or train, got ${only}`,
    );
  }
  return {
    ngf: int('ngf', 16),
    batch: int('batch', 64),
    forwardBatch: int('forward-batch', 100),
    only,
  };
}

/** Seeded noisy images x̃ = x + σz, with z and σ [N, 1, 1, 1]. */
function dsmBatch(n: number) {
  const shape = [n, IMAGE_SIZE, IMAGE_SIZE, 1];
  const x = tf.randomUniform(shape, 0, 1, 'float32', 1);
  const z = tf.randomNormal(shape, 0, 1, 'float32', 2);
  const sigma = tf.randomUniform([n, 1, 1, 1], 0.01, 1, 'float32', 3);
  const noisy = tf.add(x, tf.mul(sigma, z)) as tf.Tensor4D;
  x.dispose();
  sigma.dispose();
  return { noisy, z: z as tf.Tensor4D };
}

// ---------------------------------------------------------------- phases

/** One forward pass, its output read back. */
async function forwardOnce(
  net: NCSNv2Network,
  params: Params,
  x: tf.Tensor4D,
): Promise<void> {
  const y = net.apply(params, x);
  await y.data();
  y.dispose();
}

/**
 * One DSM step (Vincent 2011; NCSN form): gradients of
 * ½ mean_n Σ (f(x̃) + z)², f = σ·score, read back.
 */
async function trainOnce(
  net: NCSNv2Network,
  params: Params,
  batch: { noisy: tf.Tensor4D; z: tf.Tensor4D },
): Promise<void> {
  const { value, grads } = tf.variableGrads(() => {
    const r = tf.add(net.apply(params, batch.noisy), batch.z);
    return tf.mul(0.5, tf.mean(tf.sum(tf.square(r), [1, 2, 3]))) as tf.Scalar;
  }, trainableVariables(params));
  await Promise.all([
    value.data(),
    ...Object.values(grads).map((g) => g.data()),
  ]);
  tf.dispose([value, grads]);
}

/**
 * Profiles `run` after one unprofiled warm-up, printing wall time, peak
 * tensor bytes (absolute and above the start) and the kernel table.
 */
async function profilePhase(
  label: string,
  run: () => Promise<void>,
): Promise<void> {
  await run();
  const startBytes = tf.memory().numBytes;
  const depths: number[] = [];
  const t0 = performance.now();
  const info = await tf.profile(() => {
    recordDepths(depths);
    return run();
  });
  const wall = performance.now() - t0;
  const rows = kernelRows(info.kernels, depths);
  const total = [...rows.values()].reduce((s, r) => s + r.ms, 0);
  console.log(
    `\n${label}: wall ${wall.toFixed(0)} ms, kernels ${total.toFixed(0)} ` +
      `ms, peak ${(info.peakBytes / MB).toFixed(1)} MB ` +
      `(${((info.peakBytes - startBytes) / MB).toFixed(1)} MB above ` +
      `the start), ${info.newTensors} tensors left; wasm heap ` +
      `${(heapBytes() / MB).toFixed(0)} MB (its high-water mark so far)`,
  );
  printRows(rows, total);
}

/**
 * The WebAssembly heap's size: it grows to the most memory the process has
 * held at once and never shrinks. Unlike the profile's bytes it counts a
 * buffer shared by several tensors (Reshape, Identity) once.
 */
function heapBytes(): number {
  const { wasm } = tf.backend() as BackendWasm;
  return (wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8.byteLength;
}

// ---------------------------------------------------------------- kernels

/**
 * Makes the active profile record, for each kernel it lists, the kernel
 * depth it ran at: 0 at the top, d + 1 inside a kernel of depth d. Kernels
 * are listed as they finish, so a parent follows its inner kernels.
 */
function recordDepths(depths: number[]): void {
  const state = tf.engine().state;
  const kernels = state.activeProfile.kernels;
  const push = kernels.push.bind(kernels);
  kernels.push = (...items) => {
    for (let i = 0; i < items.length; i++) depths.push(state.kernelDepth);
    return push(...items);
  };
}

/**
 * Milliseconds and calls by name. A kernel's time excludes that of the
 * kernels it ran, which are named `Parent > Inner` (plain `Inner` when
 * the parent is an op scope `name__op`; `Identity (saved)` for a clone
 * that the tape keeps).
 */
function kernelRows(
  kernels: Awaited<ReturnType<typeof tf.profile>>['kernels'],
  depths: number[],
): Map<string, Row> {
  const names = kernels.map((k) => k.name);
  const ms = kernels.map((k) => k.kernelTimeMs as number);
  kernels.forEach((k, i) => {
    if (depths[i] === 0) return;
    let parent = i + 1;
    while (depths[parent] !== depths[i] - 1) parent++;
    ms[parent] -= k.kernelTimeMs as number; // its total, not its own
    const scope = kernels[parent].name.endsWith('__op');
    if (k.name === 'Identity') names[i] = 'Identity (saved)';
    else if (!scope) names[i] = `${kernels[parent].name} > ${k.name}`;
  });
  const rows = new Map<string, Row>();
  names.forEach((name, i) => {
    const row = rows.get(name) ?? { calls: 0, ms: 0 };
    row.calls += 1;
    row.ms += ms[i];
    rows.set(name, row);
  });
  return rows;
}

function printRows(rows: Map<string, Row>, total: number): void {
  const sorted = [...rows.entries()].sort((a, b) => b[1].ms - a[1].ms);
  const width = Math.max(6, ...sorted.map(([name]) => name.length));
  const head = ['calls', 'ms', '%', 'ms/call'].map((h) => h.padStart(8));
  console.log(`${'kernel'.padEnd(width)}${head.join('')}`);
  for (const [name, row] of sorted) {
    const cells = [
      String(row.calls),
      row.ms.toFixed(1),
      ((100 * row.ms) / (total || 1)).toFixed(1),
      (row.ms / row.calls).toFixed(2),
    ];
    console.log(name.padEnd(width) + cells.map((c) => c.padStart(8)).join(''));
  }
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const backend = await initBackend({ backend: 'wasm' });
  console.log(`backend ${JSON.stringify(backend)}`);
  const net = ncsnv2({
    ngf: options.ngf,
    channels: 1,
    imageSize: IMAGE_SIZE,
  });
  const params = net.init(0);

  if (options.only !== 'train') {
    const { noisy, z } = dsmBatch(options.forwardBatch);
    const label = `forward, batch ${options.forwardBatch}, ngf ${options.ngf}`;
    await profilePhase(label, () => forwardOnce(net, params, noisy));
    tf.dispose([noisy, z]);
  }

  if (options.only !== 'forward') {
    const batch = dsmBatch(options.batch);
    const label = `DSM step, batch ${options.batch}, ngf ${options.ngf}`;
    await profilePhase(label, () => trainOnce(net, params, batch));
    tf.dispose([batch.noisy, batch.z]);
  }

  disposeParams(params);
}

await main();
