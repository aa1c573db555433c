import { test } from 'node:test';
import assert from 'node:assert/strict';
import { swissRoll, SWISS_ROLL_SCALE, twentyFiveGaussians } from './toy2d';

test('toy2d: same seed same points, other seed other points', () => {
  const a = swissRoll(100, { seed: 1, noise: 0.1 });
  assert.deepEqual(a, swissRoll(100, { seed: 1, noise: 0.1 }));
  assert.notDeepEqual(a.points, swissRoll(100, { seed: 2 }).points);
  const g = twentyFiveGaussians(100, { seed: 1 });
  assert.deepEqual(g, twentyFiveGaussians(100, { seed: 1 }));
  assert.notDeepEqual(g.points, twentyFiveGaussians(100, { seed: 2 }).points);
});

test('toy2d: shapes are [n, 2]', () => {
  for (const d of [
    swissRoll(7, { seed: 0 }),
    twentyFiveGaussians(7, { seed: 0 }),
  ]) {
    assert.equal(d.n, 7);
    assert.ok(d.points instanceof Float32Array);
    assert.equal(d.points.length, 14);
  }
});

test('swissRoll: noiseless points have radius t/5, t in [1.5π, 4.5π]', () => {
  const { points } = swissRoll(2000, { seed: 3 });
  let sum = 0;
  for (let i = 0; i < 2000; i++) {
    const x = points[2 * i];
    const y = points[2 * i + 1];
    const t = SWISS_ROLL_SCALE * Math.hypot(x, y);
    assert.ok(t >= 1.5 * Math.PI - 1e-4 && t <= 4.5 * Math.PI + 1e-4);
    // the angle of the point is t itself (mod 2π)
    const d = Math.atan2(y, x) - t;
    const wrapped = d - 2 * Math.PI * Math.round(d / (2 * Math.PI));
    assert.ok(Math.abs(wrapped) < 1e-3, `angle off by ${wrapped}`);
    sum += t;
  }
  // E[t] = 3π; std of t is 3π/√12 ≈ 2.72, so the mean's std is ≈ 0.061
  assert.ok(Math.abs(sum / 2000 - 3 * Math.PI) < 0.25);
});

test('swissRoll: noise has the requested std', () => {
  const clean = swissRoll(4000, { seed: 5 });
  const noisy = swissRoll(4000, { seed: 5, noise: 0.2 });
  let ss = 0;
  for (let i = 0; i < 8000; i++) {
    ss += (noisy.points[i] - clean.points[i]) ** 2;
  }
  // same seed, same t; the residual is the noise. 8000 draws: ±4%
  assert.ok(Math.abs(Math.sqrt(ss / 8000) - 0.2) < 0.01);
});

test('twentyFiveGaussians: modes balanced, points near their centre', () => {
  const std = 0.05;
  const n = 10_000;
  const { points } = twentyFiveGaussians(n, { seed: 11, std });
  const counts = new Array<number>(25).fill(0);
  let near = 0;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const x = points[2 * i];
    const y = points[2 * i + 1];
    const cx = Math.max(-2, Math.min(2, Math.round(x)));
    const cy = Math.max(-2, Math.min(2, Math.round(y)));
    counts[(cy + 2) * 5 + cx + 2]++;
    if (Math.hypot(x - cx, y - cy) < 4 * std) near++;
    ss += (x - cx) ** 2 + (y - cy) ** 2;
  }
  assert.ok(near >= 0.99 * n, `only ${near} of ${n} within 4 std`);
  // each mode: p = 0.04, binomial std ≈ 0.002; tolerance ±0.015
  counts.forEach((c, k) =>
    assert.ok(Math.abs(c / n - 0.04) < 0.015, `mode ${k}: ${c}`),
  );
  assert.ok(Math.abs(Math.sqrt(ss / (2 * n)) - std) < 0.003);
});

test('toy2d: bad arguments fail with the value', () => {
  assert.throws(() => swissRoll(0, { seed: 1 }), /swissRoll: n .* got 0/);
  assert.throws(
    () => twentyFiveGaussians(5, { seed: 1, std: -1 }),
    /twentyFiveGaussians: std .* got -1/,
  );
});
