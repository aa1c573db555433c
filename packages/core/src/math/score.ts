// The score network as the math sees it.
import type * as tf from '@tensorflow/tfjs-core';

/**
 * A noise-unconditional score network f(x̃) ≈ σ·∇log p_σ(x̃), so the score
 * is s(x̃, σ) = f(x̃)/σ (arXiv:2009.05475, PAPER.md §1).
 * x̃: [N, H, W, C] float32 → [N, H, W, C] float32.
 */
export type ScoreNetwork = (x: tf.Tensor4D) => tf.Tensor4D;

/**
 * What the samplers call: a ScoreNetwork that is also told the current σ.
 * NOTE: the paper's networks ignore σ (any ScoreNetwork fits this type);
 * analytic scores, as in the tests, need it.
 */
export type LevelScoreNetwork = (x: tf.Tensor4D, sigma: number) => tf.Tensor4D;
