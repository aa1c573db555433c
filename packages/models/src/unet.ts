// The paper's UNet score network for CIFAR-10 (arXiv:2009.05475, PAPER.md
// §7; the authors' models/UNet.py): the DDPM UNet (Ho et al. 2020,
// arXiv:2006.11239, appendix B) without its time embedding, noise
// unconditional; the output is σ·score, as for NCSNv2.
//
// NOTE: the authors' class also builds a time-embedding MLP (`temb_dense`,
// 0.33 M parameters) that its forward never uses without `conditional`,
// which no run sets; it is not built here (see `unetTorchLayout`).
// Dropout (their `Dropout2d`) is 0 in every config and left out.
import * as tf from '@tensorflow/tfjs-core';
import { attnBlock, attnBlockSpecs } from './layers/attention';
import type { AttnBlockLayer } from './layers/attention';
import { applyConv, convSpecs, scaledConvSpecs } from './layers/conv';
import type { ConvLayer } from './layers/conv';
import { groupNorm, groupNormSpecs } from './layers/group-norm';
import type { GroupNormLayer } from './layers/group-norm';
import { downsampleConv, upsampleConv } from './layers/resample';
import { resnetBlock, resnetBlockSpecs, swish } from './layers/resnet-block';
import type { ResnetBlockLayer } from './layers/resnet-block';
import { checkImageInput, type Network } from './network';
import { assertNever, initParams, paramScope } from './params';
import type { ParamScope, ParamSpec } from './params';

/** GroupNorm ε of the authors' `Normalize` (PyTorch's default is 1e-5). */
export const UNET_GROUP_NORM_EPS = 1e-6;

/** Config of the UNet; `unet()` fills in the paper's values. */
export interface UNetConfig {
  /** Base width `ch` (the authors' `ngf`; 128). */
  readonly ch: number;
  /** Width multiple of each resolution level ([1, 2, 2, 2]). */
  readonly chMult: readonly number[];
  /** Residual blocks per level going down (2); one more going up. */
  readonly numResBlocks: number;
  /** Resolutions with attention after each residual block ([16]). */
  readonly attnResolutions: readonly number[];
  /** GroupNorm groups (32); every width must be a multiple. */
  readonly groups: number;
  /** Image channels C (3). */
  readonly channels: number;
  /** Height = width of the input (32). */
  readonly imageSize: number;
}

/** The paper's UNet (PAPER.md §7): 32,856,707 parameters. */
export const UNET_DEFAULTS: UNetConfig = Object.freeze({
  ch: 128,
  chMult: Object.freeze([1, 2, 2, 2]),
  numResBlocks: 2,
  attnResolutions: Object.freeze([16]),
  groups: 32,
  channels: 3,
  imageSize: 32,
});

/** A UNet: images [N, H, W, C] in [0, 1] → σ·score of the same shape. */
export type UNetNetwork = Network<UNetConfig, tf.Tensor4D, tf.Tensor4D>;

/**
 * One entry of the authors' `downblocks` / `middleblocks` / `upblocks`
 * lists. Convs carry their init: 'scaled' in the down path (their
 * `init_weights(self.downblocks, module=True)`), PyTorch's elsewhere.
 */
type UNetModule =
  | {
      readonly kind: 'conv' | 'downsample' | 'upsample';
      readonly conv: ConvLayer;
      readonly init: 'scaled' | 'torch';
    }
  | { readonly kind: 'res'; readonly block: ResnetBlockLayer }
  | { readonly kind: 'attn'; readonly block: AttnBlockLayer };

interface Plan {
  readonly down: readonly UNetModule[];
  readonly middle: readonly UNetModule[];
  readonly up: readonly UNetModule[];
  readonly norm: GroupNormLayer;
  readonly out: ConvLayer;
}

const KIND = 'unet';

/**
 * The UNet with the paper's config unless overridden: 32,856,707
 * parameters at ch 128, mult (1, 2, 2, 2), 32×32×3 (paper 32.86 M).
 */
export function unet(options: Partial<UNetConfig> = {}): UNetNetwork {
  const config: UNetConfig = Object.freeze({
    ...UNET_DEFAULTS,
    ...options,
    chMult: Object.freeze([...(options.chMult ?? UNET_DEFAULTS.chMult)]),
    attnResolutions: Object.freeze([
      ...(options.attnResolutions ?? UNET_DEFAULTS.attnResolutions),
    ]),
  });
  validateConfig(config);
  const plan = makePlan(config);
  const specs = Object.freeze(planSpecs(plan));
  return {
    kind: KIND,
    config,
    specs: () => specs,
    init: (seed) => initParams(specs, seed),
    apply: (params, x) => {
      checkImageInput(KIND, x, config);
      const scope = paramScope(params, KIND);
      return tf.tidy(() => forward(scope, plan, x));
    },
  };
}

