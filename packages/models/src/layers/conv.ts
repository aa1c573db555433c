// Convolutions in NHWC with PyTorch's padding conventions. Weights are
// [kh, kw, in, out] (tfjs layout); PyTorch stores [out, in, kh, kw].
import * as tf from '@tensorflow/tfjs-core';
import { getParam, type ParamSpec, type Params } from '../params';
import type { Init } from '../params';
import { torchDefault, xavierUniform } from './init';

/** A 2-D convolution layer as data: shapes and where its params live. */
export interface ConvLayer {
  /** Parameters are `${prefix}.weight` and `${prefix}.bias`. */
  readonly prefix: string;
  readonly inChannels: number;
  readonly outChannels: number;
  /** Odd kernel size; padding keeps the size ("same"). */
  readonly kernelSize: number;
  /** Dilation rate, 1 for a plain convolution. */
  readonly dilation: number;
  readonly bias: boolean;
  /** Zero-pad one row on top and one column on the left first. */
  readonly padTopLeft?: boolean;
  /** Average 2×2 blocks afterwards (halves H and W). */
  readonly meanPool?: boolean;
}

/** Weight initialisers: PyTorch's default or Glorot uniform. */
export type WeightInit = 'torch' | 'xavier';

/** Parameter specs of a conv layer (bias always PyTorch's default). */
export function convSpecs(layer: ConvLayer, init: WeightInit): ParamSpec[] {
  const k = layer.kernelSize;
  if (k % 2 !== 1 || layer.dilation < 1) {
    throw new Error(
      `convSpecs(${layer.prefix}): kernel size must be odd and dilation ` +
        `>= 1, got ${k} and ${layer.dilation}`,
    );
  }
  const fanIn = layer.inChannels * k * k;
  const fanOut = layer.outChannels * k * k;
  const weightInit: Init =
    init === 'torch' ? torchDefault(fanIn) : xavierUniform(fanIn, fanOut);
  const shape = [k, k, layer.inChannels, layer.outChannels];
  const specs: ParamSpec[] = [
    {
      name: `${layer.prefix}.weight`,
      shape,
      init: weightInit,
      trainable: true,
    },
  ];
  if (layer.bias) {
    specs.push({
      name: `${layer.prefix}.bias`,
      shape: [layer.outChannels],
      init: torchDefault(fanIn),
      trainable: true,
    });
  }
  return specs;
}

/**
 * Applies a conv layer to x [N, H, W, in] → [N, H', W', out]; `weight`
 * overrides the stored one (spectral norm passes W/σ).
 */
export function applyConv(
  params: Params,
  layer: ConvLayer,
  x: tf.Tensor4D,
  owner: string,
  weight?: tf.Tensor4D,
): tf.Tensor4D {
  const w =
    weight ??
    (getParam(params, `${layer.prefix}.weight`, owner) as tf.Tensor4D);
  let h = layer.padTopLeft
    ? tf.pad(x, [
        [0, 0],
        [1, 0],
        [1, 0],
        [0, 0],
      ])
    : x;
  h = conv2dSame(h, w, layer.dilation);
  if (layer.bias)
    h = tf.add(h, getParam(params, `${layer.prefix}.bias`, owner));
  return layer.meanPool ? meanPool2(h) : h;
}

/**
 * Stride-1 convolution with PyTorch's `padding = dilation·(k − 1)/2`
 * ("same" for odd k). Dilated convolutions go through space-to-batch
 * (Yu & Koltun 2016, arXiv:1511.07122; as TF's atrous conv does).
 */
export function conv2dSame(
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  dilation: number,
): tf.Tensor4D {
  if (dilation === 1) return tf.conv2d(x, w, 1, 'same');
  // NOTE: tfjs-core 4.22 has no conv2d gradient for dilation > 1, so the
  // dilated conv is a plain 'valid' conv on the d×d interleaved sub-images.
  const d = dilation;
  const pad = (d * (w.shape[0] - 1)) / 2;
  const [, height, width] = x.shape;
  const extraH = (d - ((height + 2 * pad) % d)) % d;
  const extraW = (d - ((width + 2 * pad) % d)) % d;
  const paddings = [
    [pad, pad + extraH],
    [pad, pad + extraW],
  ];
  const batched = tf.spaceToBatchND(x, [d, d], paddings);
  const y = tf.conv2d(batched as tf.Tensor4D, w, 1, 'valid');
  const crops = [
    [0, extraH],
    [0, extraW],
  ];
  return tf.batchToSpaceND(y, [d, d], crops) as tf.Tensor4D;
}

/**
 * Mean of each 2×2 block, [N, H, W, C] → [N, H/2, W/2, C]: the
 * `ConvMeanPool` pooling of ncsnv2's layers.py (H and W must be even).
 */
export function meanPool2(x: tf.Tensor4D): tf.Tensor4D {
  return tf.avgPool(x, 2, 2, 'valid');
}
