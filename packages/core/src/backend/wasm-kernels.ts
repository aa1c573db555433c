// Training kernels for the WebAssembly backend. tfjs-backend-wasm 4.22
// lacks Conv2DBackpropFilter and UnsortedSegmentSum (the gradient of
// gather), runs Conv2DBackpropInput as a naive loop (a training step ~3x
// slower), its MaxPoolGrad returns wrong values (seen for 1x1 to 5x5
// windows, strides 1 and 2), its AvgPoolGrad is slow (~20 ms for a 2x2
// pool of [64, 28, 28, 32]), and its Identity and same-type Cast copy the
// data (training clones every tensor that a gradient keeps, and the
// gradients of Mul and Div cast their operands). The conv and segment
// kernels below are built from forward ops that the backend runs fast and
// right; the pool gradients are single passes over the heap arrays; each
// replaces or adds the kernel. Its BatchMatMul and _FusedMatMul with a
// transposed operand run 10-50x slower than transposing first (every
// gradient of a matMul has one), so ours transpose first. AdamUpdate is
// ours alone: Adam's update of a tensor in one pass (adam-update.ts)
// instead of 14 element-wise kernels.
// TODO: DepthwiseConv2dNativeBackpropFilter/Input are missing too; no
// network here uses a depthwise conv.
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-wasm';
import { adamUpdateWasm } from './adam-update';
import { flipFilterWasm } from './flip-filter';
import { conv2dFilterGrad, conv2dInputGrad, convInfo } from './conv-backprop';
import {
  instanceNormPlusGradKernel,
  instanceNormPlusKernel,
  registerInstanceNormPlusGradient,
} from './instance-norm-kernel';
import { floatInputs, heapOutput } from './heap';
import { opsKernel, runOps } from './kernel-ops';
import { avgPoolBackprop, maxPoolBackprop } from './pool-backprop';
import { segmentSumByScatter } from './segment';

type T4 = tf.Tensor4D;

/** The kernels that this module registers for the 'wasm' backend. */
export type WasmTrainingKernel =
  | 'AcsmFlipFilter'
  | 'AdamUpdate'
  | 'AvgPoolGrad'
  | 'BatchMatMul'
  | 'Cast'
  | 'Conv2DBackpropFilter'
  | 'Conv2DBackpropInput'
  | 'Identity'
  | 'InstanceNormPlus'
  | 'InstanceNormPlusGrad'
  | 'MaxPoolGrad'
  | 'UnsortedSegmentSum'
  | '_FusedMatMul';

const kernels: Record<WasmTrainingKernel, tf.KernelFunc> = {
  AcsmFlipFilter: flipFilterWasm,
  AdamUpdate: adamUpdateWasm,
  AvgPoolGrad: avgPoolGrad,
  BatchMatMul: (args) => matMulTransposedFirst('BatchMatMul', args),
  Cast: cast,
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
  Identity: identity,
  InstanceNormPlus: instanceNormPlusKernel,
  InstanceNormPlusGrad: instanceNormPlusGradKernel,
  MaxPoolGrad: maxPoolGrad,
  UnsortedSegmentSum: opsKernel(
    'UnsortedSegmentSum',
    ['x', 'segmentIds'],
    unsortedSegmentSum,
  ),
  _FusedMatMul: (args) => matMulTransposedFirst('_FusedMatMul', args),
};

/** The kernels ours replaced, by name (Cast hands other types to it). */
const replaced = new Map<string, tf.KernelFunc>();

/**
 * Registers the training kernels for 'wasm', replacing the shipped ones of
 * the same name, and the gradient of InstanceNormPlus. Idempotent.
 * Returns the names of the kernels it owns.
 */
