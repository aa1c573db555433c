// Layout conversions from PyTorch's tensors to ours, explicit and on plain
// arrays (no backend involved): conv weights OIHW → HWIO, linear weights
// [out, in] → [in, out], images NCHW → NHWC.
import { sizeOf } from '@acsm/models';
import type { TorchLayout } from './export-format';

/** Values with their shape, row-major. */
export interface HostTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/**
 * out[i_perm[0], …] = x[i_0, …]: the axes of a row-major x reordered so
 * that output axis k is input axis perm[k] (numpy's transpose(perm)).
 */
export function permute(x: HostTensor, perm: readonly number[]): HostTensor {
  const rank = x.shape.length;
  const sorted = [...perm].sort((a, b) => a - b);
  if (perm.length !== rank || sorted.some((p, i) => p !== i)) {
    throw new Error(
      `permute: perm must reorder 0..${rank - 1}, got [${perm}] for ` +
        `shape [${x.shape}]`,
    );
  }
  const shape = perm.map((p) => x.shape[p]);
  const inStrides = stridesOf(x.shape);
  const outStrides = perm.map((p) => inStrides[p]);
  const data = new Float32Array(x.data.length);
  const index = new Array<number>(rank).fill(0);
  for (let o = 0, from = 0; o < data.length; o++) {
    data[o] = x.data[from];
    // Odometer over the output index; `from` follows in the input.
    for (let k = rank - 1; k >= 0; k--) {
      index[k] += 1;
      from += outStrides[k];
      if (index[k] < shape[k]) break;
      from -= outStrides[k] * shape[k];
      index[k] = 0;
    }
  }
  return { shape, data };
}

/** Row-major strides of a shape. */
function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length).fill(1);
  for (let k = shape.length - 2; k >= 0; k--) {
    strides[k] = strides[k + 1] * shape[k + 1];
  }
  return strides;
}

/** The axis order each layout takes to ours (null: kept as is). */
const LAYOUT_PERMS: Record<Exclude<TorchLayout, 'unknown'>, number[] | null> = {
  oihw: [2, 3, 1, 0], // [out, in, kh, kw] → [kh, kw, in, out]
  oi: [1, 0], // [out, in] → [in, out]
  plain: null,
};

/** The axis order from layout to ours; fails on 'unknown' or a bad rank. */
function layoutPerm(
  name: string,
  shape: readonly number[],
  layout: TorchLayout,
): number[] | null {
  if (layout === 'unknown') {
    throw new Error(
      `toOurLayout: ${name} [${shape}] has no known layout (not a ` +
        `Conv2d or Linear weight): give its network entry a layout rule`,
    );
  }
  const perm = LAYOUT_PERMS[layout];
  if (perm !== null && perm.length !== shape.length) {
    throw new Error(
      `toOurLayout: ${name} as ${layout} must have rank ${perm.length}, ` +
        `got [${shape}]`,
    );
  }
  return perm;
}

/** The shape a PyTorch tensor of this layout has here. */
export function ourShape(
  name: string,
  shape: readonly number[],
  layout: TorchLayout,
): number[] {
  const perm = layoutPerm(name, shape, layout);
  return perm === null ? [...shape] : perm.map((p) => shape[p]);
}

/**
 * A PyTorch tensor in our layout: conv [out, in, kh, kw] → [kh, kw, in,
 * out], linear [out, in] → [in, out], 'plain' as is; 'unknown' fails.
 */
export function toOurLayout(
  name: string,
  x: HostTensor,
  layout: TorchLayout,
): HostTensor {
  if (sizeOf(x.shape) !== x.data.length) {
    throw new Error(
      `toOurLayout: ${name} [${x.shape}] holds ${x.data.length} values`,
    );
  }
  const perm = layoutPerm(name, x.shape, layout);
  return perm === null ? x : permute(x, perm);
}

/** Images [N, C, H, W] → [N, H, W, C]. */
export function nchwToNhwc(x: HostTensor): HostTensor {
  if (x.shape.length !== 4) {
    throw new Error(`nchwToNhwc: needs [N, C, H, W], got [${x.shape}]`);
  }
  return permute(x, [0, 2, 3, 1]);
}
