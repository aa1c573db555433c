// LSUN church_outdoor, train split (Yu et al. 2015, arXiv:1506.03365), as
// the paper's authors load it: torchvision's LSUN class over the official
// LMDB export, then Resize(64), CenterCrop(64), ToTensor. A folder of
// images (PNG, JPEG, WebP) works too. The decoded set is held as bytes
// (126 227 × 64 × 64 × 3 = 1.55 GB; float32 would be 6.2 GB) and cached on
// disk, keyed by the source's identity, so a second load only reads it.
import { createHash, randomBytes, type Hash } from 'node:crypto';
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { availableParallelism } from 'node:os';
import { extname, join, relative, sep } from 'node:path';
import type { ImageShape } from './dataset';
import { decodeRgb } from './decode';
import { closeLmdb, hexOrText, lmdbEntries, openLmdb } from './lmdb';
import { resizeCenterCrop } from './resize';

/** Folder of the official export, as torchvision's LSUN class names it. */
export const LSUN_LMDB_DIR = 'church_outdoor_train_lmdb';
/** Entries of the official church_outdoor_train_lmdb. */
export const LSUN_CHURCH_TRAIN_SIZE = 126_227;
/** The official archive, as the LSUN project's download script names it. */
export const LSUN_URL =
  'http://dl.yf.io/lsun/scenes/church_outdoor_train_lmdb.zip';
/** Side of the paper's images (configs/church.yml, image_size). */
export const LSUN_IMAGE_SIZE = 64;
/** File endings read from a folder of images (case-insensitive). */
export const LSUN_IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp'];
/** Names the pixel transform in the cache; change it when pixels change. */
const TRANSFORM = 'torchvision Resize+CenterCrop, PIL bilinear, v1';
const CACHE_MAGIC = 'acsm-lsun-cache 1\n';
const CHUNK = 64 << 20;

export type LsunSourceKind = 'lmdb' | 'folder';

/** What a dry run reports about the data, without decoding it. */
export interface LsunSourceInfo {
  readonly kind: LsunSourceKind;
  /** The LMDB folder (holding data.mdb) or the folder of images. */
  readonly path: string;
  readonly count: number;
  /**
   * sha256 (hex) of the ordered (key, encoded size) list: the identity
   * of the data, read from the LMDB leaf pages or the file listing in
   * under a second (see README). Keys the cache.
   */
  readonly checksum: string;
  /** Sum of the encoded images' sizes in bytes. */
  readonly bytes: number;
}

export interface LsunProgress {
  readonly phase: 'decode' | 'cache';
  /** Images decoded, or read back from the cache, so far. */
  readonly done: number;
  readonly total: number;
}

export interface LoadLsunOptions {
  /**
   * The LMDB folder, a folder holding church_outdoor_train_lmdb/, or a
   * folder of images; default $ACSM_DATA_DIR/lsun.
   */
  readonly path?: string;
  /** Side of the output images (default 64). */
  readonly imageSize?: number;
  /**
   * Folder of the decoded-array cache, false for none; default
   * $ACSM_CACHE_DIR, else .cache/acsm.
   */
  readonly cacheDir?: string | false;
  /** Images decoded at once (default: twice the available parallelism). */
  readonly concurrency?: number;
  /** Called after each decoded image and each cache chunk read. */
  readonly onProgress?: (progress: LsunProgress) => void;
}

/** LSUN held as bytes; `gatherLsun` makes float batches of it. */
export interface LsunDataset {
  /** [N, S, S, 3] row-major (NHWC) bytes; ToTensor's value is byte/255. */
  readonly images: Uint8Array;
  /** [N, S, S, 3]. */
  readonly shape: ImageShape;
  /** [N] image ids in order: LMDB keys, or paths relative to the folder. */
  readonly keys: readonly string[];
  /** 'lsun:church_outdoor_train_lmdb' or 'lsun:folder'. */
  readonly source: string;
  readonly split: 'train';
  /** sha256 (hex) of `images`. */
  readonly checksum: string;
  /** sha256 (hex) of every (key, encoded image) in order; see README. */
  readonly sourceChecksum: string;
  /** The dry run's identity of the source (LsunSourceInfo.checksum). */
  readonly sourceIdentity: string;
  /** The cache file read or written; undefined without a cache. */
  readonly cacheFile: string | undefined;
  readonly fromCache: boolean;
}

