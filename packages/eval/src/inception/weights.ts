/**
 * Where the FID Inception weights come from: a local .pth (an option, the
 * ACSM_INCEPTION_WEIGHTS variable, or the copy in the cache folder), else
 * the published file, downloaded when asked. The .pth's SHA-256 is
 * checked, then the state_dict is converted once to TF.js layout and
 * cached as `fid-inception-<sha256>.json` (layout, checksums) beside
 * `fid-inception-<sha256>.bin` (all tensors, float32 little-endian), so
 * later loads skip the unpickling.
 */
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InceptionWeights, inceptionWeights } from './convert';
import { fidInceptionParams } from './spec';
import { readStateDict } from './torch-checkpoint';

/** The port's file name: torch.hub names end in the SHA-256's prefix. */
export const FID_INCEPTION_FILE = 'pt_inception-2015-12-05-6726825d.pth';

/** Where pytorch-fid publishes it. */
export const FID_INCEPTION_URL =
  'https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/' +
  FID_INCEPTION_FILE;

/**
 * The file's full SHA-256, as pinned for this URL by genforce/genforce
 * (metrics/inception.py, `_MODEL_URL_SHA256['tf_inception_v3']`); it
 * begins with the 6726825d of the name.
 */
export const FID_INCEPTION_SHA256 =
  '6726825d0af5f729cebd5821db510b11b1cfad8faad88a03f1befd49fb9129b2';

/** The variable naming a local copy of the .pth. */
export const WEIGHTS_ENV = 'ACSM_INCEPTION_WEIGHTS';

const CACHE_FORMAT = 'acsm-fid-inception-weights/1';

export interface InceptionWeightsOptions {
  /** The .pth to read; default $ACSM_INCEPTION_WEIGHTS, else the cache's. */
  readonly weightsPath?: string;
  /** Holds the downloaded .pth and the converted weights. */
  readonly cacheDir: string;
  /** Fetch the .pth when no local copy exists; default false. */
  readonly download?: boolean;
  /** Default FID_INCEPTION_URL. */
  readonly url?: string;
  /** Default the global fetch. */
  readonly fetch?: typeof fetch;
  /**
   * The .pth's SHA-256, or a prefix of at least 8 hex digits; default
   * FID_INCEPTION_SHA256. Another file (e.g. test weights) needs its own.
   */
  readonly sha256?: string;
}

/** Weights ready for buildFidInception, and where they came from. */
export interface LoadedInceptionWeights {
  /** SHA-256 of the .pth they were converted from. */
  readonly sha256: string;
  readonly weights: InceptionWeights;
  /** 'cache': the converted file; 'checkpoint': the .pth, now cached. */
  readonly source: 'cache' | 'checkpoint';
  /** The file read: the cache's .json or the .pth. */
  readonly path: string;
}

