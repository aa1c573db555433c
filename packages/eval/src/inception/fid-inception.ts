/**
 * The FID Inception feature extractor: images → pool3 features (2048-d)
 * and logits (1008) of the TF Inception graph of 2015-12-05, through the
 * input pipeline of PAPER.md §10.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ImageArray } from '../fid';
import { buildFidInception, FidInceptionNet } from './network';
import { GRAYSCALE_NOTE, inceptionInput } from './preprocess';
import { LOGITS_DIM, POOL3_DIM } from './spec';
import { InceptionWeightsOptions, loadInceptionWeights } from './weights';

/** Features of n images. */
export interface InceptionFeatures {
  readonly n: number;
  /** [n, 2048] row-major. */
  readonly pool3: Float32Array;
  /** [n, 1008] row-major. */
  readonly logits: Float32Array;
  /**
   * Whether a metric of these features may be compared with published
   * (natural RGB image) benchmarks; false for 1-channel images.
   */
  readonly comparable: boolean;
  /** Why not comparable; absent when comparable. */
  readonly note?: string;
}

export interface InceptionFeaturesOptions {
  /** Images per forward pass, default 50. */
  readonly batchSize?: number;
}

export interface FidInception {
  /** SHA-256 of the .pth the weights came from. */
  readonly weightsSha256: string;
  /** 'cache' or 'checkpoint': whether the converted weights were cached. */
  readonly weightsSource: 'cache' | 'checkpoint';
  /** images [N, H, W, 1 or 3] with values nominally in [0, 1]. */
  features(
    images: ImageArray,
    options?: InceptionFeaturesOptions,
  ): InceptionFeatures;
  /** Frees the network's weights. */
  dispose(): void;
}

function checkImages(images: ImageArray, batchSize: number): void {
  const [n, h, w, c] = images.shape;
  if (c !== 1 && c !== 3) {
    throw new Error(
      `fidInception.features: images must have 1 or 3 channels, got ` +
        `shape [${images.shape}]`,
    );
  }
  if (images.images.length !== n * h * w * c) {
    throw new Error(
      `fidInception.features: shape [${images.shape}] needs ` +
        `${n * h * w * c} values, got ${images.images.length}`,
    );
  }
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new Error(
      `fidInception.features: batchSize must be >= 1, got ${batchSize}`,
    );
  }
}

/** Features of all images, `batchSize` at a time. */
function extract(
  net: FidInceptionNet,
  images: ImageArray,
  batchSize: number,
): InceptionFeatures {
  const [n, h, w, c] = images.shape;
  const pool3 = new Float32Array(n * POOL3_DIM);
  const logits = new Float32Array(n * LOGITS_DIM);
  for (let start = 0; start < n; start += batchSize) {
    const size = Math.min(batchSize, n - start);
    const chunk = images.images.subarray(
      start * h * w * c,
      (start + size) * h * w * c,
    );
    const x = tf.tidy(() =>
      inceptionInput(tf.tensor4d(chunk, [size, h, w, c])),
    );
    const out = net.apply(x);
    x.dispose();
    pool3.set(out.pool3.dataSync(), start * POOL3_DIM);
    logits.set(out.logits.dataSync(), start * LOGITS_DIM);
    tf.dispose([out.pool3, out.logits]);
  }
  const comparable = c === 3;
  return comparable
    ? { n, pool3, logits, comparable }
    : { n, pool3, logits, comparable, note: GRAYSCALE_NOTE };
}

/**
 * Loads the FID Inception (weights as loadInceptionWeights finds them)
 * and returns its feature extractor. Call dispose() when done.
 */
export async function loadFidInception(
  options: InceptionWeightsOptions,
): Promise<FidInception> {
  const loaded = await loadInceptionWeights(options);
  const net = buildFidInception(loaded.weights);
  return {
    weightsSha256: loaded.sha256,
    weightsSource: loaded.source,
    features(images, o = {}) {
      const batchSize = o.batchSize ?? 50;
      checkImages(images, batchSize);
      return extract(net, images, batchSize);
    },
    dispose: () => net.dispose(),
  };
}
