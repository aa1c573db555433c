/**
 * FID with the project's MNIST classifier as feature extractor, reported
 * as `fid_mnist_classifier` — not comparable with Inception FID. The
 * sample counts and the extractor's hash travel with every value
 * (PAPER.md §10: FID shrinks as n grows).
 */
import type { ImageShape } from '@acsm/data';
import * as tf from '@tensorflow/tfjs-core';
import { frechetDistance, gaussianStats, GaussianStats } from './frechet';

/** The metric name under which these values are logged. */
export const FID_MNIST_CLASSIFIER = 'fid_mnist_classifier';

/** Anything that maps [N, H, W, C] images in [0, 1] to [N, d] features. */
export interface FeatureExtractor {
  /** Identifies the weights; stored with every value computed. */
  readonly hash: string;
  readonly featureDim: number;
  features(x: tf.Tensor4D): tf.Tensor2D;
}

/** Images held as a flat array, e.g. an ImageDataset or samples. */
export interface ImageArray {
  /** [N, H, W, C] row-major, values nominally in [0, 1]. */
  readonly images: Float32Array;
  readonly shape: ImageShape;
}

/** Features of n images, with the extractor that produced them. */
export interface FeatureSet {
  /** [n, d] row-major. */
  readonly values: Float32Array;
  readonly n: number;
  readonly d: number;
  readonly extractorHash: string;
}

/** Reference statistics (of the training split) for one extractor. */
export interface ReferenceStats extends GaussianStats {
  readonly extractorHash: string;
}

/** One FID value with what it depends on. */
export interface FidResult {
  readonly metric: typeof FID_MNIST_CLASSIFIER;
  readonly value: number;
  readonly nGenerated: number;
  readonly nReference: number;
  readonly extractorHash: string;
}

/** Options of `extractFeatures`. */
export interface ExtractFeaturesOptions {
  /** Images per forward pass, default 500. */
  readonly batchSize?: number;
}

/**
 * Quantise as the data were: round(255·clamp(x, 0, 1))/255 (PAPER.md
 * §10), so samples and reference images lie on the same uint8 grid.
 */
export function quantizeImages(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() =>
    tf.div(tf.round(tf.mul(tf.clipByValue(x, 0, 1), 255)), 255),
  );
}

/** Quantised images → features, `batchSize` images at a time. */
export function extractFeatures(
  extractor: FeatureExtractor,
  data: ImageArray,
  options: ExtractFeaturesOptions = {},
): FeatureSet {
  const { batchSize = 500 } = options;
  const [n, h, w, c] = data.shape;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new Error(
      `extractFeatures: batchSize must be >= 1, got ${batchSize}`,
    );
  }
  if (data.images.length !== n * h * w * c) {
    throw new Error(
      `extractFeatures: shape [${data.shape}] needs ${n * h * w * c} ` +
        `values, got ${data.images.length}`,
    );
  }
  const d = extractor.featureDim;
  const values = new Float32Array(n * d);
  for (let start = 0; start < n; start += batchSize) {
    const size = Math.min(batchSize, n - start);
    const chunk = data.images.subarray(
      start * h * w * c,
      (start + size) * h * w * c,
    );
    const features = tf.tidy(() =>
      extractor.features(quantizeImages(tf.tensor4d(chunk, [size, h, w, c]))),
    );
    values.set(features.dataSync(), start * d);
    features.dispose();
  }
  return { values, n, d, extractorHash: extractor.hash };
}

/** Mean and covariance of the reference images' features. */
export function referenceStats(
  extractor: FeatureExtractor,
  data: ImageArray,
  options: ExtractFeaturesOptions = {},
): ReferenceStats {
  const features = extractFeatures(extractor, data, options);
  const stats = gaussianStats(features.values, features.n, features.d);
  return { ...stats, extractorHash: extractor.hash };
}

/**
 * FID of generated features against reference statistics: the Fréchet
 * distance of the two fitted Gaussians (Heusel et al. 2017,
 * arXiv:1706.08500, eq. 6), here in the MNIST classifier's feature space.
 */
export function fidFromFeatures(
  generated: FeatureSet,
  reference: ReferenceStats,
): FidResult {
  if (generated.extractorHash !== reference.extractorHash) {
    throw new Error(
      `fidFromFeatures: features from extractor ${generated.extractorHash} ` +
        `against reference stats of ${reference.extractorHash}`,
    );
  }
  const stats = gaussianStats(generated.values, generated.n, generated.d);
  return {
    metric: FID_MNIST_CLASSIFIER,
    value: frechetDistance(stats, reference),
    nGenerated: generated.n,
    nReference: reference.n,
    extractorHash: reference.extractorHash,
  };
}

/** FID of generated images in [0, 1] against reference statistics. */
export function fidMnistClassifier(
  extractor: FeatureExtractor,
  generated: ImageArray,
  reference: ReferenceStats,
): FidResult {
  return fidFromFeatures(extractFeatures(extractor, generated), reference);
}