interface CacheManifest {
  readonly format: string;
  readonly sourceSha256: string;
  readonly sourceFile: string;
  readonly binSha256: string;
  readonly tensors: { name: string; shape: number[]; offset: number }[];
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function expectedHash(value: string): string {
  const hex = value.toLowerCase();
  if (!/^[0-9a-f]{8,64}$/.test(hex)) {
    throw new Error(
      `loadInceptionWeights: sha256 must be 8 to 64 hex digits, got ` +
        `'${value}'`,
    );
  }
  return hex;
}

function checkHash(actual: string, expected: string, from: string): void {
  if (!actual.startsWith(expected)) {
    throw new Error(
      `FID Inception weights: ${from} has SHA-256 ${actual}, expected ` +
        `${expected}${expected.length < 64 ? '…' : ''}: not the FID ` +
        'Inception weights, or a damaged copy',
    );
  }
}

function writeAtomically(path: string, data: Uint8Array | string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

function cachePaths(dir: string, sha: string) {
  const stem = join(dir, `fid-inception-${sha}`);
  return { json: `${stem}.json`, bin: `${stem}.bin` };
}

/** The converted weights of the .pth with this SHA-256, if cached intact. */
function readCache(
  dir: string,
  sha: string,
): LoadedInceptionWeights | undefined {
  const { json, bin } = cachePaths(dir, sha);
  if (!existsSync(json) || !existsSync(bin)) return undefined;
  const m = JSON.parse(readFileSync(json, 'utf8')) as CacheManifest;
  const bytes = readFileSync(bin);
  const names = fidInceptionParams().map((p) => p.name);
  const intact =
    m.format === CACHE_FORMAT &&
    m.sourceSha256 === sha &&
    m.binSha256 === sha256Hex(bytes) &&
    `${m.tensors.map((t) => t.name)}` === `${names}`;
  if (!intact) return undefined; // stale or damaged: convert again
  const all = new Float32Array(new Uint8Array(bytes).buffer);
  const weights: InceptionWeights = {};
  for (const { name, shape, offset } of m.tensors) {
    const size = shape.reduce((a, b) => a * b, 1);
    weights[name] = { shape, values: all.subarray(offset, offset + size) };
  }
  return { sha256: sha, weights, source: 'cache', path: json };
}

function writeCache(
  dir: string,
  sha: string,
  sourceFile: string,
  weights: InceptionWeights,
): void {
  const entries = Object.entries(weights);
  const total = entries.reduce((s, [, t]) => s + t.values.length, 0);
  const all = new Float32Array(total);
  const tensors: CacheManifest['tensors'] = [];
  let offset = 0;
  for (const [name, t] of entries) {
    all.set(t.values, offset);
    tensors.push({ name, shape: [...t.shape], offset });
    offset += t.values.length;
  }
  const bytes = new Uint8Array(all.buffer);
  const manifest: CacheManifest = {
    format: CACHE_FORMAT,
    sourceSha256: sha,
    sourceFile,
    binSha256: sha256Hex(bytes),
    tensors,
  };
  const { json, bin } = cachePaths(dir, sha);
  mkdirSync(dir, { recursive: true });
  writeAtomically(bin, bytes);
  writeAtomically(json, JSON.stringify(manifest));
}

/** Downloads the .pth to `path`, kept only if its hash is the expected. */
async function download(
  url: string,
  path: string,
  expected: string,
  fetchFn: typeof fetch,
): Promise<void> {
  let response: Response;
  try {
    response = await fetchFn(url);
  } catch (error) {
    throw new Error(
      `FID Inception weights: cannot download ${url}: ` +
        `${(error as Error).message}`,
    );
  }
  if (!response.ok) {
    throw new Error(
      `FID Inception weights: ${url} answered HTTP ${response.status}`,
    );
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  checkHash(sha256Hex(bytes), expected, url);
  mkdirSync(dirname(path), { recursive: true });
  writeAtomically(path, bytes);
}

function notFound(path: string, explicit: boolean, url: string): Error {
  if (explicit) {
    return new Error(
      `FID Inception weights: ${path} not found (named by ${WEIGHTS_ENV} ` +
        `or --weights)`,
    );
  }
  return new Error(
    `no FID Inception weights: download ${url} ` +
      `(SHA-256 ${FID_INCEPTION_SHA256}) to ${path} or set ${WEIGHTS_ENV}, ` +
      'or pass download: true',
  );
}

/** Where usable weights are without downloading, as findInceptionWeights says. */
export interface FoundInceptionWeights {
  /** 'variable': $ACSM_INCEPTION_WEIGHTS (or weightsPath); 'cache': the
   * converted file; 'checkpoint': the .pth in the cache folder. */
  readonly source: 'variable' | 'cache' | 'checkpoint';
  readonly path: string;
}

/**
 * The FID Inception weights that loadInceptionWeights would read without
 * downloading, or null when there are none; reads no file's contents (the
 * hash is checked when they are loaded). A path named by weightsPath or
 * the variable must exist: a mistyped one is an error, not "none".
 */
export function findInceptionWeights(
  o: Pick<InceptionWeightsOptions, 'cacheDir' | 'weightsPath' | 'sha256'> & {
    /** Check a .pth's SHA-256 now (it reads the file: ~0.3 s). */
    readonly verify?: boolean;
  },
): FoundInceptionWeights | null {
  const expected = expectedHash(o.sha256 ?? FID_INCEPTION_SHA256);
  const checked = (found: FoundInceptionWeights) => {
    if (o.verify && found.source !== 'cache') {
      checkHash(sha256Hex(readFileSync(found.path)), expected, found.path);
    }
    return found;
  };
  const explicit = o.weightsPath ?? (process.env[WEIGHTS_ENV] || undefined);
  if (explicit) {
    if (existsSync(explicit)) {
      return checked({ source: 'variable', path: explicit });
    }
    throw notFound(explicit, true, FID_INCEPTION_URL);
  }
  if (expected.length === 64) {
    const { json, bin } = cachePaths(o.cacheDir, expected);
    if (existsSync(json) && existsSync(bin)) {
      return { source: 'cache', path: json };
    }
  }
  const pth = join(o.cacheDir, FID_INCEPTION_FILE);
  return existsSync(pth) ? checked({ source: 'checkpoint', path: pth }) : null;
}

/** The .pth's path, downloading it first if asked and missing. */
async function locate(o: InceptionWeightsOptions, expected: string) {
  const explicit = o.weightsPath ?? (process.env[WEIGHTS_ENV] || undefined);
  const path = explicit ?? join(o.cacheDir, FID_INCEPTION_FILE);
  const url = o.url ?? FID_INCEPTION_URL;
  if (existsSync(path)) return path;
  if (explicit || !o.download) throw notFound(path, !!explicit, url);
  await download(url, path, expected, o.fetch ?? fetch);
  return path;
}

/**
 * The FID Inception weights in TF.js layout: from the cache when the
 * expected hash is cached, else from the .pth (located, downloaded if
 * asked, hash-checked), converted and cached.
 */
export async function loadInceptionWeights(
  o: InceptionWeightsOptions,
): Promise<LoadedInceptionWeights> {
  const expected = expectedHash(o.sha256 ?? FID_INCEPTION_SHA256);
  const explicit = o.weightsPath ?? process.env[WEIGHTS_ENV];
  if (!explicit && expected.length === 64) {
    const cached = readCache(o.cacheDir, expected);
    if (cached) return cached;
  }
  const path = await locate(o, expected);
  const bytes = readFileSync(path);
  const sha = sha256Hex(bytes);
  checkHash(sha, expected, path);
  const cached = readCache(o.cacheDir, sha);
  if (cached) return cached;
  const weights = inceptionWeights(readStateDict(bytes));
  writeCache(o.cacheDir, sha, basename(path), weights);
  return { sha256: sha, weights, source: 'checkpoint', path };
}
