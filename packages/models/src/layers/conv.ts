// Convolutions in NHWC with PyTorch's padding conventions. Weights are
// [kh, kw, in, out] (tfjs layout).
//
// NOTE: PyTorch stores conv weights [out, in, kh, kw]; names follow its
// state_dict but the layout is tfjs's (convert with permute(2, 3, 1, 0)).
import * as tf from '@tensorflow/tfjs-core';
import type { ParamScope, ParamSpec } from '../params';
import type { Init } from '../params';
import {
  constant,
  scaledXavierUniform,
  torchDefault,
  xavierUniform,
} from './init';

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
 * Specs of a conv initialised by the UNet's `init_weights(scale)`:
 * weight U(±√(3·scale/(fan_in + fan_out))) (fans × k²), zero bias.
 */
export function scaledConvSpecs(layer: ConvLayer, scale: number): ParamSpec[] {
  const k2 = layer.kernelSize ** 2;
  const [fanIn, fanOut] = [layer.inChannels * k2, layer.outChannels * k2];
  return convSpecs(layer, 'torch').map((spec) => ({
    ...spec,
    init: spec.name.endsWith('.bias')
      ? constant(0)
      : scaledXavierUniform(fanIn, fanOut, scale),
  }));
}

/** What a conv does after the convolution and the bias. */
export type ConvActivation = 'linear' | 'elu';

/**
 * Applies a conv layer to x [N, H, W, in] → [N, H', W', out] with the
 * weight the scope gives (the stored one, or W/σ under spectral norm),
 * then `activation` (default linear); its intermediates are freed before
 * it returns.
 */
export function applyConv(
  scope: ParamScope,
  layer: ConvLayer,
  x: tf.Tensor4D,
  activation: ConvActivation = 'linear',
): tf.Tensor4D {
  return tf.tidy(() => {
    const w = scope.weight(layer.prefix) as tf.Tensor4D;
    const bias = layer.bias ? scope.param(`${layer.prefix}.bias`) : undefined;
    const pads: Array<[number, number]> = [
      [0, 0],
      [1, 0],
      [1, 0],
      [0, 0],
    ];
    const h = layer.padTopLeft ? tf.pad(x, pads) : x;
    const y = conv2dSame(h, w, layer.dilation, { bias, activation });
    return layer.meanPool ? meanPool2(y) : y;
  });
}

/** Optional steps of `conv2dSame` after the convolution. */
export interface ConvExtras {
  /** Added to each output channel, [out]. Default none. */
  readonly bias?: tf.Tensor;
  /** Default linear. */
  readonly activation?: ConvActivation;
}

/**
 * Stride-1 convolution with PyTorch's `padding = dilation·(k − 1)/2`
 * ("same" for odd k), then the bias and activation of `extras`. Training
 * through a dilated conv needs the conv2d gradient that @acsm/core's
 * initBackend registers.
 */
export function conv2dSame(
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  dilation: number,
  extras: ConvExtras = {},
): tf.Tensor4D {
  const { bias, activation = 'linear' } = extras;
  // Symmetric padding d·(k − 1)/2 for odd k: PyTorch's padding=d.
  if (dilation === 1) {
    // One kernel for conv, bias and activation. tf.fused.conv2d
    // differentiates only undilated convolutions, and only the linear
    // activation: under a gradient tape it runs ELU as a separate op.
    return tf.fused.conv2d({
      x,
      filter: w,
      strides: 1,
      pad: 'same',
      bias,
      activation,
    });
  }
  const y = tf.conv2d(x, w, 1, 'same', 'NHWC', dilation);
  const biased = bias ? tf.add<tf.Tensor4D>(y, bias) : y;
  return activation === 'elu' ? tf.elu(biased) : biased;
}

/**
 * Mean of each 2×2 block, [N, H, W, C] → [N, H/2, W/2, C]: the
 * `ConvMeanPool` pooling of ncsnv2's layers.py (H and W must be even).
 */
export function meanPool2(x: tf.Tensor4D): tf.Tensor4D {
  return tf.avgPool(x, 2, 2, 'valid');
}
