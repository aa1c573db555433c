// Gradient functions for training. In Node, tfjs-core registers none of its
// own: they ship inside the @tensorflow/tfjs bundle, loaded here. On top of
// them this module adds what tfjs 4.22 lacks on every backend: the
// gradient of a dilated conv2d, and zero gradients for comparisons.
import * as tf from '@tensorflow/tfjs-core';
import { conv2dFilterGrad, conv2dInputGrad, convInfo } from './conv-backprop';
import { importOptional } from './optional';

type T4 = tf.Tensor4D;
type GradientMap = ReturnType<tf.GradFunc>;

/** The package whose Node bundle registers tfjs-core's gradients. */
const GRADIENT_PACKAGE = '@tensorflow/tfjs';

/** Kernels with boolean outputs that tfjs 4.22 gives no gradient. */
const COMPARISONS: Record<string, readonly string[]> = {
  Equal: ['a', 'b'],
  NotEqual: ['a', 'b'],
  Greater: ['a', 'b'],
  Less: ['a', 'b'],
  LessEqual: ['a', 'b'],
  LogicalAnd: ['a', 'b'],
  LogicalOr: ['a', 'b'],
  LogicalXor: ['a', 'b'],
  LogicalNot: ['x'],
};

/** The Conv2D gradient that tfjs registered, kept for dilation 1. */
let plainConv2dGrad: tf.GradConfig | undefined;

/**
 * Makes tf.grad work for training: loads tfjs-core's gradients where none
 * are registered (from @tensorflow/tfjs), lets Conv2D differentiate with
 * dilations > 1, and gives comparisons zero gradients. Idempotent; fails
 * naming the package when the gradients cannot be loaded.
 */
export async function registerTrainingGradients(): Promise<void> {
  await loadCoreGradients();
  registerConv2dGradient();
  registerComparisonGradients();
}

async function loadCoreGradients(): Promise<void> {
  if (tf.getGradient(tf.Sum) != null) return;
  try {
    await importOptional(GRADIENT_PACKAGE);
  } catch (err) {
    throw new Error(
      `backend: tfjs-core registers no gradient functions in Node; they ` +
        `come with ${(err as Error).message}`,
    );
  }
  if (tf.getGradient(tf.Sum) == null) {
    throw new Error(`backend: ${GRADIENT_PACKAGE} registered no gradients`);
  }
}

const conv2dGradConfig: tf.GradConfig = {
  kernelName: tf.Conv2D,
  inputsToSave: ['x', 'filter'],
  gradFunc: conv2dGrad,
};

function registerConv2dGradient(): void {
  const current = tf.getGradient(tf.Conv2D);
  if (current === conv2dGradConfig) return;
  plainConv2dGrad = current;
  tf.registerGradient(conv2dGradConfig);
}

/**
 * Gradient of Conv2D for any dilation: tfjs's own (backprop kernels) at
 * dilation 1, else the forward-conv forms of conv-backprop.ts, which
 * handle the dilation that tfjs 4.22's gradient rejects.
 * NOTE: tf.fused.conv2d differentiates inside the op and still rejects
 * dilations > 1; dilated convolutions must use tf.conv2d.
 */
function conv2dGrad(
  dy: tf.Tensor | tf.Tensor[],
  saved: tf.Tensor[],
  attrs: tf.NamedAttrMap,
): GradientMap {
  const a = attrs as unknown as tf.Conv2DAttrs;
  const plain = tf.backend_util.tupleValuesAreOne(a.dilations);
  if (plain && plainConv2dGrad) {
    return plainConv2dGrad.gradFunc(dy, saved, attrs);
  }
  if (a.dataFormat !== 'NHWC') {
    throw new Error(
      `conv2d gradient: dilations need dataFormat 'NHWC', got ` +
        `'${a.dataFormat}'`,
    );
  }
  const [x, filter] = saved as [T4, T4];
  const info = convInfo({ ...a, inShape: x.shape, filterShape: filter.shape });
  return {
    x: () => conv2dInputGrad(dy as T4, filter, info),
    filter: () => conv2dFilterGrad(x, dy as T4, info),
  };
}

/** Zero gradients for the comparisons that have none, so that a mask
 * computed from a differentiated tensor does not stop tf.grad. */
function registerComparisonGradients(): void {
  for (const [kernelName, inputs] of Object.entries(COMPARISONS)) {
    if (tf.getGradient(kernelName) != null) continue;
    tf.registerGradient({
      kernelName,
      inputsToSave: [...inputs],
      gradFunc: (_dy, saved) => zeroGrads(inputs, saved),
    });
  }
}

function zeroGrads(inputs: readonly string[], saved: tf.Tensor[]): GradientMap {
  const grads: GradientMap = {};
  inputs.forEach((name, i) => {
    grads[name] = () => tf.zeros(saved[i].shape, 'float32');
  });
  return grads;
}
