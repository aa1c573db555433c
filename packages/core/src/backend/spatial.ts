// Shape helpers shared by the backprop kernels: padding, cropping and
// spreading the spatial axes of NHWC tensors. Pure tensor functions.
import * as tf from '@tensorflow/tfjs-core';

/** Amounts added before and after one axis; negative amounts crop. */
export type Margins = readonly [before: number, after: number];

/**
 * Pads (positive margins, with `value`) or crops (negative margins) the
 * spatial axes of `x` [N, H, W, C] → [N, H + top + bottom, W + left +
 * right, C]. Returns `x` itself when every margin is zero.
 */
export function padOrCrop(
  x: tf.Tensor4D,
  [top, bottom]: Margins,
  [left, right]: Margins,
  value = 0,
): tf.Tensor4D {
  const cropped = crop(x, [top, bottom], [left, right]);
  const pos = (m: number) => Math.max(0, m);
  if (pos(top) + pos(bottom) + pos(left) + pos(right) === 0) return cropped;
  const paddings: [number, number][] = [
    [0, 0],
    [pos(top), pos(bottom)],
    [pos(left), pos(right)],
    [0, 0],
  ];
  return tf.pad(cropped, paddings, value);
}

/** The negative margins of `padOrCrop` only, as one slice (or `x`). */
function crop(
  x: tf.Tensor4D,
  [top, bottom]: Margins,
  [left, right]: Margins,
): tf.Tensor4D {
  const neg = (m: number) => Math.max(0, -m);
  if (neg(top) + neg(bottom) + neg(left) + neg(right) === 0) return x;
  const [n, h, w, c] = x.shape;
  const height = h - neg(top) - neg(bottom);
  const width = w - neg(left) - neg(right);
  return tf.slice(x, [0, neg(top), neg(left), 0], [n, height, width, c]);
}

/**
 * Spreads the spatial axes of `x` [N, H, W, C] by the strides, with zeros
 * between neighbours: → [N, (H-1)·sH + 1, (W-1)·sW + 1, C] holding x[i, j]
 * at (i·sH, j·sW). Built from reshape, pad and slice only.
 */
export function insertZeros(
  x: tf.Tensor4D,
  strideHeight: number,
  strideWidth: number,
): tf.Tensor4D {
  if (strideHeight === 1 && strideWidth === 1) return x;
  const [n, h, w, c] = x.shape;
  const spread = tf.pad(tf.reshape(x, [n, h, 1, w, 1, c]), [
    [0, 0],
    [0, 0],
    [0, strideHeight - 1],
    [0, 0],
    [0, strideWidth - 1],
    [0, 0],
  ]);
  const flat = tf.reshape(spread, [n, h * strideHeight, w * strideWidth, c]);
  const size = [n, (h - 1) * strideHeight + 1, (w - 1) * strideWidth + 1, c];
  return tf.slice(flat as tf.Tensor4D, [0, 0, 0, 0], size);
}
