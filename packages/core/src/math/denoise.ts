// The expected denoised sample (EDS) by Tweedie's formula.
import * as tf from '@tensorflow/tfjs-core';

import type { LevelScoreNetwork } from './score';

/**
 * H(x, σ) = x + σ f(x) = x + σ² s(x, σ), Tweedie's formula as the EDS of
 * arXiv:2009.05475 (PAPER.md §1, §5). x and output: [N, H, W, C]; sigma a
 * number or a per-example [N, 1, 1, 1] tensor. Reuses a computed f(x).
 */
export function denoise(
  x: tf.Tensor4D,
  sigma: number | tf.Tensor,
  output: tf.Tensor4D,
): tf.Tensor4D {
  return tf.tidy(() => tf.add(x, tf.mul(output, sigma)));
}

/** H(x, σ) with one evaluation of the score network; see `denoise`. */
export function denoiseWith(
  scoreNet: LevelScoreNetwork,
  x: tf.Tensor4D,
  sigma: number,
): tf.Tensor4D {
  return tf.tidy(() => denoise(x, sigma, scoreNet(x, sigma)));
}
