/**
 * Generated samples from files, for evaluation: a folder of images (PNG,
 * JPEG, WebP; decoded to RGB by `decodeRgb`), or one array in a .npz or
 * .npy, [N, H, W, C] (C = 1 or 3) or [N, H, W], of uint8 or of floats in
 * [0, 1].
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { decodeRgb, type ImageShape } from '@acsm/data';
import type { InceptionImages } from './inception-metrics';
import { NpyArray, parseNpy } from './npy';
import { readNpz } from './npz';

/** Image files a sample folder may hold. */
export const SAMPLE_IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp'];

/** Samples and where they came from. */
export interface LoadedSamples {
  readonly images: InceptionImages;
  /** 'folder', or 'npz:<array name>', or 'npy'. */
  readonly from: string;
}

/** Values of float samples must lie in [0, 1] up to sampler overshoot. */
const FLOAT_RANGE = { min: -0.5, max: 1.5 };

function fail(path: string, why: string): never {
  throw new Error(`loadSamples: ${path}: ${why}`);
}

/** [N, H, W, C] of an array, with [N, H, W] read as one channel. */
function imageShape(a: NpyArray, path: string): ImageShape {
  const s = a.shape;
  if (s.length === 3) return [s[0], s[1], s[2], 1];
  if (s.length === 4 && (s[3] === 1 || s[3] === 3)) {
    return [s[0], s[1], s[2], s[3]];
  }
  const nchw = s.length === 4 && (s[1] === 1 || s[1] === 3);
  return fail(
    path,
    `samples must be [N, H, W, C] with C = 1 or 3 (or [N, H, W]), got ` +
      `[${s.join(', ')}]` +
      (nchw ? ': channels first? transpose to [N, H, W, C]' : ''),
  );
}

function floatImages(a: NpyArray, path: string): Float32Array {
  let min = Infinity;
  let max = -Infinity;
  for (const v of a.values) {
    if (!Number.isFinite(v)) fail(path, `holds a non-finite value (${v})`);
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  if (min < FLOAT_RANGE.min || max > FLOAT_RANGE.max) {
    fail(
      path,
      `float samples must lie in [0, 1], got values in [${min}, ${max}]` +
        (max > 2 ? ' (uint8 levels? divide by 255)' : '') +
        (min < -0.5 ? ' ([-1, 1]? map with (x + 1)/2)' : ''),
    );
  }
  return a.values instanceof Float32Array
    ? a.values
    : Float32Array.from(a.values);
}

/** An array as images: uint8 kept as bytes, floats as float32. */
function arrayImages(a: NpyArray, path: string): InceptionImages {
  const shape = imageShape(a, path);
  if (a.values instanceof Uint8Array) return { bytes: a.values, shape };
  return { images: floatImages(a, path), shape };
}

/** The one array of a sample .npz: the only one, else `arr_0`. */
function pickArray(path: string): { a: NpyArray; name: string } {
  const { arrays } = readNpz(readFileSync(path), path);
  const names = [...arrays.keys()];
  const name = names.length === 1 ? names[0] : 'arr_0';
  const a = arrays.get(name);
  if (!a) {
    fail(
      path,
      `holds ${names.length ? names.join(', ') : 'no arrays'}; expected ` +
        `one array, or one named arr_0`,
    );
  }
  return { a, name };
}

async function folderImages(dir: string): Promise<InceptionImages> {
  const files = readdirSync(dir)
    .filter((f) => SAMPLE_IMAGE_EXTENSIONS.includes(extname(f).toLowerCase()))
    .sort();
  if (files.length === 0) {
    fail(dir, `no images (${SAMPLE_IMAGE_EXTENSIONS.join(', ')}) in it`);
  }
  let bytes: Uint8Array | undefined;
  let size: { width: number; height: number } | undefined;
  for (const [i, file] of files.entries()) {
    const path = join(dir, file);
    const img = await decodeRgb(readFileSync(path), path);
    size ??= img;
    if (img.width !== size.width || img.height !== size.height) {
      fail(
        path,
        `is ${img.width}×${img.height}; ${files[0]} is ` +
          `${size.width}×${size.height}: all samples must share one size`,
      );
    }
    bytes ??= new Uint8Array(files.length * img.data.length);
    bytes.set(img.data, i * img.data.length);
  }
  const shape: ImageShape = [files.length, size!.height, size!.width, 3];
  return { bytes: bytes!, shape };
}

/**
 * Reads samples from a folder of images (sorted by name, one size), a
 * .npz (its only array, or `arr_0`) or a .npy. Fails naming the file
 * and what it holds otherwise.
 */
export async function loadSamples(path: string): Promise<LoadedSamples> {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch (error) {
    return fail(path, (error as Error).message);
  }
  if (isDir) return { images: await folderImages(path), from: 'folder' };
  switch (extname(path).toLowerCase()) {
    case '.npz': {
      const { a, name } = pickArray(path);
      return { images: arrayImages(a, path), from: `npz:${name}` };
    }
    case '.npy':
      return {
        images: arrayImages(parseNpy(readFileSync(path), path), path),
        from: 'npy',
      };
    default:
      return fail(path, 'expected a folder of images, a .npz or a .npy');
  }
}
