import { createRng } from '@acsm/core';
import { contentChecksum, ImageDataset } from './dataset';
import { permutation } from './random';

/** Stacked MNIST: an ImageDataset [n, H, W, 3] plus its 1000-way modes. */
export interface StackedMnist {
  /**
   * [n, H, W, 3], values in [0, 1]; channel c is source digit
   * `digitIndices[3i + c]`. `labels` holds the red digit only, since the
   * modes (0..999) do not fit the uint8 labels; use `modeLabels`.
   */
  readonly dataset: ImageDataset;
  /** [n] mode 100·R + 10·G + B of the three digits' labels. */
  readonly modeLabels: Uint16Array;
  /** [n, 3] positions in the source of the R, G and B digits. */
  readonly digitIndices: Uint32Array;
}

export interface StackedMnistOptions {
  /** Number of stacked images, >= 1. */
  readonly n: number;
  /** Seed of the three shuffles; same seed, same images. */
  readonly seed: number;
}

function checkSource(mnist: ImageDataset, n: number): void {
  const [count, , , c] = mnist.shape;
  if (c !== 1 || count < 1) {
    throw new Error(
      `stackedMnist: source must be [N >= 1, H, W, 1], ` +
        `got [${mnist.shape.join(', ')}]`,
    );
  }
  if (mnist.labels.some((label) => label > 9)) {
    throw new Error('stackedMnist: source labels must be digits 0..9');
  }
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new Error(`stackedMnist: n must be an integer >= 1, got ${n}`);
  }
}

/**
 * Source positions of one channel: concatenated fresh permutations of
 * 0..N-1, so n <= N draws each digit at most once.
 */
function channelIndices(count: number, n: number, seed: number, c: number) {
  const rng = createRng(seed).fork(`stacked mnist channel ${c}`);
  const out = new Uint32Array(n);
  for (let start = 0; start < n; start += count) {
    const p = permutation(count, rng.split());
    out.set(p.subarray(0, Math.min(count, n - start)), start);
  }
  return out;
}

/**
 * Stacked MNIST (PAPER.md §9; Metz et al. 2017, arXiv:1611.02163): three
 * independently shuffled digits as R, G, B; mode 100·R + 10·G + B.
 * NOTE: values stay in [0, 1] like the source, unlike the authors' code.
 */
export function stackedMnist(
  mnist: ImageDataset,
  options: StackedMnistOptions,
): StackedMnist {
  const { n, seed } = options;
  checkSource(mnist, n);
  const [count, h, w] = mnist.shape;
  const size = h * w;
  const perChannel = [0, 1, 2].map((c) => channelIndices(count, n, seed, c));
  const images = new Float32Array(n * size * 3);
  const labels = new Uint8Array(n);
  const modeLabels = new Uint16Array(n);
  const digitIndices = new Uint32Array(n * 3);
  for (let i = 0; i < n; i++) {
    let mode = 0;
    for (let c = 0; c < 3; c++) {
      const k = perChannel[c][i];
      digitIndices[3 * i + c] = k;
      mode = 10 * mode + mnist.labels[k];
      const src = mnist.images.subarray(k * size, (k + 1) * size);
      for (let p = 0; p < size; p++) images[(i * size + p) * 3 + c] = src[p];
    }
    modeLabels[i] = mode;
    labels[i] = mnist.labels[perChannel[0][i]];
  }
  const dataset: ImageDataset = {
    images,
    labels,
    shape: [n, h, w, 3],
    source: `stacked(${mnist.source})`,
    split: `stacked(${mnist.split}, n=${n}, seed=${seed})`,
    checksum: contentChecksum(images, labels),
    sourceChecksum: mnist.sourceChecksum,
  };
  return { dataset, modeLabels, digitIndices };
}