/** One encoded image of the source, read on demand. */
interface Entry {
  readonly key: string;
  readonly keyBytes: Uint8Array;
  readonly size: number;
  /** Names the image in errors: the file, and the key for LMDB. */
  readonly label: string;
  read(): Uint8Array;
}

interface SourceIndex {
  readonly info: LsunSourceInfo;
  readonly entries: readonly Entry[];
  /** Sizes and modification times: a cache older than them is stale. */
  readonly stamp: string;
  close(): void;
}

function missingMessage(where: string): string {
  return (
    `LSUN church_outdoor not found: ${where}. Put the official LMDB ` +
    `export (the folder ${LSUN_LMDB_DIR}/ with data.mdb, unzipped from ` +
    `${LSUN_URL}) in $ACSM_DATA_DIR/lsun/, or pass the path of that ` +
    `folder or of a folder of .png/.jpg/.webp images. It cannot be ` +
    `downloaded automatically.`
  );
}

/** The source under `path` (or $ACSM_DATA_DIR/lsun): LMDB or folder. */
function resolveSource(path?: string): {
  kind: LsunSourceKind;
  path: string;
} {
  const dataDir = process.env['ACSM_DATA_DIR'];
  const root =
    path ?? (dataDir === undefined ? undefined : join(dataDir, 'lsun'));
  if (root === undefined) {
    throw new Error(missingMessage('no path given and ACSM_DATA_DIR is unset'));
  }
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new Error(missingMessage(`${root} is not a folder`));
  }
  if (existsSync(join(root, 'data.mdb'))) return { kind: 'lmdb', path: root };
  const lmdbDir = join(root, LSUN_LMDB_DIR);
  if (existsSync(lmdbDir)) {
    if (!existsSync(join(lmdbDir, 'data.mdb'))) {
      throw new Error(missingMessage(`${lmdbDir} has no data.mdb`));
    }
    return { kind: 'lmdb', path: lmdbDir };
  }
  return { kind: 'folder', path: root };
}

function identity(kind: LsunSourceKind, entries: readonly Entry[]): string {
  const h = createHash('sha256').update(`lsun-${kind}\n`);
  for (const e of entries) h.update(`${JSON.stringify(e.key)} ${e.size}\n`);
  return h.digest('hex');
}

function makeIndex(
  kind: LsunSourceKind,
  path: string,
  entries: Entry[],
  stamp: string,
  close: () => void,
): SourceIndex {
  const bytes = entries.reduce((s, e) => s + e.size, 0);
  const checksum = identity(kind, entries);
  const info = { kind, path, count: entries.length, checksum, bytes };
  return { info, entries, stamp, close };
}

function lmdbIndex(dir: string): SourceIndex {
  const file = join(dir, 'data.mdb');
  const db = openLmdb(file);
  try {
    const entries: Entry[] = [];
    for (const e of lmdbEntries(db)) {
      const key = hexOrText(e.key);
      const label = `${file} key ${key}`;
      entries.push({
        key,
        keyBytes: e.key,
        size: e.size,
        label,
        read: e.value,
      });
    }
    const st = fstatSync(db.fd);
    const stamp = `${st.size} ${st.mtimeMs}`;
    return makeIndex('lmdb', dir, entries, stamp, () => closeLmdb(db));
  } catch (error) {
    closeLmdb(db);
    throw error;
  }
}

const isImageName = (name: string) =>
  !name.startsWith('.') &&
  LSUN_IMAGE_EXTENSIONS.includes(extname(name).toLowerCase());

