// Group normalization (Wu & He 2018, arXiv:1803.08494), PyTorch's
// `nn.GroupNorm` with a per-channel affine map, in NHWC.
import * as tf from '@tensorflow/tfjs-core';
import type { ParamScope, ParamSpec } from '../params';
import { constant } from './init';

/** A GroupNorm layer as data. */
export interface GroupNormLayer {
  /** Parameters are `${prefix}.weight` (γ) and `${prefix}.bias` (β). */
  readonly prefix: string;
  readonly channels: number;
  /** Number of groups G; channels must be a multiple of G. */
  readonly groups: number;
  /** Variance floor ε. */
  readonly eps: number;
}

/** Specs of a GroupNorm: γ = 1, β = 0 (PyTorch's init). */
export function groupNormSpecs(layer: GroupNormLayer): ParamSpec[] {
  const { prefix, channels, groups, eps } = layer;
  const ints = Number.isInteger(channels) && Number.isInteger(groups);
  if (!ints || groups < 1 || channels % groups !== 0 || !(eps > 0)) {
    throw new Error(
      `groupNorm(${prefix}): channels must be a multiple of groups >= 1 ` +
        `and eps > 0, got channels=${channels}, groups=${groups}, eps=${eps}`,
    );
  }
  const shape = [channels];
  return [
    { name: `${prefix}.weight`, shape, init: constant(1), trainable: true },
    { name: `${prefix}.bias`, shape, init: constant(0), trainable: true },
  ];
}

/**
 * GroupNorm of x [N, H, W, C] (arXiv:1803.08494, eq. 1): within each
 * sample and group of C/G channels, z = (x − μ)/√(σ² + ε) with the biased
 * variance over H, W and the group's channels; out = γ_c·z + β_c.
 */
export function groupNorm(
  scope: ParamScope,
  layer: GroupNormLayer,
  x: tf.Tensor4D,
): tf.Tensor4D {
  const gamma = scope.param(`${layer.prefix}.weight`);
  const beta = scope.param(`${layer.prefix}.bias`);
  const [n, h, w, c] = x.shape;
  const g = layer.groups;
  return tf.tidy(() => {
    const xg = tf.reshape(x, [n, h * w, g, c / g]);
    const { mean, variance } = tf.moments(xg, [1, 3], true);
    const z = tf.mul(tf.sub(xg, mean), tf.rsqrt(tf.add(variance, layer.eps)));
    return tf.add(tf.mul(tf.reshape(z, x.shape), gamma), beta);
  });
}
