/**
 * Seeded training of the MNIST classifier: Adam on the softmax
 * cross-entropy, batches from `batchAt`, random integer shifts of up to
 * `maxShift` pixels as augmentation. Every random draw is a function of
 * (seed, step), so a run is reproducible on a given backend.
 */
import { createRng } from '@acsm/core';
import { batchAt, ImageDataset } from '@acsm/data';
import * as tf from '@tensorflow/tfjs-core';
import {
  applyClassifier,
  ClassifierParams,
  crossEntropy,
  IMAGE_SIDE,
} from './classifier-net';

/** How the classifier is trained. */
export interface ClassifierTraining {
  /** Adam updates, default 3000 (24 epochs of 8 000 digits at 64). */
  readonly steps: number;
  /** Digits per update, default 64. */
  readonly batchSize: number;
  /** Adam step size, default 1e-3, cosine-decayed to 0 over `steps`. */
  readonly learningRate: number;
  /** Largest random shift in pixels (each axis), default 2; 0 = none. */
  readonly maxShift: number;
}

/** Reported every `PROGRESS_EVERY` steps and after the last one. */
export interface ClassifierProgress {
  /** Updates done so far. */
  readonly step: number;
  readonly steps: number;
  /** Training loss of the last update (on its augmented batch). */
  readonly loss: number;
}

const PROGRESS_EVERY = 100;

/**
 * Shift each 28×28 image by (dy, dx) pixels, filling with 0.
 * images: [N, 28, 28, 1]; shifts: [N, 2] as (dy, dx).
 */
export function shiftImages(
  images: Float32Array,
  shifts: Int32Array,
): Float32Array {
  const side = IMAGE_SIDE;
  const n = images.length / (side * side);
  const out = new Float32Array(images.length);
  for (let i = 0; i < n; i++) {
    const [dy, dx] = [shifts[2 * i], shifts[2 * i + 1]];
    const base = i * side * side;
    for (let r = Math.max(0, dy); r < Math.min(side, side + dy); r++) {
      const from = base + (r - dy) * side;
      const to = base + r * side;
      for (let c = Math.max(0, dx); c < Math.min(side, side + dx); c++) {
        out[to + c] = images[from + c - dx];
      }
    }
  }
  return out;
}

/** The shifts of `step`: uniform integers in [−maxShift, maxShift]. */
function stepShifts(seed: number, step: number, n: number, maxShift: number) {
  const rng = createRng(seed).fork(`augment ${step}`);
  return Int32Array.from({ length: 2 * n }, () =>
    Math.floor(rng.uniform() * (2 * maxShift + 1) - maxShift),
  );
}

/**
 * Cosine decay lr·(1 + cos(π·t/T))/2 (Loshchilov & Hutter 2017,
 * arXiv:1608.03983, eq. 5, one cycle, no restart).
 */
export function cosineRate(rate: number, step: number, steps: number) {
  return (rate * (1 + Math.cos((Math.PI * step) / steps))) / 2;
}

/** Options of `trainClassifier`. */
export interface TrainClassifierOptions {
  readonly train: ImageDataset;
  readonly training: ClassifierTraining;
  readonly seed: number;
  readonly onProgress?: (progress: ClassifierProgress) => void;
  /** Checked between steps; when aborted, training stops with its reason. */
  readonly signal?: AbortSignal;
}

/** tfjs Adam whose step size can follow a schedule between updates. */
class ScheduledAdam extends tf.AdamOptimizer {
  constructor(learningRate: number) {
    super(learningRate, 0.9, 0.999, 1e-7);
  }

  setLearningRate(rate: number): void {
    this.learningRate = rate;
  }
}

/** One Adam update on the batch of `step`; returns its loss tensor. */
function trainStep(
  params: ClassifierParams,
  optimizer: ScheduledAdam,
  options: TrainClassifierOptions,
  step: number,
): tf.Scalar {
  const { train, training, seed } = options;
  const { batchSize, maxShift } = training;
  const batch = batchAt(train, { batchSize, seed, step });
  const shifts = stepShifts(seed, step, batchSize, maxShift);
  const images =
    maxShift > 0 ? shiftImages(batch.images, shifts) : batch.images;
  return tf.tidy(() => {
    const x = tf.tensor4d(images, [...batch.shape]);
    const y = tf.tensor1d(batch.labels, 'int32');
    const loss = () => crossEntropy(applyClassifier(params, x).logits, y);
    return optimizer.minimize(loss, true, Object.values(params)) as tf.Scalar;
  });
}

/**
 * Train `params` in place (Adam, Kingma & Ba 2015, arXiv:1412.6980). Lets
 * the event loop run between steps (signal handlers, progress), and stops
 * with `signal.reason` once `signal` is aborted.
 */
export async function trainClassifier(
  params: ClassifierParams,
  options: TrainClassifierOptions,
): Promise<void> {
  const { steps, learningRate } = options.training;
  const optimizer = new ScheduledAdam(learningRate);
  try {
    for (let step = 0; step < steps; step++) {
      await new Promise(setImmediate);
      options.signal?.throwIfAborted();
      optimizer.setLearningRate(cosineRate(learningRate, step, steps));
      const loss = trainStep(params, optimizer, options, step);
      const done = step + 1;
      if (done % PROGRESS_EVERY === 0 || done === steps) {
        options.onProgress?.({ step: done, steps, loss: loss.dataSync()[0] });
      }
      loss.dispose();
    }
  } finally {
    optimizer.dispose();
  }
}

/** Fraction of `dataset` whose argmax logit equals the label. */
export function classifierAccuracy(
  params: ClassifierParams,
  dataset: ImageDataset,
  batchSize = 500,
): number {
  const [n] = dataset.shape;
  let correct = 0;
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    const size = IMAGE_SIDE * IMAGE_SIDE;
    const predicted = tf.tidy(() => {
      const images = dataset.images.subarray(start * size, end * size);
      const x = tf.tensor4d(images, [end - start, IMAGE_SIDE, IMAGE_SIDE, 1]);
      return tf.argMax(applyClassifier(params, x).logits, 1);
    });
    const labels = predicted.dataSync();
    predicted.dispose();
    labels.forEach((l, i) => (correct += +(l === dataset.labels[start + i])));
  }
  return correct / n;
}
