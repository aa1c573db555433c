import { createRng } from '@acsm/core';
import * as tf from '@tensorflow/tfjs-core';
import { gather, ImageDataset, ImageShape } from './dataset';
import { permutation } from './random';

/** One training batch, copied out of its dataset. */
export interface Batch {
  /** [B, H, W, C] row-major, values in [0, 1]. */
  readonly images: Float32Array;
  /** [B] class labels. */
  readonly labels: Uint8Array;
  /** [B, H, W, C]. */
  readonly shape: ImageShape;
  /** [B] positions of the examples in the dataset. */
  readonly indices: Uint32Array;
  /** Global step this batch belongs to (0-based). */
  readonly step: number;
  /** Epoch of `step`: floor(step / stepsPerEpoch). */
  readonly epoch: number;
}

export interface BatchAtOptions {
  /** Examples per batch, in [1, N]. */
  readonly batchSize: number;
  /** Seed of the shuffling; same seed, same batches. */
  readonly seed: number;
  /** Global step (0-based), counted across epochs. */
  readonly step: number;
}

export interface BatchesOptions {
  readonly batchSize: number;
  readonly seed: number;
  /** Epoch (0-based) whose batches to yield. */
  readonly epoch: number;
}

function checkInteger(op: string, name: string, value: number, min: number) {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new Error(
      `${op}: ${name} must be an integer >= ${min}, got ${value}`,
    );
  }
}

function checkBatchSize(op: string, batchSize: number, n: number): void {
  checkInteger(op, 'batchSize', batchSize, 1);
  if (batchSize > n) {
    throw new Error(
      `${op}: batchSize ${batchSize} exceeds the dataset size ${n}`,
    );
  }
}

/**
 * Full batches per epoch: floor(N / batchSize). The last N mod batchSize
 * examples of each epoch's permutation are dropped (a different few each
 * epoch), so every batch has exactly `batchSize` examples.
 */
export function stepsPerEpoch(n: number, batchSize: number): number {
  checkBatchSize('stepsPerEpoch', batchSize, n);
  return Math.floor(n / batchSize);
}

interface EpochOrder {
  readonly seed: number;
  readonly epoch: number;
  readonly order: Uint32Array;
}

/** The last epoch order computed per dataset, so a step costs O(B). */
const lastOrder = new WeakMap<ImageDataset, EpochOrder>();

/** permutation(N, createRng(seed).fork(`epoch ${epoch}`)), memoised. */
function epochOrder(dataset: ImageDataset, seed: number, epoch: number) {
  const last = lastOrder.get(dataset);
  if (last && last.seed === seed && last.epoch === epoch) return last.order;
  const rng = createRng(seed).fork(`epoch ${epoch}`);
  const order = permutation(dataset.shape[0], rng);
  lastOrder.set(dataset, { seed, epoch, order });
  return order;
}

/**
 * The batch of global step `step`: epoch e = floor(step / S) shuffles the
 * dataset with permutation(N, createRng(seed).fork(`epoch ${e}`)) and the
 * step takes slice step mod S of that order.
 * A pure function of (dataset, batchSize, seed, step), so a run resumed
 * at step k sees the batches an uninterrupted run sees.
 */
export function batchAt(dataset: ImageDataset, options: BatchAtOptions): Batch {
  const { batchSize, seed, step } = options;
  const n = dataset.shape[0];
  checkBatchSize('batchAt', batchSize, n);
  checkInteger('batchAt', 'seed', seed, 0);
  checkInteger('batchAt', 'step', step, 0);
  const perEpoch = Math.floor(n / batchSize);
  const epoch = Math.floor(step / perEpoch);
  const start = (step % perEpoch) * batchSize;
  const order = epochOrder(dataset, seed, epoch);
  const indices = order.slice(start, start + batchSize);
  return { ...gather(dataset, indices), indices, step, epoch };
}

/** The stepsPerEpoch batches of one epoch, in order (see `batchAt`). */
export function* batches(
  dataset: ImageDataset,
  options: BatchesOptions,
): Generator<Batch> {
  const { batchSize, seed, epoch } = options;
  const perEpoch = stepsPerEpoch(dataset.shape[0], batchSize);
  checkInteger('batches', 'seed', seed, 0);
  checkInteger('batches', 'epoch', epoch, 0);
  for (let i = 0; i < perEpoch; i++) {
    yield batchAt(dataset, { batchSize, seed, step: epoch * perEpoch + i });
  }
}

/** A batch's (or dataset's) images as a tensor [B, H, W, C] in [0, 1]. */
export function imagesTensor(batch: {
  images: Float32Array;
  shape: ImageShape;
}): tf.Tensor4D {
  return tf.tensor4d(batch.images, [...batch.shape]);
}