function validateConfig(config: UNetConfig): void {
  const { ch, chMult, numResBlocks, groups, channels, imageSize } = config;
  const positive = (n: number) => Number.isInteger(n) && n >= 1;
  const ok =
    [ch, numResBlocks, groups, channels, imageSize].every(positive) &&
    chMult.length >= 1 &&
    chMult.every(positive);
  if (!ok) {
    throw new Error(
      `${KIND}: ch, chMult (non-empty), numResBlocks, groups, channels ` +
        `and imageSize must be positive integers, got ch=${ch}, ` +
        `chMult=[${chMult.join(', ')}], numResBlocks=${numResBlocks}, ` +
        `groups=${groups}, channels=${channels}, imageSize=${imageSize}`,
    );
  }
  const halvings = 2 ** (chMult.length - 1);
  if (imageSize % halvings !== 0) {
    throw new Error(
      `${KIND}: imageSize must be a multiple of ${halvings} (${chMult.length}` +
        ` levels, each but the last halves it), got ${imageSize}`,
    );
  }
  const sizes = chMult.map((_, i) => imageSize / 2 ** i);
  const stray = config.attnResolutions.filter((r) => !sizes.includes(r));
  if (stray.length > 0) {
    throw new Error(
      `${KIND}: attnResolutions must be level resolutions ` +
        `[${sizes.join(', ')}], got [${stray.join(', ')}]`,
    );
  }
}

/** A 3×3 conv with bias. */
function conv3x3(prefix: string, inC: number, outC: number): ConvLayer {
  return {
    prefix,
    inChannels: inC,
    outChannels: outC,
    kernelSize: 3,
    dilation: 1,
    bias: true,
  };
}

/** Builds the module lists in the order of the authors' constructor. */
function makePlan(config: UNetConfig): Plan {
  const widths = config.chMult.map((m) => m * config.ch);
  const skips: number[] = [];
  const down = downPlan(config, widths, skips);
  const deepest = widths[widths.length - 1];
  const block = blockMaker(config);
  const middle: UNetModule[] = [
    block('middleblocks.0', deepest, deepest, 'torch'),
    attn(config, 'middleblocks.1', deepest),
    block('middleblocks.2', deepest, deepest, 'torch'),
  ];
  const up = upPlan(config, widths, skips);
  return {
    down,
    middle,
    up,
    norm: normLayer(config, 'normalize', widths[0]),
    out: conv3x3('out', widths[0], config.channels),
  };
}

function blockMaker(config: UNetConfig) {
  return (
    prefix: string,
    inChannels: number,
    outChannels: number,
    convInit: 'scaled' | 'torch',
  ): UNetModule => ({
    kind: 'res',
    block: {
      prefix,
      inChannels,
      outChannels,
      groups: config.groups,
      eps: UNET_GROUP_NORM_EPS,
      convInit,
    },
  });
}

function attn(config: UNetConfig, prefix: string, c: number): UNetModule {
  const { groups } = config;
  const eps = UNET_GROUP_NORM_EPS;
  return { kind: 'attn', block: { prefix, channels: c, groups, eps } };
}

function normLayer(
  config: UNetConfig,
  prefix: string,
  channels: number,
): GroupNormLayer {
  const { groups } = config;
  return { prefix, channels, groups, eps: UNET_GROUP_NORM_EPS };
}

/**
 * downblocks: input conv; per level numResBlocks blocks (each followed by
 * attention at an attention resolution) and, but for the last level, a
 * stride-2 conv. Pushes onto `skips` the width of each output the up path
 * will read (the authors' `ch_size`).
 */
function downPlan(
  config: UNetConfig,
  widths: readonly number[],
  skips: number[],
): UNetModule[] {
  const down: UNetModule[] = [];
  const at = () => `downblocks.${down.length}`;
  const block = blockMaker(config);
  down.push({
    kind: 'conv',
    conv: conv3x3(at(), config.channels, config.ch),
    init: 'scaled',
  });
  skips.push(config.ch);
  let prev = config.ch;
  widths.forEach((width, level) => {
    const size = config.imageSize / 2 ** level;
    for (let j = 0; j < config.numResBlocks; j++) {
      down.push(block(at(), j === 0 ? prev : width, width, 'scaled'));
      if (config.attnResolutions.includes(size)) {
        down.push(attn(config, at(), width));
      }
      skips.push(width);
    }
    if (level < widths.length - 1) {
      const conv = conv3x3(at(), width, width);
      down.push({ kind: 'downsample', conv, init: 'scaled' });
      skips.push(width);
    }
    prev = width;
  });
  return down;
}

/**
 * upblocks: from the deepest level, numResBlocks + 1 blocks per level,
 * each on [h, skip] concatenated (and followed by attention at an
 * attention resolution), then, but for the first level, an upsample.
 */
function upPlan(
  config: UNetConfig,
  widths: readonly number[],
  skips: number[],
): UNetModule[] {
  const up: UNetModule[] = [];
  const at = () => `upblocks.${up.length}`;
  const block = blockMaker(config);
  let prev = widths[widths.length - 1];
  for (let level = widths.length - 1; level >= 0; level--) {
    const width = widths[level];
    const size = config.imageSize / 2 ** level;
    for (let j = 0; j <= config.numResBlocks; j++) {
      const skip = skips.pop() as number;
      up.push(block(at(), prev + skip, width, 'torch'));
      if (config.attnResolutions.includes(size)) {
        up.push(attn(config, at(), width));
      }
      prev = width;
    }
    if (level > 0) {
      const conv = conv3x3(`${at()}.conv`, width, width);
      up.push({ kind: 'upsample', conv, init: 'torch' });
    }
  }
  return up;
}

