// The micro-batch of the DSM training step: on WebAssembly the most
// examples per forward and backward pass that fit the 4 GiB heap,
// measured on the network itself; ACSM_MICRO_BATCH overrides the choice.
// An execution detail, not part of the experiment (the results are the
// unsplit step's, see dsmGradientsWithNoise).
import * as tf from '@tensorflow/tfjs-core';
import { HEAP_LIMIT, HEAP_MARGIN } from '@acsm/core';
import { dsmGradientsWithNoise, type Trainee } from './steps';

/** The environment variable that fixes the micro-batch. */
export const MICRO_BATCH_ENV = 'ACSM_MICRO_BATCH';

/**
 * The counted bytes must fit the heap's room divided by this, for what
 * the count misses (the heap's fragmentation, the kernels' own buffers).
 * The count also overstates (tfjs counts a buffer once per tensor that
 * shares it): on the paper's NCSNv2 (CIFAR-10) it gives 234 MB per
 * example where the heap grew by 141 MB (2179 MB after a step of parts
 * of 8, 3310 MB of 16). The step's time did not depend on the part's
 * size there (47 s either way), so the margin is generous.
 */
export const HEAP_SAFETY = 1.5;

/** The tensor bytes a DSM gradient pass adds at its peak. */
export interface PassBytes {
  /** Bytes per example (activations, their gradients). */
  readonly perExample: number;
  /** Bytes whatever the pass's size (the weights' gradients). */
  readonly perPass: number;
}

/** What the choice of micro-batch reads. */
export interface HeapFigures extends PassBytes {
  /** Examples per training step. */
  readonly batch: number;
  /** Tensor bytes live outside the step (weights, Adam, the EMA). */
  readonly live: number;
  /** The heap's room in bytes, default HEAP_LIMIT − HEAP_MARGIN. */
  readonly room?: number;
}

/**
 * The largest micro-batch whose pass, with the live tensors and the sum
 * of the parts' gradients (one more perPass), fits room / HEAP_SAFETY;
 * then evened out: the batch in as few near-equal parts as that allows.
 * At least 1, at most the batch.
 */
export function chooseMicroBatch(f: HeapFigures): number {
  const { batch, perExample, perPass, live } = f;
  const room = f.room ?? HEAP_LIMIT - HEAP_MARGIN;
  if (!Number.isInteger(batch) || batch < 1 || !(perExample > 0))
    throw new Error(
      `chooseMicroBatch: batch must be an integer ≥ 1 and perExample > 0, ` +
        `got batch ${batch}, perExample ${perExample}`,
    );
  const free = room / HEAP_SAFETY - live - 2 * perPass;
  const most = Math.min(batch, Math.max(1, Math.floor(free / perExample)));
  return Math.ceil(batch / Math.ceil(batch / most));
}

/** ACSM_MICRO_BATCH as a whole number ≥ 1, or undefined when unset. */
export function parseMicroBatch(
  value = process.env[MICRO_BATCH_ENV],
): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1)
    throw new Error(
      `${MICRO_BATCH_ENV} must be a whole number ≥ 1, got '${value}'`,
    );
  return Number(value);
}

/** Peak tensor bytes a DSM gradient pass of `n` examples adds. */
export async function measurePassPeak(
  score: Trainee,
  shape: readonly [number, number, number],
  n: number,
): Promise<number> {
  const [x, z] = [1, 2].map((seed) =>
    tf.randomUniform([n, ...shape], 0, 1, 'float32', seed),
  ) as tf.Tensor4D[];
  const sigma = tf.ones([n, 1, 1, 1]) as tf.Tensor4D;
  const start = tf.memory().numBytes;
  const info = await tf.profile(() => {
    const { value, grads } = dsmGradientsWithNoise(score, x, { sigma, z }, n);
    tf.dispose([value, grads]);
  });
  tf.dispose([x, z, sigma]);
  return info.peakBytes - start;
}

/**
 * The bytes of a DSM gradient pass of the score network on images of
 * `shape` [H, W, C], from the peaks of passes of 1 and 2 examples (on
 * inputs of their own: the training's random stream is not touched).
 */
export async function measurePassBytes(
  score: Trainee,
  shape: readonly [number, number, number],
): Promise<PassBytes> {
  const one = await measurePassPeak(score, shape, 1);
  const two = await measurePassPeak(score, shape, 2);
  const perExample = Math.max(1, two - one);
  return { perExample, perPass: Math.max(0, one - perExample) };
}

/** The micro-batch of a DSM training run and why. */
export interface MicroBatchPlan {
  /** Examples per pass; undefined: the whole batch. */
  readonly microBatch: number | undefined;
  /** One line for the log; null when there was nothing to choose. */
  readonly note: string | null;
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;

function describe(batch: number, microBatch: number, why: string): string {
  const parts = Math.ceil(batch / microBatch);
  const split =
    parts === 1
      ? `batch ${batch} in one pass`
      : `batch ${batch} in ${parts} micro-batches of ≤ ${microBatch}`;
  return `${split} (${why})`;
}

/**
 * The micro-batch of a DSM training step of `batch` examples of `shape`
 * [H, W, C]: ACSM_MICRO_BATCH when set; on WebAssembly the choice of
 * `chooseMicroBatch` on a measured pass; else the whole batch.
 */
export async function planMicroBatch(
  score: Trainee,
  batch: number,
  shape: readonly [number, number, number],
): Promise<MicroBatchPlan> {
  const fixed = parseMicroBatch();
  if (fixed !== undefined) {
    const m = Math.min(fixed, batch);
    const why = `${MICRO_BATCH_ENV}=${fixed}`;
    return { microBatch: m, note: describe(batch, m, why) };
  }
  if (tf.getBackend() !== 'wasm') return { microBatch: undefined, note: null };
  const pass = await measurePassBytes(score, shape);
  const live = tf.memory().numBytes;
  const m = chooseMicroBatch({ batch, live, ...pass });
  const why =
    `WebAssembly heap: ${mb(pass.perExample)} per example, ` +
    `${mb(pass.perPass)} per pass, ${mb(live)} live, measured`;
  return { microBatch: m, note: describe(batch, m, why) };
}