/** Image files under `dir`, recursively, skipping hidden entries. */
function listImages(dir: string, out: string[] = []): string[] {
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    if (d.name.startsWith('.')) continue;
    const path = join(dir, d.name);
    const isDir = d.isSymbolicLink()
      ? statSync(path).isDirectory()
      : d.isDirectory();
    if (isDir) listImages(path, out);
    else if (isImageName(d.name)) out.push(path);
  }
  return out;
}

const byteOrder = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b);

function folderIndex(dir: string): SourceIndex {
  const files = listImages(dir);
  if (files.length === 0) {
    throw new Error(
      missingMessage(
        `${dir} holds no data.mdb, no ${LSUN_LMDB_DIR}/ and no ` +
          `${LSUN_IMAGE_EXTENSIONS.join('/')} images`,
      ),
    );
  }
  const stampHash = createHash('sha256');
  const entries = files
    .map((file): Entry => {
      const key = relative(dir, file).split(sep).join('/');
      const keyBytes = new Uint8Array(Buffer.from(key, 'utf8'));
      const st = statSync(file);
      stampHash.update(`${JSON.stringify(key)} ${st.size} ${st.mtimeMs}\n`);
      const read = () => new Uint8Array(readFileSync(file));
      return { key, keyBytes, size: st.size, label: file, read };
    })
    .sort((a, b) => byteOrder(a.keyBytes, b.keyBytes));
  return makeIndex('folder', dir, entries, stampHash.digest('hex'), () => {});
}

function openIndex(path?: string): SourceIndex {
  const source = resolveSource(path);
  switch (source.kind) {
    case 'lmdb':
      return lmdbIndex(source.path);
    case 'folder':
      return folderIndex(source.path);
    default: {
      const unknown: never = source.kind;
      throw new Error(`openIndex: unknown source kind ${unknown}`);
    }
  }
}

/**
 * The dry run: where the data is, how many images, and its identity
 * checksum, without decoding an image. Reads the LMDB's branch and leaf
 * pages (about 1% of data.mdb), or lists and stats the folder.
 * Order: LMDB key order (byte order, as torchvision's LSUN class and an
 * LMDB cursor give), or byte order of the paths relative to the folder.
 */
export function describeLsunSource(
  options: { readonly path?: string } = {},
): LsunSourceInfo {
  const index = openIndex(options.path);
  index.close();
  return index.info;
}

function checkOptions(op: string, size: number, concurrency: number): void {
  if (!Number.isSafeInteger(size) || size < 1) {
    throw new Error(`${op}: imageSize must be an integer >= 1, got ${size}`);
  }
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
    throw new Error(
      `${op}: concurrency must be an integer >= 1, got ${concurrency}`,
    );
  }
}

/**
 * LSUN church_outdoor train as [N, S, S, 3] bytes (S = 64 by default):
 * each image decoded to RGB, its shorter side resized to S with PIL's
 * antialiased bilinear filter, centre-cropped to S × S (torchvision's
 * Resize(S), CenterCrop(S)); byte/255 is ToTensor's value. No flips.
 * From the cache when it holds this source (same identity and stamp);
 * otherwise decodes everything, then writes the cache. Any unreadable
 * entry or image fails the whole load with its file and key; the cache
 * is written to a temporary name and renamed only when complete.
 */
export async function loadLsun(
  options: LoadLsunOptions = {},
): Promise<LsunDataset> {
  const size = options.imageSize ?? LSUN_IMAGE_SIZE;
  const concurrency = options.concurrency ?? 2 * availableParallelism();
  checkOptions('loadLsun', size, concurrency);
  const cacheDir =
    options.cacheDir ?? process.env['ACSM_CACHE_DIR'] ?? '.cache/acsm';
  const index = openIndex(options.path);
  try {
    if (cacheDir === false) {
      const decoded = await decodeAll(index, size, concurrency, options);
      return assemble(index, size, decoded, undefined, false);
    }
    const file = cacheFile(cacheDir, index, size);
    const cached = readCache(file, index, size, options.onProgress);
    if (cached) return cached;
    prepareCacheDir(cacheDir);
    const decoded = await decodeAll(index, size, concurrency, options);
    const dataset = assemble(index, size, decoded, file, false);
    writeCache(file, index, dataset);
    return dataset;
  } finally {
    index.close();
  }
}