function moduleSpecs(m: UNetModule): ParamSpec[] {
  switch (m.kind) {
    case 'conv':
    case 'downsample':
    case 'upsample':
      return m.init === 'scaled'
        ? scaledConvSpecs(m.conv, 1)
        : convSpecs(m.conv, 'torch');
    case 'res':
      return resnetBlockSpecs(m.block);
    case 'attn':
      return attnBlockSpecs(m.block);
    default:
      return assertNever(m);
  }
}

function planSpecs(plan: Plan): ParamSpec[] {
  return [
    ...[...plan.down, ...plan.middle, ...plan.up].flatMap(moduleSpecs),
    ...groupNormSpecs(plan.norm),
    ...convSpecs(plan.out, 'torch'),
  ];
}

function applyModule(
  scope: ParamScope,
  m: UNetModule,
  x: tf.Tensor4D,
): tf.Tensor4D {
  switch (m.kind) {
    case 'conv':
      return applyConv(scope, m.conv, x);
    case 'downsample':
      return downsampleConv(scope, m.conv, x);
    case 'upsample':
      return upsampleConv(scope, m.conv, x);
    case 'res':
      return resnetBlock(scope, m.block, x);
    case 'attn':
      return attnBlock(scope, m.block, x);
    default:
      return assertNever(m);
  }
}

/**
 * x [N, H, W, C] (data scale [0, 1], noisy; no input map) → f(x)
 * [N, H, W, C] ≈ σ·score, as UNet.forward: every down output is kept
 * for the up path (an attention output replaces its block's); each up
 * residual block reads [h, skip] concatenated on channels. An activation
 * is freed once nothing reads it.
 */
function forward(scope: ParamScope, plan: Plan, x: tf.Tensor4D): tf.Tensor4D {
  const hs: tf.Tensor4D[] = [];
  let h = x;
  for (const m of plan.down) {
    const next = applyModule(scope, m, h);
    if (m.kind === 'attn') hs.pop(); // its input, the block's output
    if (h !== x && !hs.includes(h)) h.dispose();
    hs.push(next);
    h = next;
  }
  for (const m of plan.middle) {
    const next = applyModule(scope, m, h);
    if (!hs.includes(h)) h.dispose();
    h = next;
  }
  for (const m of plan.up) {
    const skip = m.kind === 'res' ? hs.pop() : undefined;
    const next = skip
      ? tf.tidy(() => applyModule(scope, m, tf.concat([h, skip], 3)))
      : applyModule(scope, m, h);
    tf.dispose([h, ...(skip ? [skip] : [])]);
    h = next;
  }
  const out = tf.tidy(() =>
    applyConv(scope, plan.out, swish(groupNorm(scope, plan.norm, h))),
  );
  h.dispose();
  return out;
}

/** How one of our tensors comes from the authors' state_dict. */
export interface TorchTensor {
  /** Our parameter name; the same in the authors' state_dict. */
  readonly name: string;
  /** Its shape there. */
  readonly torchShape: readonly number[];
  /** Ours = theirs.<op>: conv [out, in, kh, kw], Nin [out, in], vectors. */
  readonly fromTorch: 'permute(2, 3, 1, 0)' | 't()' | 'none';
}

/**
 * The correspondence with the authors' `UNet` state_dict: every one of
 * our parameters, in order, with its PyTorch shape and conversion; then
 * `unused`, their time-embedding tensors that have no counterpart here.
 * Our specs list the state_dict's entries in its order, less `unused`.
 */
export function unetTorchLayout(network: UNetNetwork): {
  readonly tensors: readonly TorchTensor[];
  readonly unused: readonly TorchTensor[];
} {
  const tensors = network.specs().map((spec): TorchTensor => {
    const s = spec.shape;
    if (s.length === 4) {
      const torchShape = [s[3], s[2], s[0], s[1]];
      return { name: spec.name, torchShape, fromTorch: 'permute(2, 3, 1, 0)' };
    }
    if (s.length === 2) {
      return { name: spec.name, torchShape: [s[1], s[0]], fromTorch: 't()' };
    }
    return { name: spec.name, torchShape: [...s], fromTorch: 'none' };
  });
  const { ch } = network.config;
  const unused: TorchTensor[] = [
    { name: 'temb_dense.0.weight', torchShape: [4 * ch, ch], fromTorch: 't()' },
    { name: 'temb_dense.0.bias', torchShape: [4 * ch], fromTorch: 'none' },
    {
      name: 'temb_dense.2.weight',
      torchShape: [4 * ch, 4 * ch],
      fromTorch: 't()',
    },
    { name: 'temb_dense.2.bias', torchShape: [4 * ch], fromTorch: 'none' },
  ];
  return { tensors, unused };
}