export function registerWasmTrainingKernels(): WasmTrainingKernel[] {
  registerInstanceNormPlusGradient();
  const names = Object.keys(kernels) as WasmTrainingKernel[];
  for (const name of names) {
    const kernelFunc = kernels[name];
    const current = tf.getKernel(name, 'wasm');
    if (current?.kernelFunc === kernelFunc) continue;
    if (current) {
      if (!replaced.has(name)) replaced.set(name, current.kernelFunc);
      tf.unregisterKernel(name, 'wasm');
    }
    // The shipped kernel's set-up binds the wasm function that it calls:
    // it must still run when the backend starts, for ours to call it.
    tf.registerKernel({
      kernelName: name,
      backendName: 'wasm',
      kernelFunc,
      setupFunc: current?.setupFunc,
      disposeFunc: current?.disposeFunc,
    });
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

/** MaxPoolGrad in one pass over the windows; see maxPoolBackprop. */
function maxPoolGrad({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const names = ['dy', 'input', 'output'] as const;
  const { dy, input, output } = floatInputs('wasm MaxPoolGrad', inputs, names);
  const info = poolInfo(input, attrs as unknown as tf.MaxPoolGradAttrs);
  return heapOutput(backend, input.shape, (dx, read) => {
    const arrays = { dy: read(dy), x: read(input), y: read(output) };
    maxPoolBackprop(arrays, info, dx);
  });
}

/** AvgPoolGrad in one pass over the windows; see avgPoolBackprop. */
function avgPoolGrad({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { dy, input } = floatInputs('wasm AvgPoolGrad', inputs, [
    'dy',
    'input',
  ]);
  const info = poolInfo(input, attrs as unknown as tf.AvgPoolGradAttrs);
  return heapOutput(backend, input.shape, (dx, read) =>
    avgPoolBackprop(read(dy), info, dx),
  );
}

/**
 * Identity as one more reference to x's data, as tfjs's cpu backend and
 * wasm's own Reshape do: no kernel writes into its inputs.
 */
function identity({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const x = inputs.x;
  if (!x) throw new Error(`wasm Identity: missing input 'x'`);
  (backend as BackendWasm).incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

/**
 * Cast to the input's own type as Identity (no copy); any other cast by
 * the kernel this one replaced.
 */
function cast(args: KernelArgs): tf.TensorInfo {
  const { dtype } = args.attrs as unknown as tf.CastAttrs;
  if (args.inputs.x?.dtype === dtype) return identity(args);
  const shipped = replaced.get('Cast');
  if (!shipped) throw new Error(`wasm Cast: no kernel to cast to ${dtype}`);
  return shipped(args) as tf.TensorInfo;
}

type KernelArgs = Parameters<tf.KernelFunc>[0];

/**
 * A matMul kernel with transposeA/transposeB done as explicit transposes
 * of the last two axes, then the shipped kernel without transposes.
 */
function matMulTransposedFirst(
  name: 'BatchMatMul' | '_FusedMatMul',
  args: KernelArgs,
): tf.TensorInfo {
  const shipped = replaced.get(name);
  if (!shipped) throw new Error(`wasm ${name}: no kernel to run`);
  const attrs = args.attrs as unknown as tf.BatchMatMulAttrs;
  const { a, b } = args.inputs;
  if (!a || !b) throw new Error(`wasm ${name}: missing input 'a' or 'b'`);
  if (!attrs.transposeA && !attrs.transposeB) {
    return shipped(args) as tf.TensorInfo;
  }
  const backend = args.backend as tf.KernelBackend;
  const swapLast = (x: tf.TensorInfo) =>
    runOps(backend, [x], (t) => {
      const perm = t.shape.map((_, i) => i);
      perm.splice(-2, 2, perm.length - 1, perm.length - 2);
      return tf.transpose(t, perm);
    });
  const a2 = attrs.transposeA ? swapLast(a) : a;
  const b2 = attrs.transposeB ? swapLast(b) : b;
  try {
    return shipped({
      ...args,
      inputs: { ...args.inputs, a: a2, b: b2 },
      attrs: { ...args.attrs, transposeA: false, transposeB: false },
    }) as tf.TensorInfo;
  } finally {
    if (a2 !== a) backend.disposeData(a2.dataId);
    if (b2 !== b) backend.disposeData(b2.dataId);
  }
}

function poolInfo(
  input: tf.TensorInfo,
  a: tf.MaxPoolGradAttrs | tf.AvgPoolGradAttrs,
): tf.backend_util.Conv2DInfo {
  const dimRoundingMode =
    'dimRoundingMode' in a ? a.dimRoundingMode : undefined;
  return tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    a.filterSize,
    a.strides,
    1,
    a.pad,
    dimRoundingMode,
  );
}

/** UnsortedSegmentSum as a scatter-add; see segmentSumByScatter. */
function unsortedSegmentSum(
  [x, ids]: tf.Tensor[],
  a: tf.UnsortedSegmentSumAttrs,
): tf.Tensor {
  return segmentSumByScatter(x, ids, a.numSegments);
}
