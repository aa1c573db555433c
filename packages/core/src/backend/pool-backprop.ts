// The input gradients of 2-D max and average pooling as loops over flat
// NHWC arrays, for kernels that read and write a backend's memory
// directly. Dilation 1 only (the pooling gradients have none).
import type * as tf from '@tensorflow/tfjs-core';

type Conv2DInfo = tf.backend_util.Conv2DInfo;

/** One spatial axis of a pooling: window i covers inputs [begin, end). */
interface PoolAxis {
  stride: number;
  pad: number;
  size: number;
  extent: number;
}

function heightAxis(info: Conv2DInfo): PoolAxis {
  const { strideHeight: stride, filterHeight: size } = info;
  return { stride, pad: info.padInfo.top, size, extent: info.inHeight };
}

function widthAxis(info: Conv2DInfo): PoolAxis {
  const { strideWidth: stride, filterWidth: size } = info;
  return { stride, pad: info.padInfo.left, size, extent: info.inWidth };
}

/** The inputs window i covers along the axis, padding clipped off. */
function covered(axis: PoolAxis, i: number): [number, number] {
  return [first(axis, i), last(axis, i)];
}

/** The first input window i covers along the axis, padding clipped. */
function first(axis: PoolAxis, i: number): number {
  return Math.max(0, i * axis.stride - axis.pad);
}

/** One past the last input window i covers, padding clipped. */
function last(axis: PoolAxis, i: number): number {
  return Math.min(axis.extent, i * axis.stride - axis.pad + axis.size);
}

function checkDilation(kernel: string, info: Conv2DInfo): void {
  if (info.dilationHeight === 1 && info.dilationWidth === 1) return;
  throw new Error(
    `${kernel}: dilations must be 1, got ` +
      `[${info.dilationHeight}, ${info.dilationWidth}]`,
  );
}

/** The flat NHWC arrays of a max pool and of its output gradient. */
export interface MaxPoolArrays {
  /** Output gradient [N, Ho, Wo, C]. */
  dy: ArrayLike<number>;
  /** Input [N, H, W, C]. */
  x: ArrayLike<number>;
  /** Output maxPool(x) [N, Ho, Wo, C]. */
  y: ArrayLike<number>;
}

/**
 * dL/dx of y = maxPool(x), written into `dx` [N, H, W, C]: each output's
 * gradient goes to the first element of its window, in row-major order,
 * that equals the window's max y — TensorFlow's MaxPoolGrad, and tfjs's
 * cpu backend, which credit the first maximum. Padding never wins; a
 * window whose max is -∞ credits nothing, as there. `y` must be the
 * forward's own output (a max is exact, so it equals one element); the
 * scan stops at that element, about half a window on average.
 */
export function maxPoolBackprop(
  { dy, x, y }: MaxPoolArrays,
  info: Conv2DInfo,
  dx: Float32Array,
): void {
  checkDilation('maxPoolBackprop', info);
  const { batchSize, inHeight, inWidth, outHeight, outWidth } = info;
  const c = info.inChannels;
  const [rows, cols] = [heightAxis(info), widthAxis(info)];
  const rowStep = inWidth * c;
  dx.fill(0);
  for (let n = 0; n < batchSize; n++) {
    for (let i = 0; i < outHeight; i++) {
      const [r0, r1] = covered(rows, i);
      for (let j = 0; j < outWidth; j++) {
        const [q0, q1] = covered(cols, j);
        const out = ((n * outHeight + i) * outWidth + j) * c;
        const corner = ((n * inHeight + r0) * inWidth + q0) * c;
        const window = {
          begin: corner,
          end: corner + (r1 - r0) * rowStep,
          rowStep,
          rowLength: (q1 - q0) * c,
          channels: c,
        };
        for (let k = 0; k < c; k++) {
          const max = y[out + k];
          if (max === -Infinity) continue;
          const at = firstEqual(x, window, k, max);
          if (at >= 0) dx[at] += dy[out + k];
        }
      }
    }
  }
}

/** A window of a flat NHWC array: rows [begin, end) by rowStep. */
interface FlatWindow {
  begin: number;
  end: number;
  rowStep: number;
  /** Elements of one window row, channels included. */
  rowLength: number;
  channels: number;
}

/** The flat index of channel k's first element equal to v, or -1. */
function firstEqual(
  x: ArrayLike<number>,
  w: FlatWindow,
  k: number,
  v: number,
): number {
  for (let row = w.begin + k; row < w.end; row += w.rowStep) {
    const end = row + w.rowLength;
    for (let p = row; p < end; p += w.channels) {
      if (x[p] === v) return p;
    }
  }
  return -1;
}

