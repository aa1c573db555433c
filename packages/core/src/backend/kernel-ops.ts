// Running tfjs ops inside a kernel function: the kernel's inputs are
// wrapped as tensors, the ops run through the engine on the same backend,
// and the result leaves as the kernel's output with no tensor leaked.
import * as tf from '@tensorflow/tfjs-core';

/**
 * Runs `compute` on tensors wrapping `inputs` and returns its result as a
 * kernel output. Every intermediate is disposed; the result's data gains
 * one reference before its tensor is disposed, which the engine's output
 * tensor then owns.
 */
export function runOps(
  backend: tf.KernelBackend,
  inputs: tf.TensorInfo[],
  compute: (...xs: tf.Tensor[]) => tf.Tensor,
): tf.TensorInfo {
  const out = tf.tidy(() => compute(...inputs.map((i) => wrap(backend, i))));
  backend.incRef(out.dataId);
  out.dispose();
  return { dataId: out.dataId, shape: out.shape, dtype: out.dtype };
}

/** A tensor over the data of `info`, holding its own reference to it. */
function wrap(backend: tf.KernelBackend, info: tf.TensorInfo): tf.Tensor {
  backend.incRef(info.dataId);
  return tf.engine().makeTensorFromTensorInfo(info, backend);
}

/**
 * A kernel function that runs `compute` through `runOps` on its inputs
 * named `names` (in that order) and its attributes, typed as A.
 */
export function opsKernel<A>(
  kernel: string,
  names: readonly string[],
  compute: (xs: tf.Tensor[], attrs: A) => tf.Tensor,
): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const infos = names.map((name) => {
      const info = inputs[name];
      if (info) return info;
      throw new Error(`${kernel}: missing input '${name}'`);
    });
    const typed = attrs as unknown as A;
    const run = (...xs: tf.Tensor[]) => compute(xs, typed);
    return runOps(backend as tf.KernelBackend, infos, run);
  };
}
