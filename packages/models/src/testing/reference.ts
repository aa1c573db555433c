// Test references: the UNet's layers written out with loops in float64 on
// NHWC arrays, as a textbook (or numpy) would compute them.

/** An NHWC image batch: values in row-major order and the shape. */
export interface Grid {
  readonly data: number[];
  readonly shape: readonly [number, number, number, number];
}

/** A grid of the given shape with value f(n, h, w, c). */
export function grid(
  shape: readonly [number, number, number, number],
  f: (n: number, h: number, w: number, c: number) => number,
): Grid {
  const [N, H, W, C] = shape;
  const data: number[] = [];
  for (let n = 0; n < N; n++) {
    for (let h = 0; h < H; h++) {
      for (let w = 0; w < W; w++) {
        for (let c = 0; c < C; c++) data.push(f(n, h, w, c));
      }
    }
  }
  return { data, shape };
}

/** x[n, h, w, c], or 0 outside the image (zero padding). */
export function at(x: Grid, n: number, h: number, w: number, c: number) {
  const [, H, W, C] = x.shape;
  if (h < 0 || w < 0 || h >= H || w >= W) return 0;
  return x.data[((n * H + h) * W + w) * C + c];
}

/** Group norm: per sample and group, (x − mean)/√(biased var + ε)·γ + β. */
export function groupNormRef(
  x: Grid,
  groups: number,
  eps: number,
  gamma: readonly number[],
  beta: readonly number[],
): Grid {
  const [, H, W, C] = x.shape;
  const size = C / groups;
  const stats = (n: number, g: number) => {
    const xs: number[] = [];
    for (let h = 0; h < H; h++) {
      for (let w = 0; w < W; w++) {
        for (let c = g * size; c < (g + 1) * size; c++) {
          xs.push(at(x, n, h, w, c));
        }
      }
    }
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const v = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
    return { mean, v };
  };
  return grid(x.shape, (n, h, w, c) => {
    const { mean, v } = stats(n, Math.floor(c / size));
    const z = (at(x, n, h, w, c) - mean) / Math.sqrt(v + eps);
    return gamma[c] * z + beta[c];
  });
}

/** x·W + b per pixel, W[i][o]. */
export function ninRef(
  x: Grid,
  weights: readonly (readonly number[])[],
  bias: readonly number[],
): Grid {
  const [N, H, W, C] = x.shape;
  return grid([N, H, W, bias.length], (n, h, w, o) => {
    let s = bias[o];
    for (let i = 0; i < C; i++) s += at(x, n, h, w, i) * weights[i][o];
    return s;
  });
}

/**
 * 3×3 conv with zero padding 1 and the stride given, weight
 * k[dy][dx][i][o]: out[y, x] = b + Σ k·in[stride·y + dy − 1, …].
 */
export function conv3x3Ref(
  x: Grid,
  k: readonly (readonly (readonly (readonly number[])[])[])[],
  bias: readonly number[],
  stride: number,
): Grid {
  const [N, H, W, C] = x.shape;
  const outH = Math.floor((H - 1) / stride) + 1;
  const outW = Math.floor((W - 1) / stride) + 1;
  return grid([N, outH, outW, bias.length], (n, y, xx, o) => {
    let s = bias[o];
    for (let dy = 0; dy < 3; dy++) {
      for (let dx = 0; dx < 3; dx++) {
        const [sy, sx] = [stride * y + dy - 1, stride * xx + dx - 1];
        for (let i = 0; i < C; i++) s += k[dy][dx][i][o] * at(x, n, sy, sx, i);
      }
    }
    return s;
  });
}

/** Each pixel repeated 2×2. */
export function upsampleNearestRef(x: Grid): Grid {
  const [N, H, W, C] = x.shape;
  return grid([N, 2 * H, 2 * W, C], (n, h, w, c) =>
    at(x, n, Math.floor(h / 2), Math.floor(w / 2), c),
  );
}

/** x·sigmoid(x), elementwise. */
export function swishRef(x: Grid): Grid {
  return { ...x, data: x.data.map((v) => v / (1 + Math.exp(-v))) };
}

/** Elementwise a + b. */
export function addRef(a: Grid, b: Grid): Grid {
  return { ...a, data: a.data.map((v, i) => v + b.data[i]) };
}

/**
 * Single-head attention over positions p = (h, w) of each sample:
 * out[p] = Σ_p' softmax_p'(q[p]·k[p']/√C) v[p'].
 */
export function attentionRef(q: Grid, k: Grid, v: Grid): Grid {
  const [, H, W, C] = q.shape;
  const P = H * W;
  const vec = (g: Grid, n: number, p: number) =>
    Array.from({ length: C }, (_, c) => at(g, n, Math.floor(p / W), p % W, c));
  return grid(q.shape, (n, h, w, c) => {
    const qp = vec(q, n, h * W + w);
    const logits = Array.from(
      { length: P },
      (_, p) =>
        vec(k, n, p).reduce((s, kc, i) => s + kc * qp[i], 0) / Math.sqrt(C),
    );
    const top = Math.max(...logits);
    const e = logits.map((l) => Math.exp(l - top));
    const z = e.reduce((a, b) => a + b, 0);
    return e.reduce((s, ep, p) => s + (ep / z) * vec(v, n, p)[c], 0);
  });
}

/** Largest |a − b| over two equal-size arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) {
    throw new Error(`maxAbsDiff: lengths ${a.length} and ${b.length}`);
  }
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** A fixed nested array (tf.tensor's input) of the shape, values in (−1, 1). */
export function pattern(shape: readonly number[], salt: number): NestedArray {
  let i = 0;
  const build = (dims: readonly number[]): NestedArray =>
    dims.length === 0
      ? Math.sin(salt + 0.7 * i++ + 0.31 * i * i)
      : Array.from({ length: dims[0] }, () => build(dims.slice(1)));
  return build(shape);
}

/** A number or nested arrays of numbers. */
export type NestedArray = number | NestedArray[];