/** Creates the cache folder and checks it is writable, before decoding. */
function prepareCacheDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(
      `loadLsun: cache folder ${dir} is not writable (${why}); pass ` +
        `cacheDir: false to load without a cache`,
    );
  }
}

interface Decoded {
  readonly images: Uint8Array;
  readonly sourceChecksum: string;
  readonly checksum: string;
}

/** sha256 input for one entry: key length, key, value length, value. */
function hashEntry(h: Hash, key: Uint8Array, value: Uint8Array): void {
  const lengths = new DataView(new ArrayBuffer(4));
  lengths.setUint32(0, key.length, true);
  h.update(new Uint8Array(lengths.buffer)).update(key);
  lengths.setUint32(0, value.length, true);
  h.update(new Uint8Array(lengths.buffer)).update(value);
}

function bytesChecksum(bytes: Uint8Array): string {
  const h = createHash('sha256');
  for (let at = 0; at < bytes.length; at += CHUNK) {
    h.update(bytes.subarray(at, at + CHUNK));
  }
  return h.digest('hex');
}

/**
 * Decodes and transforms every entry, `concurrency` at a time. Entries
 * are read (and hashed) in order; the first failure stops new work and,
 * once the images in flight have settled, is thrown.
 */
async function decodeAll(
  index: SourceIndex,
  size: number,
  concurrency: number,
  options: LoadLsunOptions,
): Promise<Decoded> {
  const { entries } = index;
  const n = entries.length;
  const stride = size * size * 3;
  const images = new Uint8Array(n * stride);
  const sha = createHash('sha256');
  let next = 0;
  let done = 0;
  let failure: unknown;
  const worker = async () => {
    while (next < n && failure === undefined) {
      const i = next++;
      const entry = entries[i];
      try {
        const bytes = entry.read();
        hashEntry(sha, entry.keyBytes, bytes);
        const rgb = await decodeRgb(bytes, entry.label);
        images.set(resizeCenterCrop(rgb, size).data, i * stride);
      } catch (error) {
        failure ??= error;
        return;
      }
      options.onProgress?.({ phase: 'decode', done: ++done, total: n });
    }
  };
  const workers = Math.min(concurrency, n);
  await Promise.all(Array.from({ length: workers }, worker));
  if (failure !== undefined) throw failure;
  const sourceChecksum = sha.digest('hex');
  return { images, sourceChecksum, checksum: bytesChecksum(images) };
}

function assemble(
  index: SourceIndex,
  size: number,
  decoded: Decoded,
  cacheFile: string | undefined,
  fromCache: boolean,
): LsunDataset {
  const { kind, count, checksum: sourceIdentity } = index.info;
  return {
    images: decoded.images,
    shape: [count, size, size, 3],
    keys: index.entries.map((e) => e.key),
    source: kind === 'lmdb' ? `lsun:${LSUN_LMDB_DIR}` : 'lsun:folder',
    split: 'train',
    checksum: decoded.checksum,
    sourceChecksum: decoded.sourceChecksum,
    sourceIdentity,
    cacheFile,
    fromCache,
  };
}

// ---- the cache: a text header line of JSON, then the image bytes ----

interface CacheHeader {
  readonly transform: string;
  readonly imageSize: number;
  readonly count: number;
  readonly identity: string;
  readonly stamp: string;
  readonly sourceChecksum: string;
  readonly checksum: string;
}

function cacheFile(dir: string, index: SourceIndex, size: number): string {
  const key = createHash('sha256')
    .update(`${TRANSFORM}\n${size}\n${index.info.checksum}`)
    .digest('hex');
  return join(dir, `lsun-${size}px-${key.slice(0, 16)}.bin`);
}

function expectedHeader(index: SourceIndex, size: number) {
  const { count, checksum: identity } = index.info;
  return { transform: TRANSFORM, imageSize: size, count, identity };
}

