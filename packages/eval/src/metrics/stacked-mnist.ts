// Mode coverage of Stacked MNIST samples (PAPER.md §9).
//
// NOTE: the released evaluation left the classifier's dropout on, counted
// each sample twice and divided by 26 000 for 25 000 samples (PAPER.md
// §11). None of that is copied here: each sample is counted once, and q is
// normalised by the number of samples given.
import { fail } from './check';

/** Number of Stacked MNIST modes: 10³ digit triples. */
export const STACKED_MNIST_MODES = 1000;

/** Modes covered (of 1000), KL(q ‖ uniform) and the sample count. */
export interface StackedMnistResult {
  readonly modes: number;
  readonly kl: number;
  readonly n: number;
}

function checkLabels(labels: Uint8Array[], n: number): void {
  const names = ['labelsR', 'labelsG', 'labelsB'];
  labels.forEach((l, c) => {
    if (l.length !== n) {
      fail(
        'stackedMnistModes',
        `${names[c]} must hold ${n} labels like labelsR, got ${l.length}`,
      );
    }
    const bad = l.findIndex((v) => v > 9);
    if (bad >= 0) {
      fail(
        'stackedMnistModes',
        `${names[c]}[${bad}] must be a digit 0..9, got ${l[bad]}`,
      );
    }
  });
}

/**
 * Stacked MNIST mode statistics, Metz et al. 2017 (arXiv:1611.02163, §3.3)
 * as used by the paper (§9): mode 100·R + 10·G + B of each sample's
 * per-channel digits; modes = #{k : q_k > 0};
 * kl = KL(q ‖ uniform) = Σ_k q_k log(1000 q_k).
 */
export function stackedMnistModes(
  labelsR: Uint8Array,
  labelsG: Uint8Array,
  labelsB: Uint8Array,
): StackedMnistResult {
  const n = labelsR.length;
  if (n < 1) fail('stackedMnistModes', `need at least 1 sample, got n=${n}`);
  checkLabels([labelsR, labelsG, labelsB], n);
  const counts = new Float64Array(STACKED_MNIST_MODES);
  for (let i = 0; i < n; i++) {
    counts[100 * labelsR[i] + 10 * labelsG[i] + labelsB[i]] += 1;
  }
  let modes = 0;
  let kl = 0;
  for (const c of counts) {
    if (c === 0) continue;
    const q = c / n;
    modes += 1;
    kl += q * Math.log(STACKED_MNIST_MODES * q);
  }
  return { modes, kl, n };
}
