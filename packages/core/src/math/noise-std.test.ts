import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alsNoiseStd, casNoiseStd } from './noise-std';
import { geometricSigmas, refineSigmas } from './schedule';

const close = (a: number, b: number, tol = 1e-12) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

test('alsNoiseStd: two steps by hand', () => {
  // η = ε/σ_L² = 0.25; v² ← 0.5625 v² + 0.5 σ_i².
  const v = alsNoiseStd([2, 1], { stepSize: 0.25, stepsPerLevel: 1 });
  assert.equal(v.length, 3);
  close(v[0], 2);
  close(v[1], Math.sqrt(0.5625 * 4 + 0.5 * 4));
  close(v[2], Math.sqrt(0.5625 * 4.25 + 0.5 * 1));
});

test('alsNoiseStd: many steps at one level reach σ·sqrt(2/(2 − η)), above σ', () => {
  for (const eta of [0.1, 0.5, 1, 1.5]) {
    const v = alsNoiseStd([1], { stepSize: eta, stepsPerLevel: 400 });
    close(v[v.length - 1], Math.sqrt(2 / (2 - eta)), 1e-9);
  }
});

test('casNoiseStd: follows the refined grid exactly, ends at (1 − η)σ_L', () => {
  const sigmas = geometricSigmas(50, 0.01, 232);
  for (const n of [1, 5]) {
    const stepSize = n === 1 ? 5.6e-6 : 1.1e-6;
    const v = casNoiseStd(sigmas, { stepSize, stepsPerLevel: n });
    const grid = refineSigmas(sigmas, n);
    assert.equal(v.length, grid.length + 1);
    grid.forEach((s, i) => close(v[i], s, 1e-9));
    close(v[grid.length], (1 - stepSize / 0.01 ** 2) * 0.01, 1e-9);
  }
  assert.throws(
    () => casNoiseStd(sigmas, { stepSize: 1e-9, stepsPerLevel: 1 }),
    /stepSize must lie in/,
  );
});

test('alsNoiseStd: lags above the CIFAR-10 schedule, less with more steps', () => {
  const sigmas = geometricSigmas(50, 0.01, 232);
  const finals = [1, 2, 5, 20].map((n) => {
    const v = alsNoiseStd(sigmas, { stepSize: 1.8e-5 / n, stepsPerLevel: n });
    return v[v.length - 1] / 0.01;
  });
  for (const r of finals) assert.ok(r > 1, `${finals}`);
  for (let i = 1; i < finals.length; i++) assert.ok(finals[i] < finals[i - 1]);
});
