// The UNet's `Nin` ("network in network", Lin et al. 2013,
// arXiv:1312.4400): a per-pixel linear map of the channels, i.e. a 1×1
// convolution, stored as a matrix.
//
// NOTE: PyTorch's `Nin.weights` is [out, in] (W·x); here it is [in, out]
// (x·W), like the linear layers: convert with `w.t()`.
import * as tf from '@tensorflow/tfjs-core';
import type { ParamScope, ParamSpec } from '../params';
import { constant, scaledXavierUniform } from './init';

/** A Nin layer as data. */
export interface NinLayer {
  /** Parameters are `${prefix}.weights` [in, out] and `${prefix}.bias`. */
  readonly prefix: string;
  readonly inChannels: number;
  readonly outChannels: number;
  /** Init scale s: W ~ U(±√(3s/(in + out))); 1, or 1e-10 (≈ zero). */
  readonly initScale: number;
}

/** Specs of a Nin layer: scaled Glorot-uniform weights, zero bias. */
export function ninSpecs(layer: NinLayer): ParamSpec[] {
  const { prefix, inChannels: fanIn, outChannels: fanOut } = layer;
  return [
    {
      name: `${prefix}.weights`,
      shape: [fanIn, fanOut],
      init: scaledXavierUniform(fanIn, fanOut, layer.initScale),
      trainable: true,
    },
    {
      name: `${prefix}.bias`,
      shape: [fanOut],
      init: constant(0),
      trainable: true,
    },
  ];
}

/** x [N, H, W, in] → x·W + b [N, H, W, out], for every pixel. */
export function applyNin(
  scope: ParamScope,
  layer: NinLayer,
  x: tf.Tensor4D,
): tf.Tensor4D {
  const w = scope.param(`${layer.prefix}.weights`) as tf.Tensor2D;
  const b = scope.param(`${layer.prefix}.bias`);
  const [n, h, width, c] = x.shape;
  return tf.tidy(() => {
    const flat = tf.reshape(x, [n * h * width, c]) as tf.Tensor2D;
    const y = tf.add(tf.matMul(flat, w), b);
    return tf.reshape(y, [n, h, width, layer.outChannels]);
  });
}
