/**
 * On-disk cache of trained classifiers: `<dir>/<hash>.json` (metadata and
 * the layout of the weights) beside `<dir>/<hash>.bin` (all weights as
 * little-endian float32, in layout order). Both are written to temporary
 * names and renamed, so a crash never leaves a half-written entry.
 */
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';

/** Where one tensor lies in the .bin file. */
export interface CachedTensor {
  readonly name: string;
  readonly shape: number[];
  /** Offset in float32 elements. */
  readonly offset: number;
}

/** The .json half of a cache entry. */
export interface CacheEntry<Meta> {
  readonly hash: string;
  readonly meta: Meta;
  readonly tensors: CachedTensor[];
}

function paths(dir: string, hash: string) {
  return { json: join(dir, `${hash}.json`), bin: join(dir, `${hash}.bin`) };
}

function writeAtomically(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

/** Store named variables and metadata under `hash`. */
export function saveEntry<Meta>(
  dir: string,
  hash: string,
  meta: Meta,
  variables: Record<string, tf.Variable>,
): void {
  mkdirSync(dir, { recursive: true });
  const tensors: CachedTensor[] = [];
  const values: Float32Array[] = [];
  let offset = 0;
  for (const [name, v] of Object.entries(variables)) {
    tensors.push({ name, shape: [...v.shape], offset });
    values.push(v.dataSync() as Float32Array);
    offset += v.size;
  }
  const all = new Float32Array(offset);
  values.forEach((x, i) => all.set(x, tensors[i].offset));
  const { json, bin } = paths(dir, hash);
  writeAtomically(bin, new Uint8Array(all.buffer));
  const entry: CacheEntry<Meta> = { hash, meta, tensors };
  writeAtomically(json, JSON.stringify(entry, null, 2));
}

/** The entry stored under `hash` with its weights, or undefined. */
export function loadEntry<Meta>(
  dir: string,
  hash: string,
):
  | { entry: CacheEntry<Meta>; values: Record<string, Float32Array> }
  | undefined {
  const { json, bin } = paths(dir, hash);
  if (!existsSync(json) || !existsSync(bin)) return undefined;
  const entry = JSON.parse(readFileSync(json, 'utf8')) as CacheEntry<Meta>;
  const bytes = readFileSync(bin);
  const all = new Float32Array(
    bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
  );
  if (entry.hash !== hash) {
    throw new Error(`loadEntry: ${json} holds hash ${entry.hash}, not ${hash}`);
  }
  const values: Record<string, Float32Array> = {};
  for (const { name, shape, offset } of entry.tensors) {
    const size = shape.reduce((a, b) => a * b, 1);
    if (offset + size > all.length) {
      throw new Error(
        `loadEntry: ${bin} has ${all.length} values, ${name} needs ` +
          `[${offset}, ${offset + size}); delete the entry to retrain`,
      );
    }
    values[name] = all.subarray(offset, offset + size);
  }
  return { entry, values };
}
