// Noise schedules σ_1 > σ_2 > … > σ_L and the rules that choose them.
import * as tf from '@tensorflow/tfjs-core';

import { normalCdf } from './normal';
import {
  checkFinite,
  checkInteger,
  checkOpenInterval,
  checkPositive,
  checkSigmas,
  fail,
} from './validate';

/** σ_i = σ_1 γ^(i−1), γ = (σ_L/σ_1)^(1/(L−1)); arXiv:2009.05475 §2. */
export function geometricSigmas(
  sigmaMax: number,
  sigmaMin: number,
  numLevels: number,
): number[] {
  const fn = 'geometricSigmas';
  checkPositive(fn, 'sigmaMin', sigmaMin);
  checkPositive(fn, 'sigmaMax', sigmaMax);
  if (!(sigmaMax > sigmaMin)) {
    fail(fn, `sigmaMax must be > sigmaMin=${sigmaMin}, got ${sigmaMax}`);
  }
  checkInteger(fn, 'numLevels', numLevels, 2);
  const logRatio = Math.log(sigmaMin / sigmaMax);
  return Array.from({ length: numLevels }, (_, i) =>
    i === numLevels - 1
      ? sigmaMin
      : sigmaMax * Math.exp((logRatio * i) / (numLevels - 1)),
  );
}

/**
 * CAS grid refinement for nσ > 1 (arXiv:2009.05475, consistent annealed
 * sampling): nσ − 1 geometric levels between each pair of neighbours, so
 * L levels become (L − 1)·nσ + 1 and γ becomes γ^(1/nσ).
 */
export function refineSigmas(
  sigmas: readonly number[],
  stepsPerLevel: number,
): number[] {
  checkSigmas('refineSigmas', sigmas, 1);
  checkInteger('refineSigmas', 'stepsPerLevel', stepsPerLevel, 1);
  const refined: number[] = [];
  for (let i = 0; i + 1 < sigmas.length; i++) {
    const ratio = sigmas[i + 1] / sigmas[i];
    for (let k = 0; k < stepsPerLevel; k++) {
      refined.push(sigmas[i] * ratio ** (k / stepsPerLevel));
    }
  }
  refined.push(sigmas[sigmas.length - 1]);
  return refined;
}

/** Options of `numLevelsTechnique2`. */
export interface Technique2Options {
  /** Data dimension D = H·W·C. */
  readonly dim: number;
  /** σ_1. */
  readonly sigmaMax: number;
  /** σ_L. */
  readonly sigmaMin: number;
  /** Target overlap C between neighbouring levels, default 0.5. */
  readonly c?: number;
}

/** The ratio r, L = log(σ_L/σ_1)/log(r), and L rounded up. */
export interface Technique2Result {
  readonly ratio: number;
  readonly numLevelsExact: number;
  readonly numLevels: number;
}

/** Overlap of neighbouring levels at ratio r (Song & Ermon 2020, Tech. 2). */
function levelOverlap(r: number, dim: number): number {
  const a = Math.sqrt(2 * dim) * (r - 1);
  return normalCdf(a + 3 * r) - normalCdf(a - 3 * r);
}

/**
 * Number of levels by Technique 2 of Song & Ermon 2020 (arXiv:2006.09011):
 * r minimises (Φ(√(2D)(r−1)+3r) − Φ(√(2D)(r−1)−3r) − C)², found by
 * bisection since the overlap increases in r; PAPER.md §8.
 */
export function numLevelsTechnique2(
  options: Technique2Options,
): Technique2Result {
  const { dim, sigmaMax, sigmaMin, c = 0.5 } = options;
  const fn = 'numLevelsTechnique2';
  checkInteger(fn, 'dim', dim, 1);
  checkPositive(fn, 'sigmaMin', sigmaMin);
  if (!(sigmaMax > sigmaMin)) {
    fail(fn, `sigmaMax must be > sigmaMin=${sigmaMin}, got ${sigmaMax}`);
  }
  checkOpenInterval(fn, 'c', c, [0, levelOverlap(1, dim)]);
  let [lo, hi] = [0, 1];
  for (let k = 0; k < 100; k++) {
    const mid = (lo + hi) / 2;
    if (levelOverlap(mid, dim) < c) lo = mid;
    else hi = mid;
  }
  const ratio = (lo + hi) / 2;
  const numLevelsExact = Math.log(sigmaMin / sigmaMax) / Math.log(ratio);
  return { ratio, numLevelsExact, numLevels: Math.ceil(numLevelsExact) };
}

/** Options of `sigmaMaxFromData`. */
export interface SigmaMaxOptions {
  /** Values per image D; required for a Float32Array, else read. */
  readonly dim?: number;
  /** Rows per block of the pairwise distance matrix, default 1024. */
  readonly chunkSize?: number;
}

/** Row access to a [N, D] data set held as a tensor or a flat array. */
interface Rows {
  readonly n: number;
  readonly dim: number;
  block(start: number, end: number): tf.Tensor2D;
  row(i: number): Float32Array;
}

