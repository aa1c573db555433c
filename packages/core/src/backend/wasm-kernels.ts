// Training kernels for the WebAssembly backend. tfjs-backend-wasm 4.22
// lacks Conv2DBackpropFilter and UnsortedSegmentSum (the gradient of
// gather), runs Conv2DBackpropInput as a naive loop (a training step ~3x
// slower), and its MaxPoolGrad returns wrong values (seen for 1x1 to 5x5
// windows, strides 1 and 2). Each kernel below is built from forward ops
// that the backend runs fast and right, and replaces or adds the kernel.
// TODO: DepthwiseConv2dNativeBackpropFilter/Input are missing too; no
// network here uses a depthwise conv.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { conv2dFilterGrad, conv2dInputGrad, convInfo } from './conv-backprop';
import { opsKernel } from './kernel-ops';
import { maxPoolInputGrad } from './pool-backprop';
import { segmentSumByScatter } from './segment';

type T4 = tf.Tensor4D;

/** The kernels that this module registers for the 'wasm' backend. */
export type WasmTrainingKernel =
  | 'Conv2DBackpropFilter'
  | 'Conv2DBackpropInput'
  | 'MaxPoolGrad'
  | 'UnsortedSegmentSum';

const kernels: Record<WasmTrainingKernel, tf.KernelFunc> = {
  Conv2DBackpropFilter: opsKernel(
    'Conv2DBackpropFilter',
    ['x', 'dy'],
    conv2dBackpropFilter,
  ),
  Conv2DBackpropInput: opsKernel(
    'Conv2DBackpropInput',
    ['dy', 'filter'],
    conv2dBackpropInput,
  ),
  MaxPoolGrad: opsKernel('MaxPoolGrad', ['dy', 'input', 'output'], maxPoolGrad),
  UnsortedSegmentSum: opsKernel(
    'UnsortedSegmentSum',
    ['x', 'segmentIds'],
    unsortedSegmentSum,
  ),
};

/**
 * Registers the training kernels for 'wasm', replacing the shipped ones of
 * the same name. Idempotent. Returns the names of the kernels it owns.
 */
export function registerWasmTrainingKernels(): WasmTrainingKernel[] {
  const names = Object.keys(kernels) as WasmTrainingKernel[];
  for (const name of names) {
    const kernelFunc = kernels[name];
    const current = tf.getKernel(name, 'wasm');
    if (current?.kernelFunc === kernelFunc) continue;
    if (current) tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc });
  }
  return names;
}

function assertNHWC(kernel: string, dataFormat: string): void {
  if (dataFormat === 'NHWC') return;
  throw new Error(
    `wasm ${kernel}: only dataFormat 'NHWC' is supported, got '${dataFormat}'`,
  );
}

/** Conv2DBackpropFilter (dW) as one forward conv; see conv2dFilterGrad. */
function conv2dBackpropFilter(
  [x, dy]: tf.Tensor[],
  a: tf.Conv2DBackpropFilterAttrs,
): tf.Tensor {
  assertNHWC('Conv2DBackpropFilter', a.dataFormat);
  const info = convInfo({
    ...a,
    inShape: (x as T4).shape,
    filterShape: a.filterShape,
    dilations: 1,
  });
  return conv2dFilterGrad(x as T4, dy as T4, info);
}

/** Conv2DBackpropInput (dx) as one forward conv; see conv2dInputGrad. */
function conv2dBackpropInput(
  [dy, filter]: tf.Tensor[],
  a: tf.Conv2DBackpropInputAttrs,
): tf.Tensor {
  assertNHWC('Conv2DBackpropInput', a.dataFormat);
  const info = convInfo({
    ...a,
    inShape: a.inputShape,
    filterShape: (filter as T4).shape,
    dilations: 1,
  });
  return conv2dInputGrad(dy as T4, filter as T4, info);
}

/** MaxPoolGrad from slices and comparisons; see maxPoolInputGrad. */
function maxPoolGrad(
  [dy, x, y]: tf.Tensor[],
  a: tf.MaxPoolGradAttrs,
): tf.Tensor {
  const info = tf.backend_util.computePool2DInfo(
    (x as T4).shape,
    a.filterSize,
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
  );
  return maxPoolInputGrad(dy as T4, x as T4, y as T4, info);
}

/** UnsortedSegmentSum as a scatter-add; see segmentSumByScatter. */
function unsortedSegmentSum(
  [x, ids]: tf.Tensor[],
  a: tf.UnsortedSegmentSumAttrs,
): tf.Tensor {
  return segmentSumByScatter(x, ids, a.numSegments);
}
