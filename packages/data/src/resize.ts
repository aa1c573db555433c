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

/** Horizontal pass over rows [y0, y1) of `src` (PIL's ResampleHorizontal). */
function resampleRows(src: RgbImage, ax: AxisWeights, y0: number, y1: number) {
  const outW = ax.count.length;
  const out = new Uint8Array((y1 - y0) * outW * 3);
  for (let y = y0; y < y1; y++) {
    const row = y * src.width * 3;
    for (let o = 0; o < outW; o++) {
      const base = row + ax.first[o] * 3;
      const wk = o * ax.taps;
      let r = HALF,
        g = HALF,
        b = HALF;
      for (let k = 0; k < ax.count[o]; k++) {
        const w = ax.weights[wk + k];
        r += src.data[base + 3 * k] * w;
        g += src.data[base + 3 * k + 1] * w;
        b += src.data[base + 3 * k + 2] * w;
      }
      const at = ((y - y0) * outW + o) * 3;
      out[at] = clip8(r);
      out[at + 1] = clip8(g);
      out[at + 2] = clip8(b);
    }
  }
  return { width: outW, height: y1 - y0, data: out };
}

/** Vertical pass; row first[o] - y0 of `src` is input row first[o]. */
function resampleColumns(src: RgbImage, ax: AxisWeights, y0: number) {
  const outH = ax.count.length;
  const stride = src.width * 3;
  const out = new Uint8Array(outH * stride);
  for (let o = 0; o < outH; o++) {
    const top = (ax.first[o] - y0) * stride;
    const wk = o * ax.taps;
    for (let i = 0; i < stride; i++) {
      let sum = HALF;
      for (let k = 0; k < ax.count[o]; k++) {
        sum += src.data[top + k * stride + i] * ax.weights[wk + k];
      }
      out[o * stride + i] = clip8(sum);
    }
  }
  return { width: src.width, height: outH, data: out };
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
  let out: RgbImage = image;
  const vertical = bilinearWeights(image.height, height);
  // Input rows [y0, y1) are the ones the vertical pass reads.
  const y0 = width !== image.width ? vertical.first[0] : 0;
  if (width !== image.width) {
    const y1 = vertical.first[height - 1] + vertical.count[height - 1];
    out = resampleRows(image, bilinearWeights(image.width, width), y0, y1);
  }
  if (height !== image.height) out = resampleColumns(out, vertical, y0);
  return out === image ? { ...image, data: image.data.slice() } : out;
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

/**
 * torchvision's CenterCrop(size) of an image at least `size` on each
 * side: top = round((H − size) / 2), left = round((W − size) / 2), with
 * Python's round (ties to even).
 */
export function centerCrop(image: RgbImage, size: number): RgbImage {
  checkImage('centerCrop', image);
  checkSize('centerCrop', 'size', size);
  if (image.width < size || image.height < size) {
    throw new Error(
      `centerCrop: image ${image.width}×${image.height} is smaller than ` +
        `the crop ${size}×${size} (padding is not implemented)`,
    );
  }
  const top = roundHalfEven((image.height - size) / 2);
  const left = roundHalfEven((image.width - size) / 2);
  const out = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    const from = ((top + y) * image.width + left) * 3;
    out.set(image.data.subarray(from, from + size * 3), y * size * 3);
  }
  return { width: size, height: size, data: out };
}

/**
 * The LSUN transform of the authors' code before ToTensor:
 * Resize(size) (shorter side, PIL bilinear with antialiasing) then
 * CenterCrop(size). Returns [size, size, 3] bytes.
 */
export function resizeCenterCrop(image: RgbImage, size: number): RgbImage {
  const target = shorterSideSize(image.width, image.height, size);
  const resized = resizeBilinear(image, target.width, target.height);
  return centerCrop(resized, size);
}
