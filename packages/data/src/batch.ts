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
  /** [B] 1 where the example was mirrored left-right (see `flip`). */
  readonly flipped: Uint8Array;
}

export interface BatchAtOptions {
  /** Examples per batch, in [1, N]. */
  readonly batchSize: number;
  /** Seed of the shuffling; same seed, same batches. */
  readonly seed: number;
  /** Global step (0-based), counted across epochs. */
  readonly step: number;
  /** Mirror each example left-right with probability 1/2 (default false). */
  readonly flip?: boolean;
}

export interface BatchesOptions {
  readonly batchSize: number;
  readonly seed: number;
  /** Epoch (0-based) whose batches to yield. */
  readonly epoch: number;
  /** As in `BatchAtOptions`. */
  readonly flip?: boolean;
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
 * Mirrors image `i` of [N, H, W, C] `images` left-right in place:
 * pixel (y, x) takes the channels of pixel (y, W − 1 − x).
 */
export function flipLeftRight(
  images: Float32Array,
  shape: ImageShape,
  i: number,
): void {
  const [n, h, w, c] = shape;
  if (!Number.isInteger(i) || i < 0 || i >= n) {
    throw new Error(`flipLeftRight: image ${i} out of range [0, ${n})`);
  }
  if (images.length !== n * h * w * c) {
    throw new Error(
      `flipLeftRight: ${images.length} values for shape [${shape}]`,
    );
  }
  for (let y = 0; y < h; y++) {
    const row = (i * h + y) * w;
    for (let x = 0; x < w >> 1; x++) {
      const a = (row + x) * c;
      const b = (row + w - 1 - x) * c;
      for (let k = 0; k < c; k++) {
        const t = images[a + k];
        images[a + k] = images[b + k];
        images[b + k] = t;
      }
    }
  }
}

/**
 * Which examples of step `step` to mirror: example i iff draw i of
 * createRng(seed).fork(`flip ${step}`) is < 1/2, the random horizontal
 * flip of the authors' training data (torchvision's RandomHorizontalFlip,
 * p = 1/2, when the config sets data.random_flip), drawn from (seed,
 * step, i) so that a resumed run flips as an uninterrupted one.
 */
export function flipMask(seed: number, step: number, size: number): Uint8Array {
  const rng = createRng(seed).fork(`flip ${step}`);
  return Uint8Array.from({ length: size }, () => +(rng.uniform() < 0.5));
}

/**
 * The batch of global step `step`: epoch e = floor(step / S) shuffles the
 * dataset with permutation(N, createRng(seed).fork(`epoch ${e}`)) and the
 * step takes slice step mod S of that order; with `flip`, the examples
 * of `flipMask(seed, step, B)` are mirrored left-right.
 * A pure function of (dataset, batchSize, seed, step, flip), so a run
 * resumed at step k sees the batches an uninterrupted run sees.
 */
export function batchAt(dataset: ImageDataset, options: BatchAtOptions): Batch {
  const { batchSize, seed, step, flip = false } = options;
  const n = dataset.shape[0];
  checkBatchSize('batchAt', batchSize, n);
  checkInteger('batchAt', 'seed', seed, 0);
  checkInteger('batchAt', 'step', step, 0);
  if (typeof flip !== 'boolean') {
    throw new Error(`batchAt: flip must be a boolean, got ${flip}`);
  }
  const perEpoch = Math.floor(n / batchSize);
  const epoch = Math.floor(step / perEpoch);
  const start = (step % perEpoch) * batchSize;
  const order = epochOrder(dataset, seed, epoch);
  const indices = order.slice(start, start + batchSize);
  const batch = gather(dataset, indices);
  const flipped = flip
    ? flipMask(seed, step, batchSize)
    : new Uint8Array(batchSize);
  flipped.forEach((f, i) => f && flipLeftRight(batch.images, batch.shape, i));
  return { ...batch, indices, step, epoch, flipped };
}

/** The stepsPerEpoch batches of one epoch, in order (see `batchAt`). */
export function* batches(
  dataset: ImageDataset,
  options: BatchesOptions,
): Generator<Batch> {
  const { batchSize, seed, epoch, flip } = options;
  const perEpoch = stepsPerEpoch(dataset.shape[0], batchSize);
  checkInteger('batches', 'seed', seed, 0);
  checkInteger('batches', 'epoch', epoch, 0);
  for (let i = 0; i < perEpoch; i++) {
    const step = epoch * perEpoch + i;
    yield batchAt(dataset, { batchSize, seed, step, flip });
  }
}

/** A batch's (or dataset's) images as a tensor [B, H, W, C] in [0, 1]. */
export function imagesTensor(batch: {
  images: Float32Array;
  shape: ImageShape;
}): tf.Tensor4D {
  return tf.tensor4d(batch.images, [...batch.shape]);
}
