// The Adam update of one parameter tensor as one kernel: a single pass
// over param, grad and the two moments in the WebAssembly heap, instead of
// the 14 element-wise kernels of the op-by-op update. It writes new
// outputs: a variable's data may be shared (Identity adds a reference).
import type * as tf from '@tensorflow/tfjs-core';
import { floatInputs, heapOutputs } from './heap';

/** The kernel's name; inputs param, grad, m, v; outputs [param, m, v]. */
export const ADAM_UPDATE = 'AdamUpdate';

/** The scalars of one update t (the bias corrections already computed). */
export interface AdamUpdateAttrs {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** 1 − β1^t. */
  readonly correction1: number;
  /** 1 − β2^t. */
  readonly correction2: number;
  /** The step size of update t. */
  readonly learningRate: number;
}

/** The flat arrays of one update: inputs, then where the outputs go. */
export interface AdamArrays {
  readonly param: Float32Array;
  readonly grad: Float32Array;
  readonly m: Float32Array;
  readonly v: Float32Array;
  readonly paramOut: Float32Array;
  readonly mOut: Float32Array;
  readonly vOut: Float32Array;
}

const f = Math.fround;

/**
 * Adam (Kingma & Ba 2015, arXiv:1412.6980, Algorithm 1), one update:
 * m ← β1 m + (1−β1) g, v ← β2 v + (1−β2) g²,
 * θ ← θ − lr · (m / c1) / (√(v / c2) + ε). Every scalar and every
 * intermediate is rounded to float32 in the order of the op-by-op update
 * (Adam.applyGradients on any backend), so both give the same bits: a
 * float32 +, −, ×, ÷ or √ computed in float64 and rounded once is exact.
 */
export function adamStep(a: AdamArrays, s: AdamUpdateAttrs): void {
  const [b1, b1c, b2, b2c] = [s.beta1, 1 - s.beta1, s.beta2, 1 - s.beta2];
  const [c1, c2] = [f(s.correction1), f(s.correction2)];
  const [eps, lr] = [f(s.epsilon), f(s.learningRate)];
  const { param, grad, m, v, paramOut, mOut, vOut } = a;
  const [fb1, fb1c, fb2, fb2c] = [f(b1), f(b1c), f(b2), f(b2c)];
  for (let i = 0; i < param.length; i++) {
    const g = grad[i];
    const mi = f(f(m[i] * fb1) + f(g * fb1c));
    const vi = f(f(v[i] * fb2) + f(f(g * g) * fb2c));
    // m̂ / (√v̂ + ε), then scaled by lr
    const denom = f(f(Math.sqrt(f(vi / c2))) + eps);
    paramOut[i] = param[i] - f(f(f(mi / c1) / denom) * lr);
    mOut[i] = mi;
    vOut[i] = vi;
  }
}

type KernelArgs = Parameters<tf.KernelFunc>[0];

const INPUTS = ['param', 'grad', 'm', 'v'] as const;

/** The four inputs, failing unless each is float32 of param's size. */
function adamInputs(inputs: tf.NamedTensorInfoMap) {
  const named = floatInputs(`wasm ${ADAM_UPDATE}`, inputs, INPUTS);
  const size = (t: tf.TensorInfo) => t.shape.reduce((n, d) => n * d, 1);
  const want = size(named.param);
  for (const name of INPUTS) {
    const info = named[name];
    if (size(info) !== want) {
      throw new Error(
        `wasm ${ADAM_UPDATE}: input '${name}' must be float32 of ${want} ` +
          `values, got ${info.dtype} [${info.shape}]`,
      );
    }
  }
  return named;
}

/**
 * The wasm kernel: three new float32 tensors of param's shape, filled by
 * adamStep from heap views taken after all three allocations (each may
 * grow the heap and detach earlier views).
 */
export function adamUpdateWasm({
  inputs,
  backend,
  attrs,
}: KernelArgs): tf.TensorInfo[] {
  const { param, grad, m, v } = adamInputs(inputs);
  const shapes = [param.shape, m.shape, v.shape];
  return heapOutputs(backend, shapes, ([paramOut, mOut, vOut], read) => {
    const arrays = { param: read(param), grad: read(grad), m: read(m) };
    adamStep(
      { ...arrays, v: read(v), paramOut, mOut, vOut },
      attrs as unknown as AdamUpdateAttrs,
    );
  });
}
