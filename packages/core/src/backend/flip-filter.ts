// The filter of a convolution's input gradient, flipped in space with its
// channels swapped, in one pass over the WebAssembly heap: the backend's
// Reverse and Transpose take ~13 ms together for a 3×3×128×128 filter
// (the paper network's), the pass ~0.5 ms.
import * as tf from '@tensorflow/tfjs-core';
import { floatInputs, heapOutput } from './heap';

/** Kernel: the flipped filter; input `filter`, no attributes. */
export const FLIP_FILTER = 'AcsmFlipFilter';

/**
 * W̃[a, b, co, ci] = W[kh−1−a, kw−1−b, ci, co] of W [kh, kw, Cin, Cout],
 * both row-major; `out` has W's length.
 */
export function flipFilterInto(
  w: Float32Array,
  [kh, kw, cin, cout]: readonly number[],
  out: Float32Array,
): void {
  if (w.length !== kh * kw * cin * cout || out.length !== w.length) {
    throw new Error(
      `flipFilterInto: arrays of ${w.length} and ${out.length} values ` +
        `for a filter [${kh}, ${kw}, ${cin}, ${cout}]`,
    );
  }
  const taps = kh * kw;
  const plane = cin * cout;
  for (let t = 0; t < taps; t++) {
    const from = (taps - 1 - t) * plane; // (kh−1−a)·kw + (kw−1−b)
    const to = t * plane;
    for (let o = 0; o < cout; o++) {
      for (let i = 0; i < cin; i++)
        out[to + o * cin + i] = w[from + i * cout + o];
    }
  }
}

type KernelArgs = Parameters<tf.KernelFunc>[0];

/** The kernel for 'wasm'; see flipFilterInto. */
export function flipFilterWasm({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const { filter } = floatInputs(`wasm ${FLIP_FILTER}`, inputs, ['filter']);
  const [kh, kw, cin, cout] = filter.shape;
  if (filter.shape.length !== 4) {
    throw new Error(
      `wasm ${FLIP_FILTER}: needs a filter [kh, kw, Cin, Cout], got ` +
        `[${filter.shape}]`,
    );
  }
  return heapOutput(backend, [kh, kw, cout, cin], (out, read) =>
    flipFilterInto(read(filter), filter.shape, out),
  );
}

/**
 * W [kh, kw, Cin, Cout] flipped in space, channels swapped: [kh, kw,
 * Cout, Cin]. One kernel where the backend has it (wasm), else reverse
 * and transpose. Not differentiable (it serves gradients).
 */
export function flipFilter(filter: tf.Tensor4D): tf.Tensor4D {
  if (tf.getKernel(FLIP_FILTER, tf.getBackend()) !== undefined) {
    return tf.engine().runKernel(FLIP_FILTER, { filter }) as tf.Tensor4D;
  }
  return tf.tidy(() => tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]));
}