function arrayRows(data: Float32Array, dim: number): Rows {
  const row = (i: number) => data.subarray(i * dim, (i + 1) * dim);
  return {
    n: data.length / dim,
    dim,
    block: (start, end) =>
      tf.tensor2d(data.subarray(start * dim, end * dim), [end - start, dim]),
    row,
  };
}

function tensorRows(flat: tf.Tensor2D): Rows {
  const [n, dim] = flat.shape;
  const block = (start: number, end: number) =>
    tf.slice(flat, [start, 0], [end - start, dim]);
  const row = (i: number) => {
    const slice = block(i, i + 1);
    const values = slice.dataSync() as Float32Array;
    slice.dispose();
    return values;
  };
  return { n, dim, block, row };
}

/** Largest squared distance between a row of a and a row of b. */
function blockMax(a: tf.Tensor2D, b: tf.Tensor2D) {
  const [value, index] = tf.tidy(() => {
    // ‖a − b‖² = ‖a‖² + ‖b‖² − 2 a·b
    const na = tf.sum(tf.square(a), 1, true);
    const nb = tf.reshape(tf.sum(tf.square(b), 1), [1, -1]);
    // b transposed first: a matMul with a transposed operand runs ~10x
    // slower on the WebAssembly backend.
    const ab = tf.matMul(a, tf.transpose(b));
    const d2 = tf.sub(tf.add(na, nb), tf.mul(ab, 2));
    const flat = tf.reshape(d2, [-1]);
    return [tf.max(flat), tf.argMax(flat)];
  });
  const result = { d2: value.dataSync()[0], index: index.dataSync()[0] };
  tf.dispose([value, index]);
  return { ...result, cols: b.shape[0] };
}

/** Euclidean distance in float64. */
function distance(u: Float32Array, v: Float32Array): number {
  let sum = 0;
  for (let k = 0; k < u.length; k++) sum += (u[k] - v[k]) ** 2;
  return Math.sqrt(sum);
}

/** The pair (i, j) with the largest distance, block by block. */
function farthestPair(rows: Rows, chunk: number): [number, number] {
  let best = { d2: -Infinity, i: 0, j: 0 };
  for (let s = 0; s < rows.n; s += chunk) {
    const a = rows.block(s, Math.min(s + chunk, rows.n));
    for (let t = s; t < rows.n; t += chunk) {
      const b = rows.block(t, Math.min(t + chunk, rows.n));
      const m = blockMax(a, b);
      b.dispose();
      if (m.d2 > best.d2) {
        const [i, j] = [Math.floor(m.index / m.cols), m.index % m.cols];
        best = { d2: m.d2, i: s + i, j: t + j };
      }
    }
    a.dispose();
  }
  return [best.i, best.j];
}

/** Fails unless data holds whole, finite rows of dim values. */
function checkFlat(fn: string, data: Float32Array, dim?: number): number {
  if (dim === undefined) fail(fn, 'dim is required for a Float32Array');
  checkInteger(fn, 'dim', dim, 1);
  if (data.length % dim !== 0) {
    fail(fn, `images.length=${data.length} is not a multiple of ${dim}`);
  }
  const bad = data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) fail(fn, `images must be finite, got ${data[bad]} at ${bad}`);
  return dim;
}

function toRows(fn: string, images: tf.Tensor | Float32Array, dim?: number) {
  if (images instanceof Float32Array) {
    const rows = arrayRows(images, checkFlat(fn, images, dim));
    return { rows, owned: null };
  }
  checkFinite(fn, 'images', images);
  const n = images.shape[0] ?? 0;
  const flat = tf.tidy(() =>
    tf.reshape(tf.cast(images, 'float32'), [n, images.size / (n || 1)]),
  ) as tf.Tensor2D;
  return { rows: tensorRows(flat), owned: flat };
}

/**
 * σ_1 ≈ the largest pairwise Euclidean distance over the whole training set
 * (Song & Ermon 2020, arXiv:2006.09011, Technique 1; PAPER.md §8). images:
 * [N, ...] tensor or flat [N·D] Float32Array, on the training pixel scale.
 * The farthest pair is found in float32 blocks (ties within float32
 * rounding may pick either) and its distance recomputed in float64.
 */
export function sigmaMaxFromData(
  images: tf.Tensor | Float32Array,
  options: SigmaMaxOptions = {},
): number {
  const fn = 'sigmaMaxFromData';
  const { dim, chunkSize = 1024 } = options;
  checkInteger(fn, 'chunkSize', chunkSize, 1);
  const { rows, owned } = toRows(fn, images, dim);
  try {
    checkInteger(fn, 'number of images', rows.n, 2);
    const [i, j] = farthestPair(rows, chunkSize);
    return distance(rows.row(i), rows.row(j));
  } finally {
    owned?.dispose();
  }
}
