// How close our numbers are to theirs.

/** The differences between ours and a reference b. */
export interface Difference {
  /** max_i |a_i − b_i|. */
  readonly maxAbs: number;
  /** max_i |b_i|, the reference's scale. */
  readonly maxRef: number;
  /** maxAbs / maxRef: the error relative to the reference's scale. */
  readonly maxRel: number;
}

/**
 * Elementwise differences of a (ours) from b (theirs): max|a − b|,
 * max|b| and their ratio. Fails on a length mismatch, on a NaN or an
 * infinity in either, and on an all-zero b (the ratio would say nothing).
 */
export function difference(
  name: string,
  a: Float32Array,
  b: Float32Array,
): Difference {
  if (a.length !== b.length || a.length === 0) {
    throw new Error(
      `difference(${name}): needs equal non-zero lengths, got ` +
        `${a.length} and ${b.length}`,
    );
  }
  let maxAbs = 0;
  let maxRef = 0;
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]) || !Number.isFinite(b[i])) {
      throw new Error(
        `difference(${name}): non-finite value at ${i}: ours ${a[i]}, ` +
          `theirs ${b[i]}`,
      );
    }
    maxAbs = Math.max(maxAbs, Math.abs(a[i] - b[i]));
    maxRef = Math.max(maxRef, Math.abs(b[i]));
  }
  if (maxRef === 0) {
    throw new Error(
      `difference(${name}): the reference is all zeros, so the ` +
        `comparison would show nothing`,
    );
  }
  return { maxAbs, maxRef, maxRel: maxAbs / maxRef };
}

/** Concatenates arrays (several buffers compared as one). */
export function concat(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