/** The header when the file holds this source and transform, else undefined. */
function readHeader(
  fd: number,
  index: SourceIndex,
  size: number,
): { header: CacheHeader; offset: number } | undefined {
  const head = new Uint8Array(4096);
  const got = readSync(fd, head, 0, head.length, 0);
  const text = Buffer.from(head.subarray(0, got)).toString('latin1');
  if (!text.startsWith(CACHE_MAGIC)) return undefined;
  const end = text.indexOf('\n', CACHE_MAGIC.length);
  if (end < 0) return undefined;
  let header: CacheHeader;
  try {
    header = JSON.parse(text.slice(CACHE_MAGIC.length, end));
  } catch {
    return undefined;
  }
  const want: Record<string, unknown> = {
    ...expectedHeader(index, size),
    stamp: index.stamp,
  };
  const same = Object.keys(want).every(
    (k) => (header as unknown as Record<string, unknown>)[k] === want[k],
  );
  return same ? { header, offset: end + 1 } : undefined;
}

/** The cached dataset when valid (header, size and checksum match). */
function readCache(
  file: string,
  index: SourceIndex,
  size: number,
  onProgress: LoadLsunOptions['onProgress'],
): LsunDataset | undefined {
  if (!existsSync(file)) return undefined;
  const fd = openSync(file, 'r');
  try {
    const found = readHeader(fd, index, size);
    const stride = size * size * 3;
    const total = index.info.count * stride;
    if (!found || fstatSync(fd).size !== found.offset + total) return undefined;
    const images = new Uint8Array(total);
    for (let at = 0; at < total; ) {
      const n = readSync(
        fd,
        images,
        at,
        Math.min(CHUNK, total - at),
        found.offset + at,
      );
      if (n === 0) return undefined;
      at += n;
      const done = Math.floor(at / stride);
      onProgress?.({ phase: 'cache', done, total: index.info.count });
    }
    const checksum = bytesChecksum(images);
    if (checksum !== found.header.checksum) return undefined;
    const { sourceChecksum } = found.header;
    const decoded = { images, sourceChecksum, checksum };
    return assemble(index, size, decoded, file, true);
  } finally {
    closeSync(fd);
  }
}

/** Writes to a temporary file, then renames; removes it on failure. */
function writeCache(file: string, index: SourceIndex, ds: LsunDataset): void {
  const header: CacheHeader = {
    ...expectedHeader(index, ds.shape[1]),
    stamp: index.stamp,
    sourceChecksum: ds.sourceChecksum,
    checksum: ds.checksum,
  };
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(temp, 'w');
  try {
    writeSync(fd, CACHE_MAGIC + JSON.stringify(header) + '\n');
    for (let at = 0; at < ds.images.length; at += CHUNK) {
      writeSync(fd, ds.images.subarray(at, at + CHUNK));
    }
    closeSync(fd);
    renameSync(temp, file);
  } catch (error) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    unlinkSync(temp);
    throw new Error(
      `loadLsun: could not write the cache ${file}: ` +
        (error instanceof Error ? error.message : String(error)),
    );
  }
}

/** Unit values of the bytes 0..255: float32(b / 255), as ToTensor. */
const UNIT = Float32Array.from({ length: 256 }, (_, b) => b / 255);

/**
 * The images at `indices`, in that order, as [B, S, S, 3] float32 in
 * [0, 1] (ToTensor: byte / 255), e.g. one training batch.
 */
export function gatherLsun(
  dataset: LsunDataset,
  indices: ArrayLike<number>,
): { images: Float32Array; shape: ImageShape } {
  const [n, h, w, c] = dataset.shape;
  const stride = h * w * c;
  const images = new Float32Array(indices.length * stride);
  for (let i = 0; i < indices.length; i++) {
    const k = indices[i];
    if (!(Number.isInteger(k) && k >= 0 && k < n)) {
      throw new Error(`gatherLsun: index ${k} out of range [0, ${n})`);
    }
    const from = dataset.images.subarray(k * stride, (k + 1) * stride);
    for (let j = 0; j < stride; j++) images[i * stride + j] = UNIT[from[j]];
  }
  return { images, shape: [indices.length, h, w, c] };
}
