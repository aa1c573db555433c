// What the WebAssembly kernels written in JavaScript share: checked float32
// inputs, and outputs filled through views of the backend's heap.
import type * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** The named inputs, failing unless each is there and float32. */
export function floatInputs<K extends string>(
  kernel: string,
  inputs: tf.NamedTensorInfoMap,
  names: readonly K[],
): Record<K, tf.TensorInfo> {
  const out = {} as Record<K, tf.TensorInfo>;
  for (const name of names) {
    const info = inputs[name];
    if (!info || info.dtype !== 'float32') {
      throw new Error(
        `${kernel}: input '${name}' must be float32, got ` +
          `${info ? info.dtype : 'none'}`,
      );
    }
    out[name] = info;
  }
  return out;
}

/**
 * New float32 tensors of `shapes` in the wasm heap, filled by `fill`
 * through heap views. Every view is taken after all the allocations,
 * which may grow the heap and detach earlier views.
 */
export function heapOutputs(
  backend: unknown,
  shapes: readonly (readonly number[])[],
  fill: (
    outs: Float32Array[],
    read: (t: tf.TensorInfo) => Float32Array,
  ) => void,
): tf.TensorInfo[] {
  const wasm = backend as BackendWasm;
  const outs = shapes.map((shape) => wasm.makeOutput([...shape], 'float32'));
  const read = (t: tf.TensorInfo) => wasm.typedArrayFromHeap(t) as Float32Array;
  fill(outs.map(read), read);
  return outs;
}

/** One output of heapOutputs. */
export function heapOutput(
  backend: unknown,
  shape: readonly number[],
  fill: (out: Float32Array, read: (t: tf.TensorInfo) => Float32Array) => void,
): tf.TensorInfo {
  return heapOutputs(backend, [shape], ([out], read) => fill(out, read))[0];
}
