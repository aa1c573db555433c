// BigGAN discriminator (Brock et al. 2019, arXiv:1809.11096), as the
// authors use it (models_biggan.py, from BigGAN-PyTorch): wide DBlocks
// with spectral norm on every conv and linear layer, ReLU, average-pool
// downsampling, global sum pooling, linear → 1. Unconditional, no attention.
//
// NOTE: D_arch hard-codes 3 input channels; here they are `channels`. The
// output is [N, 1] where the authors' forward returns [N].
import * as tf from '@tensorflow/tfjs-core';
import { applyConv, convSpecs, meanPool2, type ConvLayer } from './layers/conv';
import { applyLinear, linearSpecs, type LinearLayer } from './layers/linear';
import { spectralNormScope, spectralNormSpec } from './layers/spectral-norm';
import { checkImageInput } from './network';
import type { ApplyOptions, Network } from './network';
import { initParams } from './params';
import type { ParamScope, ParamSpec } from './params';

/** Config of the BigGAN discriminator. */
export interface BigGANDiscriminatorConfig {
  /** Width multiplier `ch` (64 in the paper). */
  readonly ch: number;
  /** Image channels C. */
  readonly channels: number;
  /** Height = width of the input: 28, 32 or 64. */
  readonly imageSize: number;
}

interface BlockArch {
  readonly inMult: number | 'input';
  readonly outMult: number;
  readonly down: boolean;
}

/** D_arch of models_biggan.py for the resolutions used (no attention). */
const ARCH: Record<number, readonly BlockArch[]> = {
  28: smallArch(),
  32: smallArch(),
  64: [
    { inMult: 'input', outMult: 1, down: true },
    { inMult: 1, outMult: 2, down: true },
    { inMult: 2, outMult: 4, down: true },
    { inMult: 4, outMult: 8, down: true },
    { inMult: 8, outMult: 16, down: false },
  ],
};

function smallArch(): BlockArch[] {
  return [
    { inMult: 'input', outMult: 4, down: true },
    { inMult: 4, outMult: 4, down: true },
    { inMult: 4, outMult: 4, down: false },
    { inMult: 4, outMult: 4, down: false },
  ];
}

/** One DBlock: conv1, conv2 (hidden = out: wide D) and a 1×1 shortcut. */
interface DBlockLayers {
  readonly conv1: ConvLayer;
  readonly conv2: ConvLayer;
  readonly shortcut: ConvLayer | null;
  readonly down: boolean;
  readonly preactivation: boolean;
}

interface Plan {
  readonly blocks: readonly DBlockLayers[];
  readonly linear: LinearLayer;
}

const KIND = 'biggan-discriminator';

/**
 * BigGAN discriminator x [N, H, W, C] (values in [0, 1], as the authors
 * feed it) → logits [N, 1]: 4.20 M params at ch 64, 32×32×3.
 */
export function bigganDiscriminator(
  config: BigGANDiscriminatorConfig,
): Network<BigGANDiscriminatorConfig, tf.Tensor4D, tf.Tensor2D> {
  const frozen = Object.freeze({ ...config });
  const plan = makePlan(frozen);
  const specs = Object.freeze(planSpecs(plan));
  return {
    kind: KIND,
    config: frozen,
    specs: () => specs,
    init: (seed) => initParams(specs, seed),
    apply: (params, x, options: ApplyOptions = {}) => {
      checkImageInput(KIND, x, frozen);
      const training = options.training ?? false;
      const scope = spectralNormScope(params, KIND, training);
      return tf.tidy(() => forward(scope, plan, x));
    },
  };
}

function makePlan(config: BigGANDiscriminatorConfig): Plan {
  const { ch, channels, imageSize } = config;
  const arch = ARCH[imageSize];
  if (arch === undefined || !Number.isInteger(ch) || ch < 1) {
    throw new Error(
      `${KIND}: imageSize must be one of ${Object.keys(ARCH).join(', ')} ` +
        `and ch a positive integer, got imageSize=${imageSize}, ch=${ch}`,
    );
  }
  if (!Number.isInteger(channels) || channels < 1) {
    throw new Error(`${KIND}: channels must be >= 1, got ${channels}`);
  }
  const blocks = arch.map((b, i) =>
    dblock(`blocks.${i}.0`, {
      inChannels: b.inMult === 'input' ? channels : b.inMult * ch,
      outChannels: b.outMult * ch,
      down: b.down,
      preactivation: i > 0,
    }),
  );
  const width = blocks[blocks.length - 1].conv2.outChannels;
  return {
    blocks,
    linear: { prefix: 'linear', inFeatures: width, outFeatures: 1 },
  };
}

/** A DBlock's layers; the shortcut is learnable when shapes change. */
function dblock(
  prefix: string,
  b: {
    inChannels: number;
    outChannels: number;
    down: boolean;
    preactivation: boolean;
  },
): DBlockLayers {
  const conv = (name: string, inChannels: number, k: number): ConvLayer => ({
    prefix: `${prefix}.${name}`,
    inChannels,
    outChannels: b.outChannels,
    kernelSize: k,
    dilation: 1,
    bias: true,
  });
  const learnable = b.inChannels !== b.outChannels || b.down;
  return {
    conv1: conv('conv1', b.inChannels, 3),
    conv2: conv('conv2', b.outChannels, 3),
    shortcut: learnable ? conv('conv_sc', b.inChannels, 1) : null,
    down: b.down,
    preactivation: b.preactivation,
  };
}

/** Weights: Glorot uniform (the authors' `init: xavier`); u0 buffers. */
function planSpecs(plan: Plan): ParamSpec[] {
  const convs = plan.blocks.flatMap((b) =>
    b.shortcut ? [b.conv1, b.conv2, b.shortcut] : [b.conv1, b.conv2],
  );
  const convSpecList = convs.flatMap((c) => [
    ...convSpecs(c, 'xavier'),
    spectralNormSpec(c.prefix, c.outChannels),
  ]);
  const lin = plan.linear;
  return [
    ...convSpecList,
    ...linearSpecs(lin, 'xavier'),
    spectralNormSpec(lin.prefix, lin.outFeatures),
  ];
}

/**
 * BigGAN's DBlock: h = conv2(relu(conv1(relu?(x)))), pooled if down;
 * shortcut = pool∘conv_sc (pre-activated blocks) or conv_sc∘pool (first).
 * Every weight comes from the scope as W/σ(W).
 */
function dblockForward(
  scope: ParamScope,
  b: DBlockLayers,
  x: tf.Tensor4D,
): tf.Tensor4D {
  const input = b.preactivation ? tf.relu(x) : x;
  let h = applyConv(scope, b.conv1, input);
  h = applyConv(scope, b.conv2, tf.relu(h));
  if (b.down) h = meanPool2(h);
  let s = x;
  if (b.preactivation) {
    if (b.shortcut) s = applyConv(scope, b.shortcut, s);
    if (b.down) s = meanPool2(s);
  } else {
    if (b.down) s = meanPool2(s);
    if (b.shortcut) s = applyConv(scope, b.shortcut, s);
  }
  return tf.add(h, s);
}

/** DBlocks, ReLU, Σ over H and W (SN-GAN's global sum pool), linear. */
function forward(scope: ParamScope, plan: Plan, x: tf.Tensor4D): tf.Tensor2D {
  let h = x;
  for (const block of plan.blocks) h = dblockForward(scope, block, h);
  const pooled = tf.sum<tf.Tensor2D>(tf.relu(h), [1, 2]);
  return applyLinear(scope, plan.linear, pooled);
}
