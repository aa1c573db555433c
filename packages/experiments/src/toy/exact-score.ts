// The exact score of the 25 Gaussians blurred by σ: the samplers' best
// case on the toy, for checking them and for choosing the schedule.
import * as tf from '@tensorflow/tfjs-core';
import type { LevelScoreNetwork } from '@acsm/core';
import { TWENTY_FIVE_GRID } from '@acsm/data';

/** The 25 modes, [25, 2], x fastest as `twentyFiveGaussians` draws them. */
const MODES = TWENTY_FIVE_GRID.flatMap((y) =>
  TWENTY_FIVE_GRID.map((x) => [x, y]),
);

/**
 * f(x, σ) = σ ∇log p_σ(x) for p_σ = (1/25) Σ_k N(μ_k, (s² + σ²) I), the
 * 25 Gaussians of std s blurred by σ (the target of DSM, PAPER.md §1):
 * ∇log p_σ(x) = Σ_k w_k(x) (μ_k − x)/v, v = s² + σ², w = softmax over k
 * of −‖x − μ_k‖²/(2v). x: [N, 1, 1, 2] → [N, 1, 1, 2].
 */
export function twentyFiveGaussiansScore(std: number): LevelScoreNetwork {
  if (!(std >= 0 && Number.isFinite(std))) {
    throw new Error(`twentyFiveGaussiansScore: std must be >= 0, got ${std}`);
  }
  return (x, sigma) =>
    tf.tidy(() => {
      const v = std ** 2 + sigma ** 2;
      const n = x.shape[0];
      const modes = tf.tensor3d(MODES.flat(), [1, 25, 2]);
      const d = tf.sub(tf.reshape(x, [n, 1, 2]), modes); // x − μ_k
      const w = tf.softmax(tf.div(tf.sum(tf.square(d), 2), -2 * v));
      const grad = tf.div(tf.sum(tf.mul(tf.expandDims(w, 2), d), 1), -v);
      return tf.reshape(tf.mul(grad, sigma), [n, 1, 1, 2]);
    });
}
