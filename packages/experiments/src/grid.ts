import { PNG } from 'pngjs';

export interface GridOptions {
  /** Images per row (default: ceil(sqrt(N))). */
  columns?: number;
  /** Pixels between tiles (default 2). */
  padding?: number;
  /** Integer upscaling of every pixel (default 2). */
  scale?: number;
}

/**
 * Tiles images [N, H, W, C] (C = 1 or 3, values in [0, 1], clamped) into
 * one PNG. Quantised as round(255·clamp(x, 0, 1)), as the FID pipeline.
 */
export function imageGridPng(
  pixels: Float32Array,
  shape: readonly [number, number, number, number],
  options: GridOptions = {},
): Buffer {
  const [n, h, w, c] = shape;
  if (c !== 1 && c !== 3) {
    throw new Error(`imageGridPng: channels must be 1 or 3, got ${c}`);
  }
  if (pixels.length !== n * h * w * c) {
    throw new Error(
      `imageGridPng: ${pixels.length} values for shape [${shape.join(', ')}]`,
    );
  }
  const cols = options.columns ?? Math.ceil(Math.sqrt(n));
  const pad = options.padding ?? 2;
  const scale = options.scale ?? 2;
  const rows = Math.ceil(n / cols);
  const png = new PNG({
    width: cols * (w * scale + pad) + pad,
    height: rows * (h * scale + pad) + pad,
  });
  png.data.fill(255);
  for (let i = 0; i < n; i++) {
    const x0 = pad + (i % cols) * (w * scale + pad);
    const y0 = pad + Math.floor(i / cols) * (h * scale + pad);
    drawTile(png, pixels, { index: i, h, w, c, x0, y0, scale });
  }
  return PNG.sync.write(png);
}

interface Tile {
  index: number;
  h: number;
  w: number;
  c: number;
  x0: number;
  y0: number;
  scale: number;
}

function drawTile(png: PNG, pixels: Float32Array, t: Tile): void {
  const base = t.index * t.h * t.w * t.c;
  for (let y = 0; y < t.h * t.scale; y++) {
    for (let x = 0; x < t.w * t.scale; x++) {
      const src =
        base + (Math.floor(y / t.scale) * t.w + Math.floor(x / t.scale)) * t.c;
      const dst = ((t.y0 + y) * png.width + t.x0 + x) * 4;
      for (let k = 0; k < 3; k++) {
        png.data[dst + k] = quantise(pixels[src + (t.c === 1 ? 0 : k)]);
      }
      png.data[dst + 3] = 255;
    }
  }
}

/** round(255·clamp(x, 0, 1)); NaN becomes 0. */
export function quantise(x: number): number {
  if (!(x > 0)) return 0;
  return x >= 1 ? 255 : Math.round(255 * x);
}
