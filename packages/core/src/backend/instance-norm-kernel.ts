// InstanceNorm++ as one kernel each way on the WebAssembly backend: the
// forward and its gradient run as loops over the heap arrays
// (instance-norm-plus.ts), two passes each, instead of ~20 small kernels.
// Backends without the kernel build the norm from ops (the models
// package's instanceNormPlus), which stays the reference.
import * as tf from '@tensorflow/tfjs-core';
import { floatInputs, heapOutputs } from './heap';
import {
  instanceNormPlusBackward,
  instanceNormPlusForward,
  type NormDims,
} from './instance-norm-plus';

/** Kernel: y = InstanceNorm++(x; α, γ, β); inputs x, alpha, gamma, beta. */
export const INSTANCE_NORM_PLUS = 'InstanceNormPlus';
/** Kernel: [dx, dα, dγ, dβ]; inputs dy, x, alpha, gamma. */
export const INSTANCE_NORM_PLUS_GRAD = 'InstanceNormPlusGrad';

/** Attributes of both kernels: the variance floor of both norms. */
export interface InstanceNormPlusAttrs {
  epsilon: number;
}

type KernelArgs = Parameters<tf.KernelFunc>[0];

/** [N, H·W, C] of x [N, H, W, C], checking the parameters are [C]. */
function normDims(
  kernel: string,
  x: tf.TensorInfo,
  params: tf.TensorInfo[],
): NormDims {
  const [batch, height, width, channels] = x.shape;
  const bad = params.find(
    (p) => p.shape.length !== 1 || p.shape[0] !== channels,
  );
  if (x.shape.length !== 4 || channels < 2 || bad) {
    throw new Error(
      `${kernel}: needs x [N, H, W, C >= 2] and parameters [C], got x ` +
        `[${x.shape}], parameters ${params.map((p) => `[${p.shape}]`)}`,
    );
  }
  return { batch, positions: height * width, channels };
}

/** The InstanceNorm++ kernel for 'wasm'; see instanceNormPlusForward. */
export function instanceNormPlusKernel({
  inputs,
  backend,
  attrs,
}: KernelArgs): tf.TensorInfo {
  const names = ['x', 'alpha', 'gamma', 'beta'] as const;
  const k = INSTANCE_NORM_PLUS;
  const { x, alpha, gamma, beta } = floatInputs(k, inputs, names);
  const d = normDims(k, x, [alpha, gamma, beta]);
  const { epsilon } = attrs as unknown as InstanceNormPlusAttrs;
  const [y] = heapOutputs(backend, [x.shape], ([out], read) => {
    const params = { alpha: read(alpha), gamma: read(gamma), beta: read(beta) };
    instanceNormPlusForward(read(x), params, d, epsilon, out);
  });
  return y;
}

/** Its gradient kernel for 'wasm'; see instanceNormPlusBackward. */
export function instanceNormPlusGradKernel({
  inputs,
  backend,
  attrs,
}: KernelArgs): tf.TensorInfo[] {
  const names = ['dy', 'x', 'alpha', 'gamma'] as const;
  const k = INSTANCE_NORM_PLUS_GRAD;
  const { dy, x, alpha, gamma } = floatInputs(k, inputs, names);
  const d = normDims(k, x, [alpha, gamma]);
  const { epsilon } = attrs as unknown as InstanceNormPlusAttrs;
  const c = [d.channels];
  return heapOutputs(backend, [x.shape, c, c, c], (outs, read) => {
    const [dx, dAlpha, dGamma, dBeta] = outs;
    const arrays = {
      dy: read(dy),
      x: read(x),
      alpha: read(alpha),
      gamma: read(gamma),
    };
    instanceNormPlusBackward(arrays, d, epsilon, {
      dx,
      dAlpha,
      dGamma,
      dBeta,
    });
  });
}

/** The gradient of INSTANCE_NORM_PLUS: one INSTANCE_NORM_PLUS_GRAD. */
const gradConfig: tf.GradConfig = {
  kernelName: INSTANCE_NORM_PLUS,
  inputsToSave: ['x', 'alpha', 'gamma'],
  gradFunc: (dy, saved, attrs) => {
    const [x, alpha, gamma] = saved;
    const inputs = { dy: dy as tf.Tensor, x, alpha, gamma };
    const [dx, dAlpha, dGamma, dBeta] = tf
      .engine()
      .runKernel(INSTANCE_NORM_PLUS_GRAD, inputs, attrs) as tf.Tensor[];
    return {
      x: () => dx,
      alpha: () => dAlpha,
      gamma: () => dGamma,
      beta: () => dBeta,
    };
  },
};

/** Registers the gradient of INSTANCE_NORM_PLUS. Idempotent. */
export function registerInstanceNormPlusGradient(): void {
  if (tf.getGradient(INSTANCE_NORM_PLUS) === gradConfig) return;
  tf.registerGradient(gradConfig);
}

/** Whether the active backend has the fused INSTANCE_NORM_PLUS kernel. */
export function hasFusedInstanceNormPlus(): boolean {
  return tf.getKernel(INSTANCE_NORM_PLUS, tf.getBackend()) != null;
}

/**
 * InstanceNorm++ of x [N, H, W, C >= 2] with α, γ, β [C] (NCSNv2,
 * arXiv:2006.09011, appendix B) as one kernel, differentiable through
 * its gradient kernel; only where hasFusedInstanceNormPlus().
 */
export function fusedInstanceNormPlus(
  x: tf.Tensor4D,
  params: { alpha: tf.Tensor1D; gamma: tf.Tensor1D; beta: tf.Tensor1D },
  epsilon: number,
): tf.Tensor4D {
  if (!(epsilon > 0)) {
    throw new Error(
      `fusedInstanceNormPlus: epsilon must be > 0, got ${epsilon}`,
    );
  }
  const inputs = { x, ...params };
  const attrs = { epsilon } as unknown as tf.NamedAttrMap;
  return tf
    .engine()
    .runKernel(INSTANCE_NORM_PLUS, inputs, attrs) as tf.Tensor4D;
}
