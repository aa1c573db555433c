// Mean nearest-neighbour distances between 2-D point sets (PAPER.md §9).
import { checkMatrix, fail, Floats } from './check';

/** Mean distances fake→real, real→fake, and their sum. */
export interface NearestNeighbourResult {
  readonly fakeToReal: number;
  readonly realToFake: number;
  readonly sum: number;
}

/** Mean over rows of a of the Euclidean distance to the nearest row of b. */
function meanNearest(a: Floats, b: Floats): number {
  const na = a.length / 2;
  const nb = b.length / 2;
  let total = 0;
  for (let i = 0; i < na; i++) {
    let best = Infinity;
    for (let j = 0; j < nb; j++) {
      const dx = a[2 * i] - b[2 * j];
      const dy = a[2 * i + 1] - b[2 * j + 1];
      best = Math.min(best, dx * dx + dy * dy);
    }
    total += Math.sqrt(best);
  }
  return total / na;
}

/**
 * Toy 2-D score of the paper (Jolicoeur-Martineau et al., ICLR 2021,
 * arXiv:2009.05475, toy experiments): mean distance from each fake point
 * to its nearest real point, plus the same from real to fake.
 * fake: [n, 2], real: [m, 2], row-major. Brute force, O(n·m).
 */
export function nearestNeighbourDistances(
  fake: Floats,
  real: Floats,
): NearestNeighbourResult {
  const fn = 'nearestNeighbourDistances';
  if (fake.length < 2 || fake.length % 2 !== 0) {
    fail(fn, `fake must be [n, 2] with n >= 1, got ${fake.length} values`);
  }
  if (real.length < 2 || real.length % 2 !== 0) {
    fail(fn, `real must be [m, 2] with m >= 1, got ${real.length} values`);
  }
  checkMatrix(fn, 'fake', fake, fake.length / 2, 2);
  checkMatrix(fn, 'real', real, real.length / 2, 2);
  const fakeToReal = meanNearest(fake, real);
  const realToFake = meanNearest(real, fake);
  return { fakeToReal, realToFake, sum: fakeToReal + realToFake };
}
