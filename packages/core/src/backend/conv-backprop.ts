// The two gradients of a 2-D convolution, each written as one forward
// convolution so that a backend's fast conv kernel does the work. NHWC only.
import * as tf from '@tensorflow/tfjs-core';
import { flipFilter } from './flip-filter';
import { cropForConv, insertZeros } from './spatial';

export type Conv2DInfo = tf.backend_util.Conv2DInfo;

/** Geometry of a forward conv2d, as tfjs computes it for its kernels. */
export interface ConvGeometry {
  /** Input shape [N, H, W, Cin]. */
  inShape: [number, number, number, number];
  /** Filter shape [kh, kw, Cin, Cout]. */
  filterShape: [number, number, number, number];
  strides: number | [number, number];
  dilations: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** The tfjs Conv2DInfo (padding, output size) of a forward conv2d. */
export function convInfo(g: ConvGeometry): Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    g.inShape,
    g.filterShape,
    g.strides,
    g.dilations,
    g.pad,
    g.dimRoundingMode,
  );
}

/**
 * dL/dx of y = conv2d(x, W) as a forward conv: the output gradient, spread
 * by the strides and padded to a "full" correlation, convolved with W
 * flipped in space and with in/out channels swapped, at the forward
 * dilation (transposed convolution; Dumoulin & Visin, arXiv:1603.07285,
 * sec. 4). dy [N, Ho, Wo, Cout], W [kh, kw, Cin, Cout] → [N, H, W, Cin].
 */
export function conv2dInputGrad(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  info: Conv2DInfo,
): tf.Tensor4D {
  return tf.tidy(() => {
    const up = insertZeros(dy, info.strideHeight, info.strideWidth);
    const full = cropForConv(up, ...fullMargins(up.shape, info));
    // W̃[a, b, co, ci] = W[kh-1-a, kw-1-b, ci, co]
    const flipped = flipFilter(filter);
    const dilations: [number, number] = [
      info.dilationHeight,
      info.dilationWidth,
    ];
    return tf.conv2d(full.x, flipped, 1, full.pad, 'NHWC', dilations);
  });
}

/**
 * Margins that turn the spread gradient (height (Ho-1)·s + 1) into one of
 * height H + ke - 1, so a conv without further padding and with the
 * effective filter size ke returns height H: ke - 1 - padTop before, the
 * rest after (given to the conv as its padding, negative parts cropped).
 */
function fullMargins(
  upShape: number[],
  info: Conv2DInfo,
): [[number, number], [number, number]] {
  const top = info.effectiveFilterHeight - 1 - info.padInfo.top;
  const left = info.effectiveFilterWidth - 1 - info.padInfo.left;
  const bottom = info.inHeight + info.effectiveFilterHeight - 1 - top;
  const right = info.inWidth + info.effectiveFilterWidth - 1 - left;
  return [
    [top, bottom - upShape[1]],
    [left, right - upShape[2]],
  ];
}

/**
 * dL/dW of y = conv2d(x, W) as a forward conv: with batch and channels
 * swapped, the input [Cin, H, W, N], padded as in the forward conv, is
 * correlated with the output gradient [Ho, Wo, N, Cout] used as the
 * filter; the forward stride becomes the dilation and the forward
 * dilation the stride:
 * dW[a, b, ci, co] = Σ_{n,i,j} xpad[n, i·s + a·d, j·s + b·d, ci] dy[n, i, j,
 * co]. x [N, H, W, Cin], dy [N, Ho, Wo, Cout] → [kh, kw, Cin, Cout].
 */
export function conv2dFilterGrad(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  info: Conv2DInfo,
): tf.Tensor4D {
  return tf.tidy(() => {
    const xT = tf.transpose(x, [3, 1, 2, 0]);
    const padded = cropForConv(xT, ...inputMargins(info));
    const dyT = tf.transpose(dy, [1, 2, 0, 3]);
    const strides: [number, number] = [info.dilationHeight, info.dilationWidth];
    const dil: [number, number] = [info.strideHeight, info.strideWidth];
    const g = tf.conv2d(padded.x, dyT, strides, padded.pad, 'NHWC', dil);
    const { inChannels, filterHeight, filterWidth, outChannels } = info;
    const size = [inChannels, filterHeight, filterWidth, outChannels];
    return tf.transpose(tf.slice(g, [0, 0, 0, 0], size), [1, 2, 0, 3]);
  });
}

/**
 * The forward padding of x, with the bottom and right margins grown where a
 * rounding mode other than floor let the last window run past the input.
 */
function inputMargins(info: Conv2DInfo): [[number, number], [number, number]] {
  const { top, bottom, left, right } = info.padInfo;
  const needH = (info.outHeight - 1) * info.strideHeight;
  const needW = (info.outWidth - 1) * info.strideWidth;
  const lastH = needH + info.effectiveFilterHeight - info.inHeight - top;
  const lastW = needW + info.effectiveFilterWidth - info.inWidth - left;
  return [
    [top, Math.max(bottom, lastH)],
    [left, Math.max(right, lastW)],
  ];
}
