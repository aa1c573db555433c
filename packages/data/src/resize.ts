// Resizing and cropping of 8-bit RGB images exactly as torchvision's
// Resize(size) + CenterCrop(size) do on a PIL image: PIL's bilinear
// resampling with antialiasing (libImaging/Resample.c), then a crop whose
// offsets round half to even (Python's round).

/** An 8-bit RGB image, row-major, 3 bytes per pixel (HWC). */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  /** [height, width, 3], values 0..255. */
  readonly data: Uint8Array;
}

/** Fixed-point bits of PIL's 8-bit resampling weights. */
const PRECISION_BITS = 22;
const ONE = 1 << PRECISION_BITS;
const HALF = 1 << (PRECISION_BITS - 1);

/** Per output pixel: first input index, tap count, and integer weights. */
interface AxisWeights {
  readonly first: Int32Array;
  readonly count: Int32Array;
  /** [outSize, taps] fixed-point weights, scaled by 2^22. */
  readonly weights: Int32Array;
  readonly taps: number;
}

/** The triangle (bilinear) kernel of support 1. */
const triangle = (x: number) => Math.max(0, 1 - Math.abs(x));

/**
 * PIL's resampling weights along one axis (Resample.c, precompute_coeffs
 * and normalize_coeffs_8bpc): when shrinking, the triangle is widened by
 * the scale so the filter averages (antialiasing); the weights of each
 * output pixel are normalised to sum 1, then rounded to 22-bit fixed point.
 */
export function bilinearWeights(inSize: number, outSize: number): AxisWeights {
  checkSize('bilinearWeights', 'inSize', inSize);
  checkSize('bilinearWeights', 'outSize', outSize);
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filterScale; // triangle support 1, widened
  const taps = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * taps);
  const w = new Float64Array(taps);
  const ss = 1 / filterScale;
  for (let o = 0; o < outSize; o++) {
    const center = (o + 0.5) * scale;
    const lo = Math.max(Math.trunc(center - support + 0.5), 0);
    const hi = Math.min(Math.trunc(center + support + 0.5), inSize);
    let total = 0;
    for (let k = 0; k < hi - lo; k++) {
      w[k] = triangle((k + lo - center + 0.5) * ss);
      total += w[k];
    }
    for (let k = 0; k < hi - lo; k++) {
      const v = total === 0 ? w[k] : w[k] / total;
      weights[o * taps + k] = Math.trunc(v < 0 ? v * ONE - 0.5 : v * ONE + 0.5);
    }
    first[o] = lo;
    count[o] = hi - lo;
  }
  return { first, count, weights, taps };
}

function checkSize(op: string, name: string, v: number): void {
  if (!Number.isSafeInteger(v) || v < 1) {
    throw new Error(`${op}: ${name} must be an integer >= 1, got ${v}`);
  }
}

/** Fixed-point sum back to a byte: round half up, clamp to 0..255. */
const clip8 = (sum: number) =>
  Math.min(255, Math.max(0, sum >> PRECISION_BITS));

/** Output pixels [from, from + size) along one axis. */
interface Span {
  readonly from: number;
  readonly size: number;
}

/**
 * Horizontal pass (PIL's ResampleHorizontal_8bpc) over input rows
 * [y0, y1), for the output columns of `xs` only.
 */
function resampleRows(
  src: RgbImage,
  ax: AxisWeights,
  rows: Span,
  xs: Span,
): RgbImage {
  const { first, count, weights, taps } = ax;
  const input = src.data;
  const out = new Uint8Array(rows.size * xs.size * 3);
  let at = 0;
  for (let y = rows.from; y < rows.from + rows.size; y++) {
    const row = y * src.width * 3;
    for (let o = xs.from; o < xs.from + xs.size; o++) {
      const base = row + first[o] * 3;
      const wk = o * taps;
      let r = HALF;
      let g = HALF;
      let b = HALF;
      for (let k = 0, p = base; k < count[o]; k++, p += 3) {
        const w = weights[wk + k];
        r += input[p] * w;
        g += input[p + 1] * w;
        b += input[p + 2] * w;
      }
      out[at++] = clip8(r);
      out[at++] = clip8(g);
      out[at++] = clip8(b);
    }
  }
  return { width: xs.size, height: rows.size, data: out };
}

/**
 * Vertical pass (PIL's ResampleVertical_8bpc) for the output rows of
 * `ys`; row r of `src` is input row r + y0.
 */
function resampleColumns(
  src: RgbImage,
  ax: AxisWeights,
  y0: number,
  ys: Span,
): RgbImage {
  const { first, count, weights, taps } = ax;
  const input = src.data;
  const stride = src.width * 3;
  const out = new Uint8Array(ys.size * stride);
  let at = 0;
  for (let o = ys.from; o < ys.from + ys.size; o++) {
    const top = (first[o] - y0) * stride;
    const wk = o * taps;
    for (let i = 0; i < stride; i++) {
      let sum = HALF;
      for (let k = 0, p = top + i; k < count[o]; k++, p += stride) {
        sum += input[p] * weights[wk + k];
      }
      out[at++] = clip8(sum);
    }
  }
  return { width: src.width, height: ys.size, data: out };
}

