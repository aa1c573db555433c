/**
 * The input pipeline of PAPER.md §10, as pytorch-fid applies it to image
 * files: images quantised to uint8 as round(255·clamp(x, 0, 1)) and read
 * back as q/255 (torchvision's ToTensor), bilinear resize to 299×299 as
 * F.interpolate(mode='bilinear', align_corners=False) does (TF.js's
 * half-pixel-centre resize is the same map), then 2x − 1.
 */
import * as tf from '@tensorflow/tfjs-core';
import { quantizeImages } from '../fid';
import { INPUT_SIZE } from './spec';

/** Why features of 1-channel images are not comparable with benchmarks. */
export const GRAYSCALE_NOTE = 'grayscale repeated to RGB';

/**
 * x [N, H, W, C], C 1 or 3, values nominally in [0, 1] → the network's
 * input [N, 299, 299, 3] in [−1, 1]; one channel is repeated to three.
 */
export function inceptionInput(x: tf.Tensor4D): tf.Tensor4D {
  const c = x.shape[3];
  if (x.rank !== 4 || (c !== 1 && c !== 3)) {
    throw new Error(
      `inceptionInput: images must be [N, H, W, 1 or 3], got [${x.shape}]`,
    );
  }
  return tf.tidy(() => {
    const size: [number, number] = [INPUT_SIZE, INPUT_SIZE];
    const resized = tf.image.resizeBilinear(
      quantizeImages(x),
      size,
      false,
      true,
    );
    const rgb = c === 1 ? tf.tile(resized, [1, 1, 1, 3]) : resized;
    return tf.sub(tf.mul(rgb, 2), 1);
  });
}
