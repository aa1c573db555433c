// The input gradient of 2-D max pooling, built from forward ops (slices,
// comparisons, pads) so that it runs on any backend. NHWC only.
import * as tf from '@tensorflow/tfjs-core';
import { insertZeros, padOrCrop } from './spatial';

type Conv2DInfo = tf.backend_util.Conv2DInfo;

/** One spatial axis (1 = height, 2 = width) of a pooling window. */
interface WindowAxis {
  axis: 1 | 2;
  size: number;
  stride: number;
}

/**
 * dL/dx of y = maxPool(x): the k×k window max is a max over columns of a
 * max over rows, so the gradient is that of a 1×kw pool after a kh×1 pool.
 * Each 1-D pass credits the first maximum of its window, so the pair
 * credits the row-major first maximum, as TensorFlow's MaxPoolGrad does.
 * dy, y [N, Ho, Wo, C], x [N, H, W, C] → [N, H, W, C].
 */
export function maxPoolInputGrad(
  dy: tf.Tensor4D,
  x: tf.Tensor4D,
  y: tf.Tensor4D,
  info: Conv2DInfo,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [rows, cols] = windowMargins(info);
    const xp = padOrCrop(x, rows, cols, -Infinity);
    const w = info.effectiveFilterWidth;
    const r = tf.maxPool(xp, [1, w], [1, info.strideWidth], 'valid');
    const heightAxis = axisOf(1, info.effectiveFilterHeight, info.strideHeight);
    const dr = maxPool1dInputGrad(dy, r, y, heightAxis);
    const widthAxis = axisOf(2, w, info.strideWidth);
    const dxp = maxPool1dInputGrad(dr, xp, r, widthAxis);
    const neg = ([a, b]: [number, number]): [number, number] => [-a, -b];
    return padOrCrop(dxp, neg(rows), neg(cols));
  });
}

function axisOf(axis: 1 | 2, size: number, stride: number): WindowAxis {
  return { axis, size, stride };
}

/**
 * Margins that make the input exactly as large as the windows cover: the
 * forward padding before, then what the last window needs (negative: the
 * rows no window reaches, which 'valid' pooling drops).
 */
function windowMargins(info: Conv2DInfo): [number, number][] {
  const { top, left } = info.padInfo;
  const coverH = (info.outHeight - 1) * info.strideHeight;
  const coverW = (info.outWidth - 1) * info.strideWidth;
  const bottom = coverH + info.effectiveFilterHeight - info.inHeight - top;
  const right = coverW + info.effectiveFilterWidth - info.inWidth - left;
  return [
    [top, bottom],
    [left, right],
  ];
}

/**
 * dL/dx of a 1-D max pool along `w.axis` ('valid', x already padded with
 * -∞): for each window offset a in order, the gradient still unassigned
 * goes to the outputs whose window element at a equals the max, then is
 * scattered back to input position i·s + a.
 */
function maxPool1dInputGrad(
  dy: tf.Tensor4D,
  x: tf.Tensor4D,
  y: tf.Tensor4D,
  w: WindowAxis,
): tf.Tensor4D {
  const zero = tf.zerosLike(dy);
  let rest = dy;
  let acc: tf.Tensor4D | undefined;
  for (let a = 0; a < w.size; a++) {
    const next = tf.tidy(() => creditOffset(x, y, rest, zero, w, a));
    if (rest !== dy) rest.dispose();
    rest = next.rest;
    acc = accumulate(acc, next.placed);
  }
  if (rest !== dy) rest.dispose();
  zero.dispose();
  return acc ?? tf.zerosLike(x);
}

/** acc + t, disposing both addends (t alone when there is no acc yet). */
function accumulate(acc: tf.Tensor4D | undefined, t: tf.Tensor4D): tf.Tensor4D {
  if (!acc) return t;
  const sum = tf.add(acc, t) as tf.Tensor4D;
  acc.dispose();
  t.dispose();
  return sum;
}

/** One offset of `maxPool1dInputGrad`: what it credits, what remains. */
function creditOffset(
  x: tf.Tensor4D,
  y: tf.Tensor4D,
  rest: tf.Tensor4D,
  zero: tf.Tensor4D,
  w: WindowAxis,
  a: number,
): { placed: tf.Tensor4D; rest: tf.Tensor4D } {
  const hit = tf.where(
    tf.equal(windowElement(x, y.shape, w, a), y),
    rest,
    zero,
  );
  const strides = w.axis === 1 ? [w.stride, 1] : [1, w.stride];
  const spread = insertZeros(hit, strides[0], strides[1]);
  const after = x.shape[w.axis] - a - spread.shape[w.axis];
  const none: [number, number] = [0, 0];
  const margins: [number, number] = [a, after];
  const placed =
    w.axis === 1
      ? padOrCrop(spread, margins, none)
      : padOrCrop(spread, none, margins);
  return { placed, rest: tf.sub(rest, hit) };
}

/** The elements at window offset a of every output: x[.., i·s + a, ..]. */
function windowElement(
  x: tf.Tensor4D,
  outShape: number[],
  w: WindowAxis,
  a: number,
): tf.Tensor4D {
  const begin = [0, 0, 0, 0];
  begin[w.axis] = a;
  const size = [x.shape[0], x.shape[1], x.shape[2], x.shape[3]];
  size[w.axis] = outShape[w.axis];
  if (w.stride === 1) return tf.slice(x, begin, size);
  const end = begin.map((b, i) => b + size[i]);
  end[w.axis] = a + (outShape[w.axis] - 1) * w.stride + 1;
  const strides = [1, 1, 1, 1];
  strides[w.axis] = w.stride;
  return tf.stridedSlice(x, begin, end, strides) as tf.Tensor4D;
}
