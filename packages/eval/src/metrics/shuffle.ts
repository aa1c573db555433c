// Seeded index draws for the metrics that split or subsample their inputs.
import type { Rng } from '@acsm/core';

/**
 * The first `size` entries of a Fisher–Yates shuffle of 0..n−1 (Knuth,
 * TAOCP vol. 2, Algorithm 3.4.2P): a uniform draw of `size` distinct
 * indices in random order. `size` defaults to n (a full permutation).
 */
export function sampleIndices(n: number, rng: Rng, size = n): Uint32Array {
  if (!(Number.isInteger(size) && size >= 0 && size <= n)) {
    throw new Error(`sampleIndices: size must lie in [0, ${n}], got ${size}`);
  }
  const index = Uint32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < size; i++) {
    const j = i + Math.floor(rng.uniform() * (n - i));
    const t = index[i];
    index[i] = index[j];
    index[j] = t;
  }
  return index.subarray(0, size);
}
