// The denoising score matching (DSM) loss.
import * as tf from '@tensorflow/tfjs-core';

import type { Rng } from './rng';
import type { ScoreNetwork } from './score';
import { checkFinite, checkImages, checkSigmas, fail } from './validate';

/** Options of `dsmLoss`. */
export interface DsmOptions {
  /** The schedule σ_1 > … > σ_L the level of each example is drawn from. */
  readonly sigmas: readonly number[];
  /** Source of the level draws and of z; it advances. */
  readonly rng: Rng;
}

/** The noise of one DSM evaluation. */
export interface DsmNoise {
  /** Per-example σ, [N, 1, 1, 1]. */
  readonly sigma: tf.Tensor4D;
  /** z ~ N(0, I), [N, H, W, C]. */
  readonly z: tf.Tensor4D;
}

/** The loss and the forward pass it came from (for hybrid training). */
export interface DsmResult {
  /** Batch mean of ½ Σ_pixels (f(x̃) + z)². */
  readonly loss: tf.Scalar;
  /** x̃ = x + σ z, [N, H, W, C]. */
  readonly xNoisy: tf.Tensor4D;
  /** f(x̃), [N, H, W, C]. */
  readonly output: tf.Tensor4D;
  /** σ per example, [N, 1, 1, 1]. */
  readonly sigma: tf.Tensor4D;
  /** 0-based level index of each example. */
  readonly levels: Int32Array;
}

/**
 * DSM with λ(σ) = σ² on given noise, arXiv:2009.05475 (PAPER.md §2):
 * x̃ = x + σ z, loss = mean_n ½ Σ_pixels (f(x̃) + z)². x: [N, H, W, C].
 */
export function dsmLossWithNoise(
  scoreNet: ScoreNetwork,
  x: tf.Tensor4D,
  noise: DsmNoise,
): Omit<DsmResult, 'sigma' | 'levels'> {
  return tf.tidy(() => {
    const xNoisy: tf.Tensor4D = tf.add(x, tf.mul(noise.sigma, noise.z));
    const output = scoreNet(xNoisy);
    const residual = tf.add(output, noise.z); // f(x̃) + z, target −z
    const perExample = tf.mul(tf.sum(tf.square(residual), [1, 2, 3]), 0.5);
    return { loss: tf.mean(perExample) as tf.Scalar, xNoisy, output };
  });
}

/** A level index uniform over 0..L−1 for each of n examples. */
function drawLevels(rng: Rng, n: number, numLevels: number): Int32Array {
  return Int32Array.from({ length: n }, () =>
    Math.min(numLevels - 1, Math.floor(rng.uniform() * numLevels)),
  );
}

/** The noise of `dsmLoss` with the level index of each example. */
export interface DsmDraw extends DsmNoise {
  /** 0-based level index of each example. */
  readonly levels: Int32Array;
}

/**
 * The noise of the DSM loss of arXiv:2009.05475 (PAPER.md §2) for images
 * of `shape` [N, H, W, C]: a level uniform over 1..L per example, then
 * z ~ N(0, I), drawn from `rng` in that order (as `dsmLoss` draws them).
 */
export function drawDsmNoise(
  shape: readonly [number, number, number, number],
  options: DsmOptions,
): DsmDraw {
  const { sigmas, rng } = options;
  const levels = drawLevels(rng, shape[0], sigmas.length);
  const values = Float32Array.from(levels, (i) => sigmas[i]);
  const sigma = tf.tensor4d(values, [shape[0], 1, 1, 1]);
  const seed = rng.nextSeed();
  const z: tf.Tensor4D = tf.randomNormal([...shape], 0, 1, 'float32', seed);
  return { sigma, z, levels };
}

/** Checks the arguments of `dsmLoss` and `drawDsmNoise`'s callers. */
export function checkDsmArguments(
  fn: string,
  x: tf.Tensor4D,
  options: DsmOptions,
): void {
  const { sigmas, rng } = options;
  checkImages(fn, 'x', x);
  checkSigmas(fn, sigmas, 1);
  if (typeof rng?.nextSeed !== 'function')
    fail(fn, `rng must be an Rng, got ${rng}`);
  checkFinite(fn, 'x', x);
}

/**
 * The DSM loss of arXiv:2009.05475 (PAPER.md §2): each example draws its
 * own level i uniform over 1..L and z ~ N(0, I). x: [N, H, W, C] clean
 * images (values in [0, 1]); scoreNet is called once, on x̃.
 */
export function dsmLoss(
  scoreNet: ScoreNetwork,
  x: tf.Tensor4D,
  options: DsmOptions,
): DsmResult {
  checkDsmArguments('dsmLoss', x, options);
  const { sigma, z, levels } = drawDsmNoise(x.shape, options);
  const result = dsmLossWithNoise(scoreNet, x, { sigma, z });
  z.dispose();
  return { ...result, sigma, levels };
}
