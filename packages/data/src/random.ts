import type { Rng } from '@acsm/core';

/**
 * A uniformly random permutation of 0..n-1 drawn from `rng`
 * (Fisher–Yates; Knuth, TAOCP vol. 2, §3.4.2, Algorithm P).
 */
export function permutation(n: number, rng: Rng): Uint32Array {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new Error(`permutation: n must be an integer >= 0, got ${n}`);
  }
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}
