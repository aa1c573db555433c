/**
 * From the PyTorch state_dict to TensorFlow.js layouts: convolution
 * weights [out, in, kh, kw] → [kh, kw, in, out] (HWIO), the classifier
 * [out, in] → [in, out]; vectors unchanged. BatchNorm is folded into the
 * convolution when the network is built, not here, so the cache keeps
 * the checkpoint's own numbers.
 */
import { fidInceptionParams, ParamSpec } from './spec';
import type { StateDict } from './torch-checkpoint';

/** A tensor in TF.js layout. */
export interface LayoutTensor {
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

export type InceptionWeights = Record<string, LayoutTensor>;

/**
 * Row-major transpose: out has shape shape[perm[i]] and
 * out[j_0, …, j_{r−1}] = values[i] with i_{perm[k]} = j_k (numpy's
 * `transpose(perm)`).
 */
export function transposeArray(
  values: Float32Array,
  shape: readonly number[],
  perm: readonly number[],
): Float32Array {
  const rank = shape.length;
  const sorted = [...perm].sort((a, b) => a - b);
  if (perm.length !== rank || sorted.some((p, i) => p !== i)) {
    throw new Error(`transposeArray: perm [${perm}] for shape [${shape}]`);
  }
  const strides = shape.map((_, d) =>
    shape.slice(d + 1).reduce((a, b) => a * b, 1),
  );
  const outShape = perm.map((p) => shape[p]);
  const outStrides = perm.map((p) => strides[p]); // input stride per out axis
  const out = new Float32Array(values.length);
  const index = new Array<number>(rank).fill(0);
  let at = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = values[at];
    for (let d = rank - 1; d >= 0; d--) {
      at += outStrides[d];
      if (++index[d] < outShape[d]) break;
      at -= outStrides[d] * outShape[d];
      index[d] = 0;
    }
  }
  return out;
}

/** How one parameter moves from PyTorch's layout to TF.js's. */
function permutation(spec: ParamSpec): number[] | undefined {
  if (spec.shape.length === 4) return [2, 3, 1, 0];
  if (spec.shape.length === 2) return [1, 0];
  return undefined;
}

/** Names present on one side only, num_batches_tracked aside. */
function checkNames(sd: StateDict, specs: ParamSpec[]): void {
  const wanted = new Set(specs.map((s) => s.name));
  const missing = [...wanted].filter((n) => !sd.has(n));
  const extra = [...sd.keys()].filter(
    (n) => !wanted.has(n) && !n.endsWith('.num_batches_tracked'),
  );
  if (missing.length || extra.length) {
    const list = (xs: string[]) =>
      xs.length
        ? `${xs.slice(0, 5).join(', ')}${xs.length > 5 ? ', …' : ''}`
        : 'none';
    throw new Error(
      `inceptionWeights: the state_dict is not the FID Inception's: ` +
        `missing ${missing.length} (${list(missing)}), unexpected ` +
        `${extra.length} (${list(extra)})`,
    );
  }
}

/** The network's tensors from a checked state_dict, in TF.js layout. */
export function inceptionWeights(sd: StateDict): InceptionWeights {
  const specs = fidInceptionParams();
  checkNames(sd, specs);
  const out: InceptionWeights = {};
  for (const spec of specs) {
    const t = sd.get(spec.name)!;
    if (t.dtype !== 'float32' || `${t.shape}` !== `${spec.shape}`) {
      throw new Error(
        `inceptionWeights: ${spec.name} is ${t.dtype} [${t.shape}], ` +
          `expected float32 [${spec.shape}]`,
      );
    }
    const perm = permutation(spec);
    const values = t.toFloat32();
    out[spec.name] = perm
      ? {
          shape: perm.map((p) => spec.shape[p]),
          values: transposeArray(values, spec.shape, perm),
        }
      : { shape: [...spec.shape], values };
  }
  return out;
}
