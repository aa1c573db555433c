// Precondition checks shared by the math functions. Each message names the
// function, the argument and the offending value; call them at entry, never
// inside a hot loop.
import * as tf from '@tensorflow/tfjs-core';

/** Throws `fn: message` as an Error. */
export function fail(fn: string, message: string): never {
  throw new Error(`${fn}: ${message}`);
}

/** value must be a finite number > 0. */
export function checkPositive(fn: string, name: string, value: number): void {
  if (!(Number.isFinite(value) && value > 0)) {
    fail(fn, `${name} must be a finite number > 0, got ${value}`);
  }
}

/** value must be an integer >= min. */
export function checkInteger(
  fn: string,
  name: string,
  value: number,
  min: number,
): void {
  if (!(Number.isInteger(value) && value >= min)) {
    fail(fn, `${name} must be an integer >= ${min}, got ${value}`);
  }
}

/** value must lie in the open interval (lo, hi). */
export function checkOpenInterval(
  fn: string,
  name: string,
  value: number,
  [lo, hi]: readonly [number, number],
): void {
  if (!(value > lo && value < hi)) {
    fail(fn, `${name} must lie in (${lo}, ${hi}), got ${value}`);
  }
}

/** A schedule: finite, > 0, strictly decreasing, at least minLength long. */
export function checkSigmas(
  fn: string,
  sigmas: readonly number[],
  minLength = 1,
): void {
  if (sigmas.length < minLength) {
    fail(fn, `sigmas needs >= ${minLength} levels, got ${sigmas.length}`);
  }
  sigmas.forEach((s, i) => checkPositive(fn, `sigmas[${i}]`, s));
  for (let i = 1; i < sigmas.length; i++) {
    if (!(sigmas[i] < sigmas[i - 1])) {
      fail(
        fn,
        'sigmas must be strictly decreasing, got ' +
          `sigmas[${i - 1}]=${sigmas[i - 1]}, sigmas[${i}]=${sigmas[i]}`,
      );
    }
  }
}

/** x must be a rank-4 [N, H, W, C] float tensor. */
export function checkImages(fn: string, name: string, x: tf.Tensor): void {
  if (x.rank !== 4) {
    fail(fn, `${name} must be [N, H, W, C], got shape [${x.shape}]`);
  }
  if (x.dtype !== 'float32') {
    fail(fn, `${name} must be float32, got ${x.dtype}`);
  }
}

/** Every value of x must be finite; reads x back only when one is not. */
export function checkFinite(fn: string, name: string, x: tf.Tensor): void {
  const allFinite = tf.tidy(() => tf.all(tf.isFinite(x)).dataSync()[0]);
  if (allFinite) return;
  const values = x.dataSync();
  const i = values.findIndex((v) => !Number.isFinite(v));
  fail(fn, `${name} must be finite, got ${values[i]} at flat index ${i}`);
}
