/**
 * Feature statistics for Inception FID at scale: the mean and covariance
 * of a feature stream accumulated chunk by chunk in float64 (the features
 * of 50 000 images need not be held), and the Fréchet distance of a
 * sample set with fewer samples than dimensions, computed exactly in the
 * samples' own (n − 1)-dimensional span.
 */
import { frechetDistance, type GaussianStats } from './frechet';
import { symmetricEigenvalues, symmetrize, trace } from './linalg';
import { checkInteger, checkMatrix, fail, type Floats } from './metrics/check';

/** Rows [count, d] in, mean and covariance out. */
export interface MomentAccumulator {
  /** Adds rows [count, d] (row-major) of features. */
  add(rows: Floats, count: number): void;
  /** Mean and unbiased covariance of the rows added so far (n >= 2). */
  finish(): GaussianStats;
}

/** Rows per block of the covariance update (a multiple of 4). */
const BLOCK = 32;

/**
 * cov[i, j≥i] += Σ_r c[r, i]·c[r, j] over the rows of one block, four
 * rows per pass over a row of cov (rows past `rows` must be zero).
 */
function addBlock(cov: Float64Array, c: Float64Array, rows: number, d: number) {
  for (let i = 0; i < d; i++) {
    const at = i * d;
    for (let r = 0; r < rows; r += 4) {
      const [b0, b1, b2, b3] = [r * d, (r + 1) * d, (r + 2) * d, (r + 3) * d];
      const [a0, a1, a2, a3] = [c[b0 + i], c[b1 + i], c[b2 + i], c[b3 + i]];
      for (let j = i; j < d; j++) {
        cov[at + j] +=
          a0 * c[b0 + j] + a1 * c[b1 + j] + a2 * c[b2 + j] + a3 * c[b3 + j];
      }
    }
  }
}

/**
 * Streaming mean and covariance with a fixed shift s (the mean of the
 * first chunk): S₁ = Σ(x − s), S₂ = Σ(x − s)(x − s)ᵀ, then μ = s + S₁/n and
 * Σ = (S₂ − S₁S₁ᵀ/n)/(n − 1). The shifted-data algorithm of Chan, Golub &
 * LeVeque, "Algorithms for computing the sample variance", Am. Stat. 37(3),
 * 1983, §3, in float64; the shift keeps the cancellation small.
 */
export function momentAccumulator(d: number): MomentAccumulator {
  checkInteger('momentAccumulator', 'd', d, 1);
  const sum = new Float64Array(d);
  const cov = new Float64Array(d * d);
  const block = new Float64Array(BLOCK * d);
  let shift: Float64Array | undefined;
  let n = 0;
  return {
    add(rows, count) {
      checkInteger('momentAccumulator.add', 'count', count, 0);
      checkMatrix('momentAccumulator.add', 'rows', rows, count, d);
      if (count === 0) return;
      shift ??= chunkMean(rows, count, d);
      for (let start = 0; start < count; start += BLOCK) {
        const size = Math.min(BLOCK, count - start);
        block.fill(0, size * d);
        for (let r = 0; r < size; r++) {
          for (let j = 0; j < d; j++) {
            const v = rows[(start + r) * d + j] - shift[j];
            block[r * d + j] = v;
            sum[j] += v;
          }
        }
        addBlock(cov, block, size, d);
      }
      n += count;
    },
    finish() {
      if (n < 2 || !shift) {
        fail('momentAccumulator.finish', `need at least 2 rows, got ${n}`);
      }
      return moments(shift, sum, cov, n, d);
    },
  };
}

function chunkMean(rows: Floats, count: number, d: number): Float64Array {
  const mean = new Float64Array(d);
  for (let r = 0; r < count; r++) {
    for (let j = 0; j < d; j++) mean[j] += rows[r * d + j];
  }
  return mean.map((v) => v / count);
}

function moments(
  shift: Float64Array,
  sum: Float64Array,
  s2: Float64Array,
  n: number,
  d: number,
): GaussianStats {
  const mean = shift.map((s, j) => s + sum[j] / n);
  const cov = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      const v = (s2[i * d + j] - (sum[i] * sum[j]) / n) / (n - 1);
      cov[i * d + j] = v;
      cov[j * d + i] = v;
    }
  }
  return { mean, cov, n, d };
}

/** Mean and unbiased covariance of rows [n, d], any n >= 2 (n < d too). */
export function featureMoments(
  features: Floats,
  n: number,
  d: number,
): GaussianStats {
  const acc = momentAccumulator(d);
  acc.add(features, n);
  return acc.finish();
}

