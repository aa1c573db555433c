// BigGAN discriminator (Brock et al. 2019, arXiv:1809.11096), as the
// authors use it (models_biggan.py, from BigGAN-PyTorch): wide DBlocks
// with spectral norm on every conv and linear layer, ReLU, average-pool
// downsampling, global sum pooling, linear → 1. Unconditional, no attention.
import * as tf from '@tensorflow/tfjs-core';
import { applyConv, convSpecs, meanPool2, type ConvLayer } from './layers/conv';
import { applyLinear, linearSpecs, type LinearLayer } from './layers/linear';
import { spectralNormSpec, spectralNormalized } from './layers/spectral-norm';
import { checkImageInput } from './network';
import type { ApplyOptions, Network } from './network';
import { initParams, type ParamSpec, type Params } from './params';

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
      checkImageInput(KIND, x, frozen.imageSize, frozen.channels);
      const training = options.training ?? false;
      return tf.tidy(() => forward(plan, params, x, training));
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
  const blocks = arch.map((b, i) => {
    const inC = b.inMult === 'input' ? channels : b.inMult * ch;
    return dblock(`blocks.${i}.0`, inC, b.outMult * ch, b.down, i > 0);
  });
  const width = blocks[blocks.length - 1].conv2.outChannels;
  return {
    blocks,
    linear: { prefix: 'linear', inFeatures: width, outFeatures: 1 },
  };
}

function dblock(
  prefix: string,
  inC: number,
  outC: number,
  down: boolean,
  preactivation: boolean,
): DBlockLayers {
  const conv = (name: string, i: number, k: number): ConvLayer => ({
    prefix: `${prefix}.${name}`,
    inChannels: i,
    outChannels: outC,
    kernelSize: k,
    dilation: 1,
    bias: true,
  });
  const learnable = inC !== outC || down;
  return {
    conv1: conv('conv1', inC, 3),
    conv2: conv('conv2', outC, 3),
    shortcut: learnable ? conv('conv_sc', inC, 1) : null,
    down,
    preactivation,
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

function snConv(
  params: Params,
  layer: ConvLayer,
  x: tf.Tensor4D,
  training: boolean,
): tf.Tensor4D {
  const w = spectralNormalized<tf.Tensor4D>(
    params,
    layer.prefix,
    training,
    KIND,
  );
  return applyConv(params, layer, x, KIND, w);
}

/**
 * BigGAN's DBlock: h = conv2(relu(conv1(relu?(x)))), pooled if down;
 * shortcut = pool∘conv_sc (pre-activated blocks) or conv_sc∘pool (first).
 */
function dblockForward(
  params: Params,
  b: DBlockLayers,
  x: tf.Tensor4D,
  training: boolean,
): tf.Tensor4D {
  const input = b.preactivation ? tf.relu(x) : x;
  let h = snConv(params, b.conv1, input, training);
  h = snConv(params, b.conv2, tf.relu(h), training);
  if (b.down) h = meanPool2(h);
  let s = x;
  if (b.preactivation) {
    if (b.shortcut) s = snConv(params, b.shortcut, s, training);
    if (b.down) s = meanPool2(s);
  } else {
    if (b.down) s = meanPool2(s);
    if (b.shortcut) s = snConv(params, b.shortcut, s, training);
  }
  return tf.add(h, s);
}

function forward(
  plan: Plan,
  params: Params,
  x: tf.Tensor4D,
  training: boolean,
): tf.Tensor2D {
  let h = x;
  for (const block of plan.blocks)
    h = dblockForward(params, block, h, training);
  const pooled = tf.sum(tf.relu(h), [1, 2]) as tf.Tensor2D; // global sum pool
  const lin = plan.linear;
  const w = spectralNormalized<tf.Tensor2D>(params, lin.prefix, training, KIND);
  return applyLinear(params, lin, pooled, KIND, w);
}
