import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  instanceNormPlusBackward,
  instanceNormPlusForward,
  type NormDims,
  type NormParams,
} from './instance-norm-plus';
import { relativeError } from './testing';

const EPS = 1e-5;

/** Deterministic values in [-1, 1): a sine of the index. */
function wave(length: number, phase: number): Float64Array {
  return Float64Array.from({ length }, (_, i) => Math.sin(i * 2.3 + phase));
}

/** InstanceNorm++ written out per sample in float64, two-pass. */
function reference(x: ArrayLike<number>, p: NormParams, d: NormDims) {
  const { batch, positions: P, channels: C } = d;
  const y = new Float64Array(x.length);
  const at = (n: number, i: number, c: number) => (n * P + i) * C + c;
  for (let n = 0; n < batch; n++) {
    const mu: number[] = [];
    const s2: number[] = [];
    for (let c = 0; c < C; c++) {
      let m = 0;
      for (let i = 0; i < P; i++) m += x[at(n, i, c)] / P;
      let v = 0;
      for (let i = 0; i < P; i++) v += (x[at(n, i, c)] - m) ** 2 / P;
      mu.push(m);
      s2.push(v);
    }
    const m = mu.reduce((a, b) => a + b) / C;
    const v = mu.reduce((a, b) => a + (b - m) ** 2, 0) / (C - 1);
    for (let i = 0; i < P; i++) {
      for (let c = 0; c < C; c++) {
        const h = (x[at(n, i, c)] - mu[c]) / Math.sqrt(s2[c] + EPS);
        const z = (mu[c] - m) / Math.sqrt(v + EPS);
        y[at(n, i, c)] = p.gamma[c] * (h + p.alpha[c] * z) + p.beta[c];
      }
    }
  }
  return y;
}

function forward64(x: ArrayLike<number>, p: NormParams, d: NormDims) {
  const y = new Float64Array(x.length);
  instanceNormPlusForward(x, p, d, EPS, y);
  return y;
}

function backward64(
  dy: ArrayLike<number>,
  x: ArrayLike<number>,
  p: NormParams,
  d: NormDims,
) {
  const c = d.channels;
  const out = {
    dx: new Float64Array(x.length),
    dAlpha: new Float64Array(c),
    dGamma: new Float64Array(c),
    dBeta: new Float64Array(c),
  };
  instanceNormPlusBackward({ dy, x, ...p }, d, EPS, out);
  return out;
}

const dims: NormDims = { batch: 2, positions: 6, channels: 3 };
const size = dims.batch * dims.positions * dims.channels;
const params: NormParams = {
  alpha: [0.5, 1.5, -1],
  gamma: [2, 0.5, 1],
  beta: [0.1, -0.2, 0.3],
};

describe('instanceNormPlusForward', () => {
  test('equals the closed form of a two-position case', () => {
    // Channel c of each sample holds μ_c ± δ_c: x̂ = ±δ/√(δ² + ε); the
    // means 1, 3 give m = 2, v = 2 (unbiased), z = ∓1/√(2 + ε).
    const d: NormDims = { batch: 1, positions: 2, channels: 2 };
    const [mu, delta] = [
      [1, 3],
      [0.5, 2],
    ];
    const x = [mu[0] + delta[0], mu[1] + delta[1], mu[0] - delta[0]];
    x.push(mu[1] - delta[1]);
    const p = { alpha: [2, -1], gamma: [3, 0.5], beta: [0.25, -1] };
    const y = forward64(x, p, d);
    const z = [-1 / Math.sqrt(2 + EPS), 1 / Math.sqrt(2 + EPS)];
    const want = [0, 1, 2, 3].map((i) => {
      const [c, sign] = [i % 2, i < 2 ? 1 : -1];
      const h = (sign * delta[c]) / Math.sqrt(delta[c] ** 2 + EPS);
      return p.gamma[c] * (h + p.alpha[c] * z[c]) + p.beta[c];
    });
    assert.ok(relativeError(y, want) < 1e-12, `${[...y]} vs ${want}`);
  });

  test('equals a two-pass float64 computation', () => {
    const x = wave(size, 0.3).map((v, i) => v * (1 + (i % 3)) + (i % 3));
    const y = forward64(x, params, dims);
    const err = relativeError(y, reference(x, params, dims));
    assert.ok(err < 1e-12, `relative error ${err}`);
  });

  test('keeps its precision on float32 data far from zero', () => {
    // Values 1000 + 0.01·u: a one-pass variance in float32 would cancel.
    const x = Float32Array.from(wave(size, 1.1), (v) => 1000 + 0.01 * v);
    const y = new Float32Array(size);
    instanceNormPlusForward(x, params, dims, EPS, y);
    const err = relativeError(y, reference(x, params, dims));
    assert.ok(err < 1e-5, `relative error ${err}`);
  });

  test('rejects fewer than two channels and a wrong length', () => {
    const p = { alpha: [1], gamma: [1], beta: [0] };
    const one = { batch: 1, positions: 2, channels: 1 };
    assert.throws(
      () => instanceNormPlusForward([1, 2], p, one, EPS, new Float32Array(2)),
      /channels >= 2, got 1, 2, 1/,
    );
    assert.throws(
      () => forward64([1, 2, 3], params, dims),
      /array of 3 values for 2×6×3/,
    );
  });
});