/**
 * dL/dx of y = avgPool(x), written into `dx`: each output's gradient
 * times 1/(kh·kw) goes to every input of its window, the divisor that
 * tfjs's AvgPoolGrad uses with any padding. dy [N, Ho, Wo, C], dx [N, H,
 * W, C], flat. Windows that do not overlap (stride ≥ size, as global and
 * 2×2/2 pools) are written, not added, each row run by block copies.
 */
export function avgPoolBackprop(
  dy: Float32Array,
  info: Conv2DInfo,
  dx: Float32Array,
): void {
  checkDilation('avgPoolBackprop', info);
  const [rows, cols] = [heightAxis(info), widthAxis(info)];
  const disjoint = apart(rows, info.outHeight) && apart(cols, info.outWidth);
  if (!disjoint) {
    dx.fill(0);
    addWindows(dy, info, dx);
    return;
  }
  const tiled = tiles(rows, info.outHeight) && tiles(cols, info.outWidth);
  if (!tiled) dx.fill(0);
  writeWindows(dy, info, dx);
}

/** Whether no two windows along the axis share an input. */
function apart(axis: PoolAxis, outSize: number): boolean {
  return outSize === 1 || axis.stride >= axis.size;
}

/** Whether disjoint windows leave no input of the axis uncovered. */
function tiles(axis: PoolAxis, outSize: number): boolean {
  const gapFree = outSize === 1 || axis.stride === axis.size;
  return gapFree && last(axis, outSize - 1) === axis.extent;
}

/** avgPoolBackprop for overlapping windows: adds each window's share. */
function addWindows(dy: Float32Array, info: Conv2DInfo, dx: Float32Array) {
  const { batchSize, inHeight, inWidth, outHeight, outWidth } = info;
  const c = info.inChannels;
  const [rows, cols] = [heightAxis(info), widthAxis(info)];
  const scale = 1 / (info.filterHeight * info.filterWidth);
  for (let n = 0; n < batchSize; n++) {
    for (let i = 0; i < outHeight; i++) {
      const r0 = first(rows, i);
      const r1 = last(rows, i);
      for (let j = 0; j < outWidth; j++) {
        const q0 = first(cols, j);
        const q1 = last(cols, j);
        const out = ((n * outHeight + i) * outWidth + j) * c;
        for (let r = r0; r < r1; r++) {
          const end = ((n * inHeight + r) * inWidth + q1) * c;
          for (let p = end - (q1 - q0) * c; p < end; p += c) {
            for (let k = 0; k < c; k++) dx[p + k] += dy[out + k] * scale;
          }
        }
      }
    }
  }
}

/** avgPoolBackprop for disjoint windows: one write per covered input. */
function writeWindows(dy: Float32Array, info: Conv2DInfo, dx: Float32Array) {
  const { batchSize, inHeight, inWidth, outHeight, outWidth } = info;
  const c = info.inChannels;
  const [rows, cols] = [heightAxis(info), widthAxis(info)];
  const scale = 1 / (info.filterHeight * info.filterWidth);
  const rowStep = inWidth * c;
  for (let n = 0; n < batchSize; n++) {
    for (let i = 0; i < outHeight; i++) {
      const r0 = first(rows, i);
      const r1 = last(rows, i);
      for (let j = 0; j < outWidth; j++) {
        const q0 = first(cols, j);
        const q1 = last(cols, j);
        if (r0 >= r1 || q0 >= q1) continue;
        const out = ((n * outHeight + i) * outWidth + j) * c;
        const start = ((n * inHeight + r0) * inWidth + q0) * c;
        for (let k = 0; k < c; k++) dx[start + k] = dy[out + k] * scale;
        if (q1 - q0 === inWidth) {
          // whole rows: the window is one contiguous block
          repeatRun(dx, start, c, (r1 - r0) * rowStep);
          continue;
        }
        const run = (q1 - q0) * c;
        repeatRun(dx, start, c, run);
        for (let p = start + rowStep; p < start + (r1 - r0) * rowStep; ) {
          dx.copyWithin(p, start, start + run);
          p += rowStep;
        }
      }
    }
  }
}

/** Repeats dx[start, start + unit) up to length `total`, by doubling. */
function repeatRun(
  dx: Float32Array,
  start: number,
  unit: number,
  total: number,
): void {
  for (let done = unit; done < total; done *= 2) {
    const n = Math.min(done, total - done);
    dx.copyWithin(start + done, start, start + n);
  }
}
