// The UNet's residual block (`ResnetBlock`; DDPM, Ho et al. 2020,
// arXiv:2006.11239, appendix B; without the time embedding):
// GroupNorm → swish → conv → GroupNorm → swish → conv, plus the input
// (through a Nin when the width changes).
//
// NOTE: the authors' block applies Dropout2d before its second conv; every
// config of the paper sets dropout 0, so there is none here.
import * as tf from '@tensorflow/tfjs-core';
import type { ParamScope, ParamSpec } from '../params';
import { applyConv, convSpecs, scaledConvSpecs } from './conv';
import type { ConvLayer } from './conv';
import { groupNorm, groupNormSpecs, type GroupNormLayer } from './group-norm';
import { applyNin, ninSpecs, type NinLayer } from './nin';

/** One residual block as data. */
export interface ResnetBlockLayer {
  /** Parameters under `${prefix}.{normalize0,conv0,normalize1,conv1,nin}`. */
  readonly prefix: string;
  readonly inChannels: number;
  readonly outChannels: number;
  /** GroupNorm groups and ε. */
  readonly groups: number;
  readonly eps: number;
  /**
   * Conv init: 'scaled' = `init_weights` at scale 1 (U(±√(3/(fan_in +
   * fan_out))), zero bias), which the authors' code applies to the down
   * path only; 'torch' = PyTorch's default, which every other conv keeps.
   */
  readonly convInit: 'scaled' | 'torch';
}

interface ResnetLayers {
  readonly norm0: GroupNormLayer;
  readonly conv0: ConvLayer;
  readonly norm1: GroupNormLayer;
  readonly conv1: ConvLayer;
  readonly nin: NinLayer | null;
}

function resnetLayers(b: ResnetBlockLayer): ResnetLayers {
  const { prefix: p, inChannels: i, outChannels: o } = b;
  const norm = (name: string, channels: number): GroupNormLayer => ({
    prefix: `${p}.${name}`,
    channels,
    groups: b.groups,
    eps: b.eps,
  });
  const conv = (name: string, inC: number): ConvLayer => ({
    prefix: `${p}.${name}`,
    inChannels: inC,
    outChannels: o,
    kernelSize: 3,
    dilation: 1,
    bias: true,
  });
  const nin = { prefix: `${p}.nin`, inChannels: i, outChannels: o };
  return {
    norm0: norm('normalize0', i),
    conv0: conv('conv0', i),
    norm1: norm('normalize1', o),
    conv1: conv('conv1', o),
    nin: i === o ? null : { ...nin, initScale: 1 },
  };
}

/** Specs in the authors' module order. */
export function resnetBlockSpecs(b: ResnetBlockLayer): ParamSpec[] {
  const l = resnetLayers(b);
  const conv = (layer: ConvLayer) =>
    b.convInit === 'scaled'
      ? scaledConvSpecs(layer, 1)
      : convSpecs(layer, 'torch');
  return [
    ...groupNormSpecs(l.norm0),
    ...conv(l.conv0),
    ...groupNormSpecs(l.norm1),
    ...conv(l.conv1),
    ...(l.nin ? ninSpecs(l.nin) : []),
  ];
}

/** Swish / SiLU, x·sigmoid(x) (Ramachandran et al. 2017, arXiv:1710.05941). */
export function swish<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => tf.mul(x, tf.sigmoid(x)));
}

/**
 * Residual block x [N, H, W, in] → [N, H, W, out] (arXiv:2006.11239,
 * appendix B): nin(x) + conv1(swish(norm1(conv0(swish(norm0(x)))))).
 */
export function resnetBlock(
  scope: ParamScope,
  b: ResnetBlockLayer,
  x: tf.Tensor4D,
): tf.Tensor4D {
  const l = resnetLayers(b);
  const stage = (norm: GroupNormLayer, conv: ConvLayer, t: tf.Tensor4D) =>
    tf.tidy(() => applyConv(scope, conv, swish(groupNorm(scope, norm, t))));
  return tf.tidy(() => {
    const h0 = stage(l.norm0, l.conv0, x);
    const h1 = stage(l.norm1, l.conv1, h0);
    h0.dispose();
    return tf.add(l.nin ? applyNin(scope, l.nin, x) : x, h1);
  });
}
