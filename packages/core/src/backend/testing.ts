// Helpers for this folder's tests: seeded data, running one function on a
// named backend, and the relative error the tests bound.
import * as tf from '@tensorflow/tfjs-core';

/** Seeded standard-normal values of the given shape (drawn on cpu). */
export async function normal(
  shape: number[],
  seed: number,
): Promise<Float32Array> {
  await tf.setBackend('cpu');
  const t = tf.randomNormal(shape, 0, 1, 'float32', seed);
  const values = t.dataSync() as Float32Array;
  t.dispose();
  return values;
}

/**
 * Runs `f` on `backend` and returns the values of its outputs, disposing
 * every tensor it made.
 */
export async function valuesOn(
  backend: string,
  f: () => tf.Tensor | tf.Tensor[],
): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const out = tf.tidy(f);
  const list = Array.isArray(out) ? out : [out];
  const values = list.map((t) => t.dataSync() as Float32Array);
  tf.dispose(list);
  return values;
}

/** max |a - b| / max |b|: the error of `a` relative to the reference `b`. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>) {
  if (a.length !== b.length) {
    throw new Error(`relativeError: lengths ${a.length} != ${b.length}`);
  }
  let err = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return err / (scale || 1);
}
