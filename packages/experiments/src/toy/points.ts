// 2-D point sets as the image pipeline sees them: a point is a 1×1 image
// with two channels, [N, 1, 1, 2], so the DSM loss, the training steps
// and the samplers run on the toys unchanged.
import * as tf from '@tensorflow/tfjs-core';
import {
  contentChecksum,
  type ImageDataset,
  swissRoll,
  type Toy2d,
  twentyFiveGaussians,
} from '@acsm/data';
import type { AnyNetwork, Network } from '@acsm/models';
import type { ToyDataConfig, ToyDatasetName } from './definition';

/** `n` points of a toy dataset, [n, 2] row-major; same seed, same points. */
export function toyPoints(
  dataset: ToyDatasetName,
  n: number,
  o: { seed: number; data: ToyDataConfig },
): Toy2d {
  switch (dataset) {
    case 'swiss-roll':
      return swissRoll(n, { seed: o.seed, noise: o.data.swissRollNoise });
    case '25-gaussians':
      return twentyFiveGaussians(n, { seed: o.seed, std: o.data.gaussianStd });
  }
}

/**
 * A point set as an ImageDataset [N, 1, 1, 2] (labels all 0), for the
 * training loop's batches. NOTE: values are not in [0, 1] as images' are.
 */
export function pointDataset(
  points: Toy2d,
  source: string,
  split: string,
): ImageDataset {
  const labels = new Uint8Array(points.n);
  const checksum = contentChecksum(points.points, labels);
  return {
    images: points.points,
    labels,
    shape: [points.n, 1, 1, 2],
    source,
    split,
    checksum,
    sourceChecksum: checksum,
  };
}

/**
 * An MLP on [N, D] as a network on [N, 1, 1, D] → [N, 1, 1, out]: same
 * kind, config and parameters (so checkpoints describe it as the MLP).
 */
export function onPointImages(
  mlp: Network<unknown, tf.Tensor2D, tf.Tensor2D>,
): AnyNetwork {
  return {
    kind: mlp.kind,
    config: mlp.config,
    specs: () => mlp.specs(),
    init: (seed) => mlp.init(seed),
    apply: (params, x: tf.Tensor4D, options) => {
      const [n, h, w, d] = x.shape;
      if (h !== 1 || w !== 1) {
        throw new Error(
          `onPointImages(${mlp.kind}): input must be [N, 1, 1, D], ` +
            `got [${x.shape.join(', ')}]`,
        );
      }
      return tf.tidy(() => {
        const y = mlp.apply(params, tf.reshape(x, [n, d]), options);
        return tf.reshape(y, [n, 1, 1, y.shape[1]]);
      });
    },
  };
}
