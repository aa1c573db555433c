// Shape helpers shared by the backprop kernels: cropping, padding and
// spreading the spatial axes of NHWC tensors. Pure tensor functions.
import * as tf from '@tensorflow/tfjs-core';

/** Amounts added before and after one axis; negative amounts crop. */
export type Margins = readonly [before: number, after: number];

/**
 * Margins added before and after the spatial axes of `x` [N, H, W, C],
 * for a convolution: returns `x` with the negative margins cropped off (a
 * slice, or `x` itself) and the positive ones as the conv's explicit zero
 * padding, so that no padded copy is made.
 */
export function cropForConv(
  x: tf.Tensor4D,
  rows: Margins,
  cols: Margins,
): { x: tf.Tensor4D; pad: tf.backend_util.ExplicitPadding } {
  const pos = ([a, b]: Margins): [number, number] => [
    Math.max(0, a),
    Math.max(0, b),
  ];
  return {
    x: crop(x, rows, cols),
    pad: [[0, 0], pos(rows), pos(cols), [0, 0]],
  };
}

/** The negative margins only, as one slice (or `x`). */
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
