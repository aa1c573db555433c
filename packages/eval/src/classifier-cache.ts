/**
 * On-disk cache of trained classifiers: `<dir>/<hash>.json` (metadata and
 * the layout of the weights) beside `<dir>/<hash>.bin` (all weights as
 * little-endian float32, in layout order). Both are written to temporary
 * names and renamed, so a crash never leaves a half-written entry.
 */
import {
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
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

/** Whether both halves of the entry under `hash` exist. */
export function entryExists(dir: string, hash: string): boolean {
  const { json, bin } = paths(dir, hash);
  return existsSync(json) && existsSync(bin);
}

/** The entry stored under `hash` with its weights, or undefined. */
export function loadEntry<Meta>(
  dir: string,
  hash: string,
):
  | { entry: CacheEntry<Meta>; values: Record<string, Float32Array> }
  | undefined {
  if (!entryExists(dir, hash)) return undefined;
  const { json, bin } = paths(dir, hash);
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

/** Who holds a lock: written into the lock file. */
export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
}

export interface LockOptions {
  /** Seconds between checks while another process holds the lock. */
  readonly pollSeconds?: number;
  /** Called once when this process starts waiting, with the holder. */
  readonly onWait?: (holder: LockHolder) => void;
  readonly signal?: AbortSignal;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(file: string): LockHolder | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LockHolder;
  } catch {
    return undefined; // gone, or being written: look again
  }
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener('abort', abort);
      resolve();
    }
    function abort() {
      clearTimeout(timer);
      reject(signal!.reason);
    }
    signal?.addEventListener('abort', abort, { once: true });
  });

/**
 * Runs `fn` while holding `<dir>/<hash>.lock`, so that processes sharing
 * a cache (parallel shards) compute an entry once: the others wait for
 * the lock and then find the entry. A lock left by a dead process on this
 * host is taken over; one held on another host is waited for.
 */
export async function withEntryLock<T>(
  dir: string,
  hash: string,
  fn: () => Promise<T>,
  o: LockOptions = {},
): Promise<T> {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${hash}.lock`);
  const me: LockHolder = {
    pid: process.pid,
    host: hostname(),
    since: new Date().toISOString(),
  };
  let told = false;
  for (;;) {
    try {
      writeFileSync(file, JSON.stringify(me), { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readHolder(file);
    if (holder && holder.host === me.host && !alive(holder.pid)) {
      rmSync(file, { force: true });
      continue;
    }
    if (holder && !told) {
      told = true;
      o.onWait?.(holder);
    }
    await sleep((o.pollSeconds ?? 2) * 1000, o.signal);
  }
  try {
    return await fn();
  } finally {
    rmSync(file, { force: true });
  }
}
