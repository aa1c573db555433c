/**
 * The FID Inception-v3 on TensorFlow.js, inference only, NHWC: the blocks
 * of spec.ts with BatchNorm (eval mode) folded into each convolution, so
 * that a unit is one fused conv + bias + ReLU.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { InceptionWeights } from './convert';
import {
  Block,
  BN_EPSILON,
  ConvUnit,
  convUnits,
  fidInceptionBlocks,
  INPUT_SIZE,
  LOGITS_DIM,
  Op,
  POOL3_DIM,
} from './spec';

/** BatchNorm parameters and running statistics of one unit, [C] each. */
export interface BatchNormParams {
  readonly gamma: Float32Array;
  readonly beta: Float32Array;
  readonly mean: Float32Array;
  readonly variance: Float32Array;
}

/**
 * BatchNorm in eval mode folded into the convolution before it (Ioffe &
 * Szegedy 2015, arXiv:1502.03167, Alg. 2): γ(Wx − μ)/√(σ² + ε) + β =
 * (W·s)x + (β − μ·s) with s = γ/√(σ² + ε). W is HWIO, so the output
 * channel is the fastest axis. Computed in float64, stored as float32.
 */
export function foldBatchNorm(
  filter: Float32Array,
  bn: BatchNormParams,
  epsilon: number,
): { filter: Float32Array; bias: Float32Array } {
  const c = bn.gamma.length;
  if (filter.length % c !== 0) {
    throw new Error(
      `foldBatchNorm: ${filter.length} filter values for ${c} channels`,
    );
  }
  const scale = new Float64Array(c);
  const bias = new Float32Array(c);
  for (let k = 0; k < c; k++) {
    scale[k] = bn.gamma[k] / Math.sqrt(bn.variance[k] + epsilon);
    bias[k] = bn.beta[k] - bn.mean[k] * scale[k];
  }
  const folded = new Float32Array(filter.length);
  for (let i = 0; i < filter.length; i += c) {
    for (let k = 0; k < c; k++) folded[i + k] = filter[i + k] * scale[k];
  }
  return { filter: folded, bias };
}

interface UnitTensors {
  readonly filter: tf.Tensor4D;
  readonly bias: tf.Tensor1D;
}

/** What the network returns for one batch. */
export interface InceptionOutputs {
  /** [N, 2048]: the global average pool before the classifier. */
  readonly pool3: tf.Tensor2D;
  /** [N, 1008]: the classifier's logits. */
  readonly logits: tf.Tensor2D;
}

export interface FidInceptionNet {
  /** x [N, 299, 299, 3] in [−1, 1] → pool3 and logits; x is kept. */
  apply(x: tf.Tensor4D): InceptionOutputs;
  /** Frees the weights. */
  dispose(): void;
}

function unitTensors(u: ConvUnit, w: InceptionWeights): UnitTensors {
  const get = (name: string) => w[`${u.name}.${name}`].values;
  const folded = foldBatchNorm(
    get('conv.weight'),
    {
      gamma: get('bn.weight'),
      beta: get('bn.bias'),
      mean: get('bn.running_mean'),
      variance: get('bn.running_var'),
    },
    BN_EPSILON,
  );
  const [kh, kw] = u.kernel;
  return {
    filter: tf.tensor4d(folded.filter, [kh, kw, u.inChannels, u.outChannels]),
    bias: tf.tensor1d(folded.bias),
  };
}

function runOp(
  op: Op,
  x: tf.Tensor4D,
  units: Map<string, UnitTensors>,
): tf.Tensor4D {
  switch (op.kind) {
    case 'conv': {
      const { filter, bias } = units.get(op.name)!;
      return tf.fused.conv2d({
        x,
        filter,
        bias,
        strides: op.stride,
        pad: op.padding,
        activation: 'relu',
      });
    }
    case 'avg':
      return tf.avgPool(x, 3, op.stride, op.padding);
    case 'max':
      return tf.maxPool(x, 3, op.stride, op.padding);
  }
}

/** One block: its branches on x, concatenated along channels. */
function runBlock(
  block: Block,
  x: tf.Tensor4D,
  units: Map<string, UnitTensors>,
): tf.Tensor4D {
  const outputs = block.branches.flatMap(({ ops, fork }) => {
    const y = ops.reduce((h, op) => runOp(op, h, units), x);
    return fork ? fork.map((u) => runOp(u, y, units)) : [y];
  });
  return outputs.length === 1 ? outputs[0] : tf.concat(outputs, 3);
}

function checkInput(x: tf.Tensor4D): void {
  const [, h, w, c] = x.shape;
  if (x.rank !== 4 || h !== INPUT_SIZE || w !== INPUT_SIZE || c !== 3) {
    throw new Error(
      `fidInception.apply: input must be [N, ${INPUT_SIZE}, ` +
        `${INPUT_SIZE}, 3], got [${x.shape}]`,
    );
  }
}

/** The network on the given weights (see convert.ts for the layout). */
export function buildFidInception(weights: InceptionWeights): FidInceptionNet {
  const blocks = fidInceptionBlocks();
  const units = new Map(
    convUnits(blocks).map((u) => [u.name, unitTensors(u, weights)]),
  );
  const fcW = tf.tensor2d(weights['fc.weight'].values, [POOL3_DIM, LOGITS_DIM]);
  const fcB = tf.tensor1d(weights['fc.bias'].values);
  return {
    apply(x) {
      checkInput(x);
      let h = x;
      for (const block of blocks) {
        // One block's intermediates alive at a time.
        const next = tf.tidy(() => runBlock(block, h, units));
        if (h !== x) h.dispose();
        h = next;
      }
      const out = tf.tidy(() => {
        const pool3 = tf.mean(h, [1, 2]) as tf.Tensor2D;
        return { pool3, logits: tf.add(tf.matMul(pool3, fcW), fcB) };
      });
      h.dispose();
      return out as InceptionOutputs;
    },
    dispose() {
      for (const u of units.values()) tf.dispose([u.filter, u.bias]);
      tf.dispose([fcW, fcB]);
    },
  };
}
