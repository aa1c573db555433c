// Spectral normalisation (Miyato et al. 2018, arXiv:1802.05957) as in
// BigGAN-PyTorch's `SN` class, which the authors' discriminator uses: one
// power iteration per forward pass from a stored u; u is written back only
// in training; σ = vᵀ W u with u, v held constant for the gradient.
//
// NOTE: outside training BigGAN's SN still takes one power step from the
// stored u (without storing it), where torch.nn.utils.spectral_norm reuses
// its stored u, v; we follow BigGAN, whose D the authors train. BigGAN's
// logging-only buffer sv0 (last σ) is not kept.
import * as tf from '@tensorflow/tfjs-core';
import { paramScope } from '../params';
import type { ParamScope, ParamSpec, Params } from '../params';
import { normal } from './init';

/** Floor of the norms in the power iteration (BigGAN's SN_eps). */
export const SPECTRAL_NORM_EPS = 1e-12;

/**
 * Spec of the buffer `${prefix}.u0` [1, out] ~ N(0, 1), as BigGAN's
 * `register_buffer('u0', torch.randn(1, num_outputs))`.
 */
export function spectralNormSpec(prefix: string, outputs: number): ParamSpec {
  return {
    name: `${prefix}.u0`,
    shape: [1, outputs],
    init: normal(0, 1),
    trainable: false,
  };
}

/** Identity forward, zero gradient: PyTorch's `torch.no_grad()` region. */
const stopGradient = tf.customGrad((...inputs) => {
  const x = inputs[0] as tf.Tensor;
  return { value: tf.clone(x), gradFunc: (dy) => tf.zerosLike(dy) };
});

/** x / max(‖x‖₂, ε) over the whole tensor (F.normalize of a row). */
function l2Normalize(x: tf.Tensor2D): tf.Tensor2D {
  return tf.div(x, tf.maximum(tf.norm(x), SPECTRAL_NORM_EPS));
}

/**
 * One power-iteration step on W viewed as [out, K] (arXiv:1802.05957,
 * Algorithm 1): v = ‖uW‖⁻¹ uW, u' = ‖vWᵀ‖⁻¹ vWᵀ, σ = v Wᵀ u'ᵀ. `wT` is
 * that matrix transposed, [K, out]; u, v carry no gradient, σ does.
 */
export function powerIteration(
  wT: tf.Tensor2D,
  u: tf.Tensor2D,
): { u: tf.Tensor2D; v: tf.Tensor2D; sigma: tf.Scalar } {
  const fixed = stopGradient(wT) as tf.Tensor2D;
  const v = l2Normalize(tf.matMul(u, fixed, false, true)); // [1, K]
  const uNext = l2Normalize(tf.matMul(v, fixed)); // [1, out]
  const sigma = tf.sum<tf.Scalar>(tf.mul(tf.matMul(v, wT), uNext)); // vWᵀu'ᵀ
  return { u: uNext, v, sigma };
}

/**
 * W/σ(W) for the weight `${prefix}.weight` (conv [kh, kw, in, out] or
 * linear [in, out]); in training the buffer `${prefix}.u0` advances by one
 * power iteration, as BigGAN's `SN.W_`.
 */
export function spectralNormalized(
  scope: ParamScope,
  prefix: string,
  training: boolean,
): tf.Tensor {
  const w = scope.param(`${prefix}.weight`);
  const u = scope.param(`${prefix}.u0`);
  const outputs = w.shape[w.rank - 1];
  const wT = tf.reshape(w, [-1, outputs]) as tf.Tensor2D;
  const step = powerIteration(wT, u as tf.Tensor2D);
  if (training) u.assign(step.u);
  return tf.div(w, step.sigma);
}

/** A scope whose layers all use spectrally normalised weights. */
export function spectralNormScope(
  params: Params,
  owner: string,
  training: boolean,
): ParamScope {
  return paramScope(params, owner, (scope, prefix) =>
    spectralNormalized(scope, prefix, training),
  );
}