describe('instanceNormPlusBackward', () => {
  const x = wave(size, 0.7).map((v, i) => 2 * v + (i % 3) - 0.5);
  const w = wave(size, 2.9); // L = Σ w·y
  const loss = (xs: ArrayLike<number>, p: NormParams) =>
    forward64(xs, p, dims).reduce((a, y, i) => a + w[i] * y, 0);

  /** Central difference of L in coordinate i of `values`. */
  function numeric(values: number[], i: number, at: (v: number[]) => number) {
    const h = 1e-6;
    const plus = [...values];
    const minus = [...values];
    plus[i] += h;
    minus[i] -= h;
    return (at(plus) - at(minus)) / (2 * h);
  }

  test('matches central differences of the forward (x, α, γ, β)', () => {
    const got = backward64(w, x, params, dims);
    const dx = [...x].map((_, i) => numeric([...x], i, (v) => loss(v, params)));
    assert.ok(relativeError(got.dx, dx) < 1e-6, 'dx');
    const names = ['alpha', 'gamma', 'beta'] as const;
    const grads = [got.dAlpha, got.dGamma, got.dBeta];
    names.forEach((name, k) => {
      const want = [0, 1, 2].map((c) =>
        numeric(Array.from(params[name]), c, (v) =>
          loss(x, { ...params, [name]: v }),
        ),
      );
      const err = relativeError(grads[k], want);
      assert.ok(err < 1e-6, `d${name}: ${[...grads[k]]} vs ${want}`);
    });
  });

  test('equals the closed form for dL/dy = 1', () => {
    // Σ_i x̂ = 0, so for L = Σ y: dβ = N·P, dγ_c = P α_c Σ_n z_nc,
    // dα_c = P γ_c Σ_n z_nc; with γα equal across channels Σ_c z = 0
    // makes L constant in x (dx = 0).
    const p = { alpha: [2, 1, 0.5], gamma: [0.5, 1, 2], beta: [0, 0, 0] };
    const ones = new Float64Array(size).fill(1);
    const got = backward64(ones, x, p, dims);
    const zSum = [0, 1, 2].map((c) => {
      // Σ_n z_nc from the forward with α = 1, γ = 1, β = 0: y − x̂.
      const unit = { alpha: [1, 1, 1], gamma: [1, 1, 1], beta: [0, 0, 0] };
      const noZ = { ...unit, alpha: [0, 0, 0] };
      const [y1, y0] = [forward64(x, unit, dims), forward64(x, noZ, dims)];
      return [0, 1].reduce((a, n) => a + y1[n * 18 + c] - y0[n * 18 + c], 0);
    });
    const P = dims.positions;
    const want = {
      dBeta: [P * 2, P * 2, P * 2],
      dGamma: zSum.map((s, c) => P * p.alpha[c] * s),
      dAlpha: zSum.map((s, c) => P * p.gamma[c] * s),
    };
    for (const [name, v] of Object.entries(want)) {
      const key = name as keyof typeof want;
      const err = relativeError(got[key], v);
      assert.ok(err < 1e-12, `${name}: ${[...got[key]]} vs ${v}`);
    }
    const maxDx = Math.max(...got.dx.map(Math.abs));
    assert.ok(maxDx < 1e-12, `dx should vanish, max |dx| ${maxDx}`);
  });
});
