// Floating-point operations of a network, counted from the shapes of its
// convolutions and matrix products (2 per multiply-add); element-wise
// work (norms, activations, bias) is not counted.

/** What a profiled kernel tells of its shapes. */
export interface KernelShapes {
  readonly name: string;
  /** Shapes of its inputs in the kernel's order (null: absent input). */
  readonly inputShapes: ReadonlyArray<readonly number[] | null>;
  readonly outputShapes: ReadonlyArray<readonly number[] | null>;
}

const CONV_KERNELS = new Set(['Conv2D', 'FusedConv2D']);
const MATMUL_KERNELS = new Set(['MatMul', 'BatchMatMul', '_FusedMatMul']);

/** Whether the kernel's FLOPs are counted. */
export function isFlopKernel(name: string): boolean {
  return CONV_KERNELS.has(name) || MATMUL_KERNELS.has(name);
}

/**
 * FLOPs of a 2-D convolution, 2·N·H'·W'·C_out·k_h·k_w·C_in, from its
 * output [N, H', W', C_out] and filter [k_h, k_w, C_in, C_out] (any
 * stride, padding or dilation: each output takes k_h·k_w·C_in products).
 */
export function convFlops(
  output: readonly number[],
  filter: readonly number[],
): number {
  if (output.length !== 4 || filter.length !== 4 || output[3] !== filter[3]) {
    throw new Error(
      `convFlops: needs output [N, H, W, C_out] and filter [kh, kw, ` +
        `C_in, C_out], got [${output}] and [${filter}]`,
    );
  }
  const [n, h, w, out] = output;
  const [kh, kw, inC] = filter;
  return 2 * n * h * w * out * kh * kw * inC;
}

/**
 * FLOPs of a (batched) matrix product, 2·B·M·N·K, from a [..., p, q]
 * and the output [..., M, N]; K is a's dimension that is not M (a may be
 * transposed).
 */
export function matMulFlops(
  a: readonly number[],
  output: readonly number[],
): number {
  if (a.length < 2 || output.length < 2) {
    throw new Error(
      `matMulFlops: needs rank >= 2, got a [${a}] and output [${output}]`,
    );
  }
  const [p, q] = a.slice(-2);
  const m = output[output.length - 2];
  if (p !== m && q !== m) {
    throw new Error(
      `matMulFlops: a [${a}] has no dimension M=${m} of the output ` +
        `[${output}]`,
    );
  }
  const k = p === m ? q : p;
  const outputs = output.reduce((s, d) => s * d, 1); // B·M·N
  return 2 * outputs * k;
}

/** FLOPs of one profiled kernel (0 for a kernel not counted). */
export function kernelFlops(k: KernelShapes): number {
  const out = k.outputShapes[0];
  if (CONV_KERNELS.has(k.name) && out && k.inputShapes[1]) {
    return convFlops(out, k.inputShapes[1]);
  }
  if (MATMUL_KERNELS.has(k.name) && out && k.inputShapes[0]) {
    return matMulFlops(k.inputShapes[0], out);
  }
  return 0;
}

/**
 * Total FLOPs of profiled kernels; `parents[i]` is the index of the
 * kernel that ran kernel i (-1 at the top). A counted kernel inside
 * another counted kernel (a replacement built from a product) is the
 * same work: only the outermost one counts.
 */
export function countFlops(
  kernels: readonly KernelShapes[],
  parents: readonly number[],
): number {
  const insideCounted = (i: number): boolean => {
    for (let p = parents[i]; p >= 0; p = parents[p]) {
      if (isFlopKernel(kernels[p].name)) return true;
    }
    return false;
  };
  return kernels.reduce(
    (sum, k, i) => sum + (insideCounted(i) ? 0 : kernelFlops(k)),
    0,
  );
}

/**
 * FLOPs of a training step from those of the forward pass: the usual 3×
 * (forward, gradient of each conv's input, gradient of its filter).
 */
export function trainFlops(forward: number): number {
  return 3 * forward;
}
