// NCSNv2's pre-activation residual block (ncsnv2's layers.py,
// `ResidualBlock`): norm → ELU → conv → norm → ELU → conv, plus shortcut.
import * as tf from '@tensorflow/tfjs-core';
import type { ParamSpec, Params } from '../params';
import { applyConv, convSpecs, type ConvLayer } from './conv';
import { instanceNormPlus, instanceNormPlusSpecs } from './instance-norm-plus';

/** One residual block as data. */
export interface ResidualBlockLayer {
  readonly prefix: string;
  readonly inChannels: number;
  readonly outChannels: number;
  /** 'down' halves H and W, unless the block is dilated. */
  readonly resample: 'down' | null;
  /** Dilation of all 3×3 convs, or null for none. */
  readonly dilation: number | null;
  /** Zero-pad top/left before a non-dilated down conv (28×28 inputs). */
  readonly adjustPadding: boolean;
}

interface ResidualLayers {
  readonly conv1: ConvLayer;
  readonly norm2Channels: number;
  readonly conv2: ConvLayer;
  readonly shortcut: ConvLayer | null;
}

function conv(
  prefix: string,
  inChannels: number,
  outChannels: number,
  kernelSize: number,
  dilation: number,
): ConvLayer {
  return { prefix, inChannels, outChannels, kernelSize, dilation, bias: true };
}

/**
 * A conv followed by 2×2 mean pooling, ncsnv2's `ConvMeanPool`; with
 * adjust_padding its conv sits at index 1 of a Sequential after ZeroPad2d.
 */
function convMeanPool(
  prefix: string,
  inC: number,
  outC: number,
  kernelSize: number,
  adjust: boolean,
): ConvLayer {
  const name = adjust ? `${prefix}.conv.1` : `${prefix}.conv`;
  const base = conv(name, inC, outC, kernelSize, 1);
  return { ...base, padTopLeft: adjust, meanPool: true };
}

function downLayers(b: ResidualBlockLayer): ResidualLayers {
  const { prefix: p, inChannels: i, outChannels: o } = b;
  if (b.dilation !== null) {
    const d = b.dilation;
    return {
      conv1: conv(`${p}.conv1`, i, i, 3, d),
      norm2Channels: i,
      conv2: conv(`${p}.conv2`, i, o, 3, d),
      shortcut: conv(`${p}.shortcut`, i, o, 3, d),
    };
  }
  const adjust = b.adjustPadding;
  return {
    conv1: conv(`${p}.conv1`, i, i, 3, 1),
    norm2Channels: i,
    conv2: convMeanPool(`${p}.conv2`, i, o, 3, adjust),
    shortcut: convMeanPool(`${p}.shortcut`, i, o, 1, adjust),
  };
}

function sameSizeLayers(b: ResidualBlockLayer): ResidualLayers {
  const { prefix: p, inChannels: i, outChannels: o } = b;
  const d = b.dilation ?? 1;
  const shortcutKernel = b.dilation === null ? 1 : 3;
  return {
    conv1: conv(`${p}.conv1`, i, o, 3, d),
    norm2Channels: o,
    conv2: conv(`${p}.conv2`, o, o, 3, d),
    shortcut: i === o ? null : conv(`${p}.shortcut`, i, o, shortcutKernel, d),
  };
}

function residualLayers(b: ResidualBlockLayer): ResidualLayers {
  return b.resample === 'down' ? downLayers(b) : sameSizeLayers(b);
}

/** Parameter specs of a residual block (PyTorch default init). */
export function residualBlockSpecs(b: ResidualBlockLayer): ParamSpec[] {
  const layers = residualLayers(b);
  const convs = [layers.conv1, layers.conv2];
  if (layers.shortcut) convs.push(layers.shortcut);
  return [
    ...instanceNormPlusSpecs(`${b.prefix}.normalize1`, b.inChannels),
    ...instanceNormPlusSpecs(`${b.prefix}.normalize2`, layers.norm2Channels),
    ...convs.flatMap((layer) => convSpecs(layer, 'torch')),
  ];
}

/**
 * Pre-activation residual block on x [N, H, W, in] → [N, H', W', out]
 * (He et al. 2016, arXiv:1603.05027; ncsnv2's `ResidualBlock`).
 */
export function residualBlock(
  params: Params,
  b: ResidualBlockLayer,
  x: tf.Tensor4D,
  owner: string,
): tf.Tensor4D {
  const layers = residualLayers(b);
  const p = b.prefix;
  let h = tf.elu(instanceNormPlus(params, `${p}.normalize1`, x, owner));
  h = applyConv(params, layers.conv1, h, owner);
  h = tf.elu(instanceNormPlus(params, `${p}.normalize2`, h, owner));
  h = applyConv(params, layers.conv2, h, owner);
  const shortcut = layers.shortcut
    ? applyConv(params, layers.shortcut, x, owner)
    : x;
  return tf.add(shortcut, h);
}
