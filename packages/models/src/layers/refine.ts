// RefineNet blocks (Lin et al. 2017, arXiv:1611.06612) as NCSNv2 uses them
// (ncsnv2's layers.py: RCUBlock, MSFBlock, CRPBlock, RefineBlock), with ELU.
import * as tf from '@tensorflow/tfjs-core';
import type { ParamScope, ParamSpec } from '../params';
import { applyConv, convSpecs, type ConvLayer } from './conv';

/** One RefineBlock as data. */
export interface RefineBlockLayer {
  readonly prefix: string;
  /** Channels of each input, deepest last. */
  readonly inPlanes: readonly number[];
  readonly features: number;
  /** The first block: one input, no fusion. */
  readonly start: boolean;
  /** The last block: three output RCUs instead of one. */
  readonly end: boolean;
}

function conv3x3(
  prefix: string,
  [inChannels, outChannels]: [number, number],
  bias: boolean,
): ConvLayer {
  return { prefix, inChannels, outChannels, kernelSize: 3, dilation: 1, bias };
}

/** Convs of a residual conv unit: `${prefix}.{b}_{s}_conv`, no bias. */
function rcuConvs(
  prefix: string,
  features: number,
  blocks: number,
): ConvLayer[][] {
  return Array.from({ length: blocks }, (_, b) =>
    [1, 2].map((s) =>
      conv3x3(`${prefix}.${b + 1}_${s}_conv`, [features, features], false),
    ),
  );
}

/** The conv layers of a RefineBlock, by role. */
function refineLayers(block: RefineBlockLayer) {
  const { prefix, inPlanes, features } = block;
  const adapt = inPlanes.map((c, i) =>
    rcuConvs(`${prefix}.adapt_convs.${i}`, c, 2),
  );
  const msf = block.start
    ? []
    : inPlanes.map((c, i) =>
        conv3x3(`${prefix}.msf.convs.${i}`, [c, features], true),
      );
  const crp = [0, 1].map((i) =>
    conv3x3(`${prefix}.crp.convs.${i}`, [features, features], false),
  );
  const output = rcuConvs(
    `${prefix}.output_convs`,
    features,
    block.end ? 3 : 1,
  );
  return { adapt, msf, crp, output };
}

/** Parameter specs of a RefineBlock (PyTorch default init). */
export function refineBlockSpecs(block: RefineBlockLayer): ParamSpec[] {
  const { adapt, msf, crp, output } = refineLayers(block);
  const layers = [...adapt.flat(2), ...msf, ...crp, ...output.flat()];
  return layers.flatMap((layer) => convSpecs(layer, 'torch'));
}

/**
 * Residual conv unit: per block, x + conv(elu(conv(elu(x)))). Each block
 * frees its intermediates, and the previous block's output, as it ends.
 */
function rcu(
  scope: ParamScope,
  blocks: ConvLayer[][],
  x: tf.Tensor4D,
): tf.Tensor4D {
  let h = x;
  for (const convs of blocks) {
    const prev = h;
    h = tf.tidy(() => {
      // elu(conv(h)) as one fused kernel where the next conv reads it.
      let path = tf.elu(prev) as tf.Tensor4D;
      convs.forEach((layer, i) => {
        const last = i === convs.length - 1;
        path = applyConv(scope, layer, path, last ? 'linear' : 'elu');
      });
      return tf.add(prev, path);
    });
    if (prev !== x) prev.dispose();
  }
  return h;
}

/**
 * Multi-resolution fusion at the size of xs[0]: Σ_i up(conv_i(x_i)),
 * bilinear with align_corners = true as F.interpolate in MSFBlock.
 */
function msf(
  scope: ParamScope,
  convs: ConvLayer[],
  xs: tf.Tensor4D[],
): tf.Tensor4D {
  const size: [number, number] = [xs[0].shape[1], xs[0].shape[2]];
  return tf.tidy(() => {
    const parts = convs.map((layer, i) =>
      tf.tidy(() => {
        const h = applyConv(scope, layer, xs[i]);
        const same = h.shape[1] === size[0] && h.shape[2] === size[1];
        return same ? h : tf.image.resizeBilinear(h, size, true);
      }),
    );
    return tf.addN(parts);
  });
}

/**
 * Chained residual pooling: x = elu(x), then twice
 * path ← conv(maxpool5(path)), x ← x + path; each path and partial sum
 * is freed once the next one exists.
 */
function crp(
  scope: ParamScope,
  convs: ConvLayer[],
  x: tf.Tensor4D,
): tf.Tensor4D {
  return tf.tidy(() => {
    let h = tf.elu(x) as tf.Tensor4D;
    let path = h;
    for (const layer of convs) {
      const prev = path;
      path = tf.tidy(() =>
        applyConv(scope, layer, tf.maxPool(prev, 5, 1, 'same')),
      );
      if (prev !== h) prev.dispose();
      const sum = tf.add(h, path) as tf.Tensor4D;
      h.dispose();
      h = sum;
    }
    return h;
  });
}

/**
 * A RefineBlock on xs[i] [N, H_i, W_i, inPlanes_i] → [N, H_0, W_0,
 * features] (the size of the first input): adapt each input with two RCUs,
 * fuse, chained residual pooling, output RCUs. Each stage's input is
 * freed once the stage is done (the xs stay the caller's).
 */
export function refineBlock(
  scope: ParamScope,
  block: RefineBlockLayer,
  xs: tf.Tensor4D[],
): tf.Tensor4D {
  const layers = refineLayers(block);
  return tf.tidy(() => {
    const adapted = xs.map((x, i) => rcu(scope, layers.adapt[i], x));
    const fused = block.start ? adapted[0] : msf(scope, layers.msf, adapted);
    adapted.forEach((a, i) => {
      if (a !== fused && a !== xs[i]) a.dispose();
    });
    const pooled = crp(scope, layers.crp, fused);
    if (!xs.includes(fused)) fused.dispose();
    return rcu(scope, layers.output, pooled);
  });
}
