// NCSNv2 and NCSNv2Deeper score networks (Song & Ermon 2020,
// arXiv:2006.09011, appendix B; ncsnv2's models/ncsnv2.py), noise
// unconditional: the output is σ·score (arXiv:2009.05475, section 2).
//
// NOTE: the authors' class also has `sigmoid`, `std`, `logit_transform`
// and `rescaled` switches; no run of the paper sets them, so the input map
// is always 2x − 1 and the output is the end conv's.
import * as tf from '@tensorflow/tfjs-core';
import { applyConv, convSpecs, type ConvLayer } from './layers/conv';
import {
  instanceNormPlus,
  instanceNormPlusSpecs,
} from './layers/instance-norm-plus';
import { refineBlock, refineBlockSpecs } from './layers/refine';
import type { RefineBlockLayer } from './layers/refine';
import { residualBlock, residualBlockSpecs } from './layers/residual';
import type { ResidualBlockLayer } from './layers/residual';
import { checkImageInput, type Network } from './network';
import { initParams, paramScope } from './params';
import type { ParamScope, ParamSpec } from './params';

/** Config of NCSNv2 / NCSNv2Deeper. */
export interface NCSNv2Config {
  /** Base width (128 in the paper). */
  readonly ngf: number;
  /** Image channels C (1 or 3). */
  readonly channels: number;
  /** Height = width of the input. */
  readonly imageSize: number;
  /**
   * Dilated deep stages that keep the resolution (default true); false is
   * the authors' `--no_dilation`: every 'down' stage halves the size.
   */
  readonly dilation: boolean;
  /**
   * Residual stages kept, from the first (default all: 4 for NCSNv2, 5
   * for NCSNv2Deeper); each stage brings its RefineBlock. Fewer stages
   * make a shallower, cheaper network for small profiles.
   */
  readonly depth: number;
}

/** Fields of NCSNv2Config that have defaults. */
export type NCSNv2Options = Omit<NCSNv2Config, 'dilation' | 'depth'> &
  Partial<Pick<NCSNv2Config, 'dilation' | 'depth'>>;

/** An NCSNv2: images [N, H, W, C] → σ·score of the same shape. */
export type NCSNv2Network = Network<NCSNv2Config, tf.Tensor4D, tf.Tensor4D>;

/** The two depths of the authors' code. */
export type NCSNv2Kind = 'ncsnv2' | 'ncsnv2-deeper';

interface Stage {
  readonly widthMult: number;
  readonly down: boolean;
  readonly dilation: number | null;
}

/** Stages of ncsnv2.py: width multiple, 'down', dilation when dilated. */
const STAGES: Record<NCSNv2Kind, readonly Stage[]> = {
  ncsnv2: [
    { widthMult: 1, down: false, dilation: null },
    { widthMult: 2, down: true, dilation: null },
    { widthMult: 2, down: true, dilation: 2 },
    { widthMult: 2, down: true, dilation: 4 },
  ],
  'ncsnv2-deeper': [
    { widthMult: 1, down: false, dilation: null },
    { widthMult: 2, down: true, dilation: null },
    { widthMult: 2, down: true, dilation: null },
    { widthMult: 4, down: true, dilation: 2 },
    { widthMult: 4, down: true, dilation: 4 },
  ],
};

interface Plan {
  readonly stages: ResidualBlockLayer[][];
  readonly refines: RefineBlockLayer[];
  readonly begin: ConvLayer;
  readonly end: ConvLayer;
}

/** NCSNv2 (4 stages, ngf·(1, 2, 2, 2)): 29.69 M params at ngf 128, 32×32×3. */
export function ncsnv2(options: NCSNv2Options): NCSNv2Network {
  return makeNCSNv2('ncsnv2', options);
}

/** NCSNv2Deeper (5 stages, ngf·(1, 2, 2, 4, 4)), for 64×64 images. */
export function ncsnv2Deeper(options: NCSNv2Options): NCSNv2Network {
  return makeNCSNv2('ncsnv2-deeper', options);
}

function makeNCSNv2(kind: NCSNv2Kind, options: NCSNv2Options): NCSNv2Network {
  const config: NCSNv2Config = Object.freeze({
    ngf: options.ngf,
    channels: options.channels,
    imageSize: options.imageSize,
    dilation: options.dilation ?? true,
    depth: options.depth ?? STAGES[kind].length,
  });
  const plan = makePlan(kind, config);
  const specs = Object.freeze(planSpecs(plan));
  return {
    kind,
    config,
    specs: () => specs,
    init: (seed) => initParams(specs, seed),
    apply: (params, x) => {
      checkImageInput(kind, x, config);
      const scope = paramScope(params, kind);
      return tf.tidy(() => forward(scope, plan, x));
    },
  };
}

function makePlan(kind: NCSNv2Kind, config: NCSNv2Config): Plan {
  validateConfig(kind, config);
  const { ngf, channels } = config;
  const stages = residualStages(kind, config);
  const widths = keptStages(kind, config).map((s) => s.widthMult * ngf);
  return {
    stages,
    refines: refinePlan(widths),
    begin: conv3x3('begin_conv', channels, ngf),
    end: conv3x3('end_conv', ngf, channels),
  };
}

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