/**
 * B [n − 1, d] with BᵀB = Σ, the unbiased covariance of the rows: the
 * centred rows projected on the Helmert contrasts h_k (k = 1..n − 1,
 * h_k[i] = 1/√(k(k+1)) for i < k, −k/√(k(k+1)) for i = k), an
 * orthonormal basis of the vectors orthogonal to 1; scaled by 1/√(n − 1).
 */
function covarianceFactor(
  x: Floats,
  mean: Float64Array,
  n: number,
  d: number,
): Float64Array {
  const b = new Float64Array((n - 1) * d);
  const prefix = new Float64Array(d); // Σ_{i<k} (x_i − μ)
  for (let j = 0; j < d; j++) prefix[j] = x[j] - mean[j];
  for (let k = 1; k < n; k++) {
    const scale = 1 / Math.sqrt(k * (k + 1) * (n - 1));
    for (let j = 0; j < d; j++) {
      const c = x[k * d + j] - mean[j];
      b[(k - 1) * d + j] = (prefix[j] - k * c) * scale;
      prefix[j] += c;
    }
  }
  return b;
}

/** M = B Σ Bᵀ for B [r, d] and symmetric Σ [d, d]. */
function sandwich(b: Float64Array, cov: Float64Array, r: number, d: number) {
  const bc = new Float64Array(r * d); // B Σ, by rows of Σ (symmetric)
  for (let p = 0; p < r; p++) {
    for (let t = 0; t < d; t++) {
      const a = b[p * d + t];
      if (a === 0) continue;
      for (let j = 0; j < d; j++) bc[p * d + j] += a * cov[t * d + j];
    }
  }
  const m = new Float64Array(r * r);
  for (let p = 0; p < r; p++) {
    for (let q = 0; q < r; q++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += bc[p * d + j] * b[q * d + j];
      m[p * r + q] = s;
    }
  }
  return symmetrize(m, r);
}

/**
 * Fréchet distance (Dowson & Landau 1982; FID, Heusel et al. 2017,
 * arXiv:1706.08500, eq. 6) between the Gaussian fitted to n ≤ d feature
 * rows x [n, d] and N(μ_r, Σ_r). With Σ_x = BᵀB (B [n − 1, d]), the
 * non-zero eigenvalues of Σ_x^½ Σ_r Σ_x^½ are those of B Σ_r Bᵀ, so
 * tr((Σ_x^½ Σ_r Σ_x^½)^½) = Σ √λ(B Σ_r Bᵀ), an (n − 1)² eigenproblem:
 * exact, cheap, and free of the square roots of rounding noise that
 * the d × d route takes on Σ_x's null space.
 */
export function frechetDistanceLowRank(
  x: Floats,
  n: number,
  reference: GaussianStats,
): number {
  const fn = 'frechetDistanceLowRank';
  const d = reference.d;
  checkInteger(fn, 'n', n, 2);
  if (n > d) fail(fn, `n must be <= d=${d} (else use frechetDistance)`);
  checkMatrix(fn, 'x', x, n, d);
  const mean = chunkMean(x, n, d);
  const b = covarianceFactor(x, mean, n, d);
  const lambda = symmetricEigenvalues(
    sandwich(b, reference.cov, n - 1, d),
    n - 1,
  );
  const root = lambda.reduce((s, v) => s + Math.sqrt(Math.max(v, 0)), 0);
  let meanTerm = 0;
  for (let j = 0; j < d; j++) meanTerm += (mean[j] - reference.mean[j]) ** 2;
  const traceX = b.reduce((s, v) => s + v * v, 0);
  return meanTerm + traceX + trace(reference.cov, d) - 2 * root;
}

/** Which route a Fréchet distance of sample features took. */
export interface SampleFrechet {
  readonly value: number;
  /** n ≤ d: the samples' covariance is singular (rank ≤ n − 1 < d). */
  readonly rankDeficient: boolean;
}

/**
 * Fréchet distance of feature rows x [n, d] to reference statistics: the
 * low-rank route when n ≤ d (flagged rank-deficient), else the moments of
 * x and the d × d route of `frechetDistance`.
 */
export function sampleFrechetDistance(
  x: Floats,
  n: number,
  reference: GaussianStats,
): SampleFrechet {
  if (n <= reference.d) {
    return {
      value: frechetDistanceLowRank(x, n, reference),
      rankDeficient: true,
    };
  }
  const stats = featureMoments(x, n, reference.d);
  return { value: frechetDistance(stats, reference), rankDeficient: false };
}
