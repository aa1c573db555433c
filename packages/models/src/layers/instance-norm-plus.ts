// InstanceNorm++ (unconditional), Song & Ermon 2020 (NCSNv2,
// arXiv:2006.09011, appendix B; `InstanceNorm2dPlus` of ncsnv2's
// normalization.py).
import * as tf from '@tensorflow/tfjs-core';
import { fusedInstanceNormPlus, hasFusedInstanceNormPlus } from '@acsm/core';
import type { ParamScope, ParamSpec } from '../params';
import { constant, normal } from './init';

/** Variance floor of both standardisations (PyTorch's default eps). */
export const INSTANCE_NORM_EPS = 1e-5;

/** Specs of `${prefix}.{alpha,gamma,beta}`: α, γ ~ N(1, 0.02²), β = 0. */
export function instanceNormPlusSpecs(
  prefix: string,
  channels: number,
): ParamSpec[] {
  if (!Number.isInteger(channels) || channels < 2) {
    throw new Error(
      `instanceNormPlus(${prefix}): needs >= 2 channels (the variance ` +
        `of the channel means is unbiased), got ${channels}`,
    );
  }
  const shape = [channels];
  return [
    { name: `${prefix}.alpha`, shape, init: normal(1, 0.02), trainable: true },
    { name: `${prefix}.gamma`, shape, init: normal(1, 0.02), trainable: true },
    { name: `${prefix}.beta`, shape, init: constant(0), trainable: true },
  ];
}

/**
 * InstanceNorm++ of x [N, H, W, C] (NCSNv2, arXiv:2006.09011, eq. in
 * appendix B): with μ_c, s_c the spatial mean and (biased) std of channel c,
 * m and v the mean and unbiased variance of the μ_c over channels,
 * z_c = (x − μ_c)/√(s_c² + ε) + α_c (μ_c − m)/√(v + ε), out = γ_c z_c + β_c.
 *
 * One fused kernel each way where the backend has it (WebAssembly: see
 * @acsm/core's fusedInstanceNormPlus), else instanceNormPlusOps.
 */
export function instanceNormPlus(
  scope: ParamScope,
  prefix: string,
  x: tf.Tensor4D,
): tf.Tensor4D {
  const params = {
    alpha: scope.param(`${prefix}.alpha`) as tf.Tensor1D,
    gamma: scope.param(`${prefix}.gamma`) as tf.Tensor1D,
    beta: scope.param(`${prefix}.beta`) as tf.Tensor1D,
  };
  if (hasFusedInstanceNormPlus()) {
    return fusedInstanceNormPlus(x, params, INSTANCE_NORM_EPS);
  }
  return instanceNormPlusOps(x, params);
}

/**
 * InstanceNorm++ of x [N, H, W, C] built from tfjs ops, on any backend:
 * the reference of the fused kernel. Computed as (x − μ_c)·a_c + b_c
 * with per-channel a, b [N, 1, 1, C]: four full-size ops instead of
 * eight; intermediates freed before it returns.
 */
export function instanceNormPlusOps(
  x: tf.Tensor4D,
  { alpha, gamma, beta }: Record<'alpha' | 'gamma' | 'beta', tf.Tensor1D>,
): tf.Tensor4D {
  const channels = x.shape[3];
  return tf.tidy(() => {
    const mu = spatialMean(x); // μ_c [N, 1, 1, C]
    const d = tf.sub<tf.Tensor4D>(x, mu);
    const s2 = spatialMean(tf.square(d)); // s_c²
    const dm = tf.sub(mu, tf.mean(mu, 3, true)); // μ_c − m
    const unbiased = channels / (channels - 1);
    const v = tf.mul(tf.mean(tf.square(dm), 3, true), unbiased);
    const z = tf.mul(dm, tf.rsqrt(tf.add(v, INSTANCE_NORM_EPS)));
    const a = tf.mul(gamma, tf.rsqrt(tf.add(s2, INSTANCE_NORM_EPS))); // γ/s
    const b = tf.add(tf.mul(tf.mul(z, alpha), gamma), beta); // γ·α·z + β
    return tf.add(tf.mul(d, a), b) as tf.Tensor4D;
  });
}

/**
 * The mean over H and W of x [N, H, W, C] → [N, 1, 1, C], as one global
 * average pool: the same numbers as tf.mean(x, [1, 2], true) up to
 * summation order, and on wasm one pass instead of a transpose and a
 * reduction (its gradient is one pass too).
 */
function spatialMean(x: tf.Tensor4D): tf.Tensor4D {
  return tf.avgPool(x, [x.shape[1], x.shape[2]], 1, 'valid');
}