/**
 * Two residual blocks per stage; the first resamples. As in ncsnv2.py,
 * adjust_padding is set on the last stage's down block for 28×28 inputs
 * (it only acts when that stage is not dilated).
 */
function residualStages(
  kind: NCSNv2Kind,
  config: NCSNv2Config,
): ResidualBlockLayer[][] {
  let inC = config.ngf;
  return keptStages(kind, config).map((stage, s) => {
    const outC = stage.widthMult * config.ngf;
    const dilation = config.dilation ? stage.dilation : null;
    const last = kind === 'ncsnv2' && s === STAGES[kind].length - 1;
    const block = (i: number, from: number): ResidualBlockLayer => ({
      prefix: `res${s + 1}.${i}`,
      inChannels: from,
      outChannels: outC,
      resample: i === 0 && stage.down ? 'down' : null,
      dilation,
      adjustPadding: i === 0 && last && config.imageSize === 28,
    });
    const blocks = [block(0, inC), block(1, outC)];
    inC = outC;
    return blocks;
  });
}

/** The first config.depth stages of the kind. */
function keptStages(kind: NCSNv2Kind, config: NCSNv2Config): readonly Stage[] {
  return STAGES[kind].slice(0, config.depth);
}

/**
 * RefineBlock k fuses stage S+1−k with the previous refine output and has
 * the width of the next shallower stage (the first stage for the last).
 */
function refinePlan(widths: readonly number[]): RefineBlockLayer[] {
  const n = widths.length;
  // The first block keeps its input's width (the authors' nets have equal
  // widths for their two deepest stages, so this is their rule too).
  const features = (k: number) =>
    k === 0 ? widths[n - 1] : widths[Math.max(n - 2 - k, 0)];
  return widths.map((_, k) => ({
    prefix: `refine${k + 1}`,
    inPlanes: k === 0 ? [widths[n - 1]] : [widths[n - 1 - k], features(k - 1)],
    features: features(k),
    start: k === 0,
    end: k === n - 1,
  }));
}

/** Fails unless every 'down' stage sees an even size (ConvMeanPool). */
function validateConfig(kind: NCSNv2Kind, config: NCSNv2Config): void {
  const { ngf, channels, imageSize, depth } = config;
  const maxDepth = STAGES[kind].length;
  if (!Number.isInteger(depth) || depth < 1 || depth > maxDepth) {
    throw new Error(
      `${kind}: depth must be an integer from 1 to ${maxDepth} (its ` +
        `residual stages), got ${depth}`,
    );
  }
  const ints = [ngf, channels, imageSize].every(Number.isInteger);
  if (!ints || ngf < 2 || channels < 1 || imageSize < 1) {
    throw new Error(
      `${kind}: ngf >= 2, channels >= 1 and imageSize >= 1 must be ` +
        `integers, got ngf=${ngf}, channels=${channels}, ` +
        `imageSize=${imageSize}`,
    );
  }
  let size = imageSize;
  for (const stage of residualStages(kind, config)) {
    const block = stage[0];
    if (block.resample !== 'down' || block.dilation !== null) continue;
    const padded = size + (block.adjustPadding ? 1 : 0);
    if (padded % 2 !== 0) {
      throw new Error(
        `${kind}: ${block.prefix} halves an odd size ${padded} ` +
          `(imageSize=${imageSize}, dilation=${config.dilation}); ` +
          `use an imageSize divisible by the number of halvings`,
      );
    }
    size = padded / 2;
  }
}

function planSpecs(plan: Plan): ParamSpec[] {
  return [
    ...convSpecs(plan.begin, 'torch'),
    ...plan.stages.flat().flatMap(residualBlockSpecs),
    ...plan.refines.flatMap(refineBlockSpecs),
    ...instanceNormPlusSpecs('normalizer', plan.begin.outChannels),
    ...convSpecs(plan.end, 'torch'),
  ];
}

/**
 * x [N, H, W, C] (data scale [0, 1], noisy) → f(x) [N, H, W, C] ≈ σ·score:
 * 2x − 1, begin conv, residual stages, RefineBlocks from deep to shallow,
 * InstanceNorm++, ELU, end conv. No σ input, no division by σ. Each block
 * frees its intermediates, and an activation is freed once no block
 * reads it, so only the live ones (and the stage outputs that the
 * RefineBlocks will read) take memory.
 */
function forward(scope: ParamScope, plan: Plan, x: tf.Tensor4D): tf.Tensor4D {
  let h = tf.tidy(() => applyConv(scope, plan.begin, tf.sub(tf.mul(x, 2), 1)));
  const skips: tf.Tensor4D[] = [];
  for (const stage of plan.stages) {
    for (const block of stage) {
      const prev = h;
      h = residualBlock(scope, block, prev);
      if (!skips.includes(prev)) prev.dispose();
    }
    skips.push(h);
  }
  let ref: tf.Tensor4D | null = null;
  for (const [k, block] of plan.refines.entries()) {
    const skip = skips[skips.length - 1 - k];
    const next = refineBlock(scope, block, ref ? [skip, ref] : [skip]);
    skip.dispose();
    ref?.dispose();
    ref = next;
  }
  const last = ref ?? h;
  return tf.tidy(() => {
    const out = tf.elu(instanceNormPlus(scope, 'normalizer', last));
    return applyConv(scope, plan.end, out as tf.Tensor4D);
  });
}