/** The w × h window of `image` at (x, y), copied. */
function cut(image: RgbImage, x: number, y: number, w: number, h: number) {
  const out = new Uint8Array(w * h * 3);
  for (let r = 0; r < h; r++) {
    const from = ((y + r) * image.width + x) * 3;
    out.set(image.data.subarray(from, from + w * 3), r * w * 3);
  }
  return { width: w, height: h, data: out };
}

/**
 * The window xs × ys of PIL's resize of `image` to width × height,
 * computing only what the window needs (each output pixel depends only
 * on its own row and column weights, so the values are PIL's).
 */
function resizeWindow(
  image: RgbImage,
  width: number,
  height: number,
  xs: Span,
  ys: Span,
): RgbImage {
  const vertical = bilinearWeights(image.height, height);
  const resampleY = height !== image.height;
  let out: RgbImage;
  let y0 = 0; // row r of `out` is input row r + y0
  if (width !== image.width) {
    const last = ys.from + ys.size - 1;
    y0 = resampleY ? vertical.first[ys.from] : ys.from;
    const y1 = resampleY
      ? vertical.first[last] + vertical.count[last]
      : last + 1;
    const horizontal = bilinearWeights(image.width, width);
    out = resampleRows(image, horizontal, { from: y0, size: y1 - y0 }, xs);
  } else {
    out = cut(image, xs.from, 0, xs.size, image.height);
  }
  if (resampleY) return resampleColumns(out, vertical, y0, ys);
  return cut(out, 0, ys.from - y0, out.width, ys.size);
}

/**
 * PIL's Image.resize((width, height), BILINEAR) of an RGB image
 * (Resample.c, ImagingResample): a horizontal pass to 8 bits, then a
 * vertical pass, each skipped when that side keeps its size.
 */
export function resizeBilinear(
  image: RgbImage,
  width: number,
  height: number,
): RgbImage {
  checkImage('resizeBilinear', image);
  checkSize('resizeBilinear', 'width', width);
  checkSize('resizeBilinear', 'height', height);
  const xs = { from: 0, size: width };
  return resizeWindow(image, width, height, xs, { from: 0, size: height });
}

function checkImage(op: string, image: RgbImage): void {
  checkSize(op, 'width', image.width);
  checkSize(op, 'height', image.height);
  const n = image.width * image.height * 3;
  if (image.data.length !== n) {
    throw new Error(
      `${op}: ${image.width}×${image.height} RGB needs ${n} bytes, ` +
        `got ${image.data.length}`,
    );
  }
}

/**
 * torchvision's Resize(size) output size for an int size: the shorter
 * side becomes `size`, the longer int(size · long / short) (truncated).
 */
export function shorterSideSize(
  width: number,
  height: number,
  size: number,
): { width: number; height: number } {
  checkSize('shorterSideSize', 'size', size);
  const long = Math.trunc(
    (size * Math.max(width, height)) / Math.min(width, height),
  );
  return width <= height
    ? { width: size, height: long }
    : { width: long, height: size };
}

/** Python's round(): to the nearest integer, ties to even. */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d !== 0.5) return Math.round(x);
  return f % 2 === 0 ? f : f + 1;
}

/** torchvision's centre-crop offset: round((from − to) / 2), ties even. */
const cropOffset = (from: number, to: number) => roundHalfEven((from - to) / 2);

function checkCrop(op: string, width: number, height: number, size: number) {
  if (width < size || height < size) {
    throw new Error(
      `${op}: image ${width}×${height} is smaller than the crop ` +
        `${size}×${size} (padding is not implemented)`,
    );
  }
}

/**
 * torchvision's CenterCrop(size) of an image at least `size` on each
 * side: top = round((H − size) / 2), left = round((W − size) / 2), with
 * Python's round (ties to even).
 */
export function centerCrop(image: RgbImage, size: number): RgbImage {
  checkImage('centerCrop', image);
  checkSize('centerCrop', 'size', size);
  const { width, height } = image;
  checkCrop('centerCrop', width, height, size);
  const left = cropOffset(width, size);
  return cut(image, left, cropOffset(height, size), size, size);
}

/**
 * The LSUN transform of the authors' code before ToTensor:
 * Resize(size) (shorter side, PIL bilinear with antialiasing) then
 * CenterCrop(size). Returns [size, size, 3] bytes; only the pixels
 * inside the crop are computed.
 */
export function resizeCenterCrop(image: RgbImage, size: number): RgbImage {
  checkImage('resizeCenterCrop', image);
  const { width, height } = shorterSideSize(image.width, image.height, size);
  checkCrop('resizeCenterCrop', width, height, size);
  const xs = { from: cropOffset(width, size), size };
  const ys = { from: cropOffset(height, size), size };
  return resizeWindow(image, width, height, xs, ys);
}
