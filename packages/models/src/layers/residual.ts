// NCSNv2's pre-activation residual block (ncsnv2's layers.py,
// `ResidualBlock`): norm → ELU → conv → norm → ELU → conv, plus shortcut.
import * as tf from '@tensorflow/tfjs-core';
import type { ParamScope, ParamSpec } from '../params';
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

/** A conv with bias; `dilation` 1 for a plain one. */
function conv(
  prefix: string,
  [inChannels, outChannels]: [number, number],
  [kernelSize, dilation]: [number, number],
): ConvLayer {
  return { prefix, inChannels, outChannels, kernelSize, dilation, bias: true };
}

/**
 * A conv followed by 2×2 mean pooling, ncsnv2's `ConvMeanPool`; with
 * adjust_padding its conv sits at index 1 of a Sequential after ZeroPad2d.
 */
function convMeanPool(layer: ConvLayer, adjust: boolean): ConvLayer {
  const prefix = `${layer.prefix}.conv${adjust ? '.1' : ''}`;
  return { ...layer, prefix, padTopLeft: adjust, meanPool: true };
}

function downLayers(b: ResidualBlockLayer): ResidualLayers {
  const { prefix: p, inChannels: i, outChannels: o } = b;
  if (b.dilation !== null) {
    const k: [number, number] = [3, b.dilation];
    return {
      conv1: conv(`${p}.conv1`, [i, i], k),
      norm2Channels: i,
      conv2: conv(`${p}.conv2`, [i, o], k),
      shortcut: conv(`${p}.shortcut`, [i, o], k),
    };
  }
  const adjust = b.adjustPadding;
  return {
    conv1: conv(`${p}.conv1`, [i, i], [3, 1]),
    norm2Channels: i,
    conv2: convMeanPool(conv(`${p}.conv2`, [i, o], [3, 1]), adjust),
    shortcut: convMeanPool(conv(`${p}.shortcut`, [i, o], [1, 1]), adjust),
  };
}

function sameSizeLayers(b: ResidualBlockLayer): ResidualLayers {
  const { prefix: p, inChannels: i, outChannels: o } = b;
  const k: [number, number] = [3, b.dilation ?? 1];
  // A dilated block's shortcut is a dilated 3×3 conv, a plain one's 1×1.
  const short: [number, number] = b.dilation === null ? [1, 1] : k;
  return {
    conv1: conv(`${p}.conv1`, [i, o], k),
    norm2Channels: o,
    conv2: conv(`${p}.conv2`, [o, o], k),
    shortcut: i === o ? null : conv(`${p}.shortcut`, [i, o], short),
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
 * (He et al. 2016, arXiv:1603.05027; ncsnv2's `ResidualBlock`). Each
 * norm → ELU → conv frees its intermediates before the next starts.
 */
export function residualBlock(
  scope: ParamScope,
  b: ResidualBlockLayer,
  x: tf.Tensor4D,
): tf.Tensor4D {
  const layers = residualLayers(b);
  const stage = (norm: string, conv: ConvLayer, t: tf.Tensor4D) =>
    tf.tidy(() => {
      const h = tf.elu(instanceNormPlus(scope, `${b.prefix}.${norm}`, t));
      return applyConv(scope, conv, h as tf.Tensor4D);
    });
  return tf.tidy(() => {
    const h1 = stage('normalize1', layers.conv1, x);
    const h2 = stage('normalize2', layers.conv2, h1);
    h1.dispose();
    const { shortcut } = layers;
    return tf.add(shortcut ? applyConv(scope, shortcut, x) : x, h2);
  });
}
