import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stackedMnistModes } from './stacked-mnist';

test('stackedMnistModes: one mode → 1 mode, KL = ln 1000', () => {
  const n = 500;
  const r = stackedMnistModes(
    new Uint8Array(n).fill(3),
    new Uint8Array(n).fill(1),
    new Uint8Array(n).fill(4),
  );
  assert.equal(r.modes, 1);
  assert.ok(Math.abs(r.kl - Math.log(1000)) < 1e-12, `kl ${r.kl}`);
  assert.equal(r.n, n);
});

test('stackedMnistModes: evenly over all modes → 1000 modes, KL = 0', () => {
  const n = 3000; // each mode three times
  const mode = (i: number) => i % 1000;
  const r = stackedMnistModes(
    Uint8Array.from({ length: n }, (_, i) => Math.floor(mode(i) / 100)),
    Uint8Array.from({ length: n }, (_, i) => Math.floor(mode(i) / 10) % 10),
    Uint8Array.from({ length: n }, (_, i) => mode(i) % 10),
  );
  assert.equal(r.modes, 1000);
  assert.ok(Math.abs(r.kl) < 1e-12, `kl ${r.kl}`);
});

test('stackedMnistModes: two modes with q = (3/4, 1/4), counted once', () => {
  const r = stackedMnistModes(
    Uint8Array.from([0, 0, 0, 9]),
    Uint8Array.from([0, 0, 0, 9]),
    Uint8Array.from([0, 0, 0, 9]),
  );
  const kl = 0.75 * Math.log(750) + 0.25 * Math.log(250);
  assert.equal(r.modes, 2);
  assert.ok(Math.abs(r.kl - kl) < 1e-12, `kl ${r.kl} vs ${kl}`);
});

test('stackedMnistModes: preconditions name the argument and value', () => {
  const ok = new Uint8Array(3);
  assert.throws(
    () => stackedMnistModes(ok, new Uint8Array(2), ok),
    /labelsG must hold 3 labels like labelsR, got 2/,
  );
  assert.throws(
    () => stackedMnistModes(ok, ok, Uint8Array.from([0, 10, 0])),
    /labelsB\[1\] must be a digit 0..9, got 10/,
  );
  assert.throws(
    () => stackedMnistModes(new Uint8Array(0), ok, ok),
    /need at least 1 sample, got n=0/,
  );
});
