// Checkpoints: a directory with manifest.json and one float32 blob per
// tensor group (score, ema, discriminator, optimizer.score.m, …). Written
// to a hidden temporary directory, then renamed into place. The format is
// described in README.md ("Checkpoint format").
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { endianness } from 'node:os';
import { basename, dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { FileHandle } from 'node:fs/promises';
import type { AnyNetwork, NetworkDescription } from './network';
import { paramShapes, sizeOf, type Params } from './params';

export const CHECKPOINT_FORMAT = 'acsm-checkpoint';
export const CHECKPOINT_VERSION = 1;
const MANIFEST = 'manifest.json';
const GROUP_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const MAX_LISTED = 8;

/** Tensors to save, by name; a Float32Array is saved with shape [length]. */
export type TensorGroup = Readonly<Record<string, tf.Tensor | Float32Array>>;

/** The networks of a run: the score network, and D in hybrid runs. */
export interface CheckpointNetworks {
  readonly score: NetworkDescription;
  readonly discriminator?: NetworkDescription;
  readonly [name: string]: NetworkDescription | undefined;
}

/** What `saveCheckpoint` writes; rng and metadata must be JSON data. */
export interface CheckpointData {
  /** Training iterations done. */
  readonly step: number;
  /** Hash of the experiment config the run was started with. */
  readonly configHash: string;
  readonly networks: CheckpointNetworks;
  /** RNG state, opaque to this package. */
  readonly rng: unknown;
  readonly groups: Readonly<Record<string, TensorGroup>>;
  readonly metadata?: unknown;
}

/** One tensor of a blob: name, shape, byte offset. */
export interface TensorEntry {
  readonly name: string;
  readonly shape: readonly number[];
  readonly offset: number;
}

/** One tensor group: its blob file, size, SHA-256 and tensors. */
export interface GroupEntry {
  readonly file: string;
  readonly byteLength: number;
  readonly sha256: string;
  readonly tensors: readonly TensorEntry[];
}

/** The JSON of manifest.json. */
export interface CheckpointManifest {
  readonly format: typeof CHECKPOINT_FORMAT;
  readonly version: typeof CHECKPOINT_VERSION;
  readonly step: number;
  readonly configHash: string;
  readonly networks: CheckpointNetworks;
  readonly rng: unknown;
  readonly metadata: unknown;
  readonly dtype: 'float32';
  readonly byteOrder: 'little-endian';
  readonly groups: Readonly<Record<string, GroupEntry>>;
}

/** A loaded tensor: shape and values (a view into its group's buffer). */
export interface StoredTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** A loaded tensor group. */
export type StoredGroup = Readonly<Record<string, StoredTensor>>;

/** A loaded checkpoint. */
export interface Checkpoint {
  readonly manifest: CheckpointManifest;
  readonly step: number;
  readonly configHash: string;
  readonly networks: CheckpointNetworks;
  readonly rng: unknown;
  readonly metadata: unknown;
  readonly groups: Readonly<Record<string, StoredGroup>>;
}

/** What the loader must find; every mismatch is named in one error. */
export interface CheckpointExpectation {
  readonly configHash?: string;
  /** Each listed network must be there with this kind and config. */
  readonly networks?: Readonly<Record<string, NetworkDescription>>;
  /** Groups that must be present. */
  readonly groups?: readonly string[];
}

/**
 * Saves a checkpoint directory at `path`, replacing one already there.
 * Crash-safe: everything is written and fsynced in a hidden sibling
 * directory, then renamed to `path`.
 */
export async function saveCheckpoint(
  path: string,
  data: CheckpointData,
): Promise<void> {
  checkHostByteOrder('saveCheckpoint');
  validateData(data);
  const parent = dirname(path);
  await fs.mkdir(parent, { recursive: true });
  const tmp = siblingPath(path, 'tmp');
  try {
    await writeCheckpointDir(tmp, data);
    await replaceDir(tmp, path);
  } catch (error) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw error;
  }
}

/** Reads and validates manifest.json only (no blobs). */
export async function readCheckpointManifest(
  path: string,
): Promise<CheckpointManifest> {
  let text: string;
  try {
    text = await fs.readFile(join(path, MANIFEST), 'utf8');
  } catch (error) {
    throw new Error(await missingMessage(path, error));
  }
  return parseManifest(JSON.parse(text), path);
}

/**
 * Loads a checkpoint; with `expected`, first fails with every mismatch of
 * config hash, network kinds and configs, and required groups.
 */
export async function loadCheckpoint(
  path: string,
  expected: CheckpointExpectation = {},
): Promise<Checkpoint> {
  checkHostByteOrder('loadCheckpoint');
  const manifest = await readCheckpointManifest(path);
  checkCheckpoint(manifest, expected, path);
  const groups: Record<string, StoredGroup> = {};
  for (const [name, entry] of Object.entries(manifest.groups)) {
    groups[name] = await readGroup(path, name, entry);
  }
  const { step, configHash, networks, rng, metadata } = manifest;
  return { manifest, step, configHash, networks, rng, metadata, groups };
}

/** Fails with every way the manifest differs from `expected`. */
export function checkCheckpoint(
  manifest: CheckpointManifest,
  expected: CheckpointExpectation,
  path = 'checkpoint',
): void {
  const problems: string[] = [];
  const hash = expected.configHash;
  if (hash !== undefined && hash !== manifest.configHash) {
    problems.push(
      `config hash differs: checkpoint ${manifest.configHash}, ` +
        `expected ${hash}`,
    );
  }
  for (const [name, want] of Object.entries(expected.networks ?? {})) {
    problems.push(...networkProblems(name, manifest.networks[name], want));
  }
  for (const group of expected.groups ?? []) {
    if (!(group in manifest.groups)) {
      problems.push(`group ${group} missing from the checkpoint`);
    }
  }
  if (problems.length > 0) {
    throw new Error(`loadCheckpoint(${path}): ${problems.join('; ')}`);
  }
}

/**
 * Fails unless the group holds exactly the names and shapes given,
 * listing the missing and extra names and every shape difference.
 */
export function checkGroup(
  shapes: Readonly<Record<string, readonly number[]>>,
  group: StoredGroup,
  label: string,
): void {
  const missing = Object.keys(shapes).filter((n) => !(n in group));
  const extra = Object.keys(group).filter((n) => !(n in shapes));
  const differ = Object.keys(shapes)
    .filter((n) => n in group && !sameShape(shapes[n], group[n].shape))
    .map((n) => `${n} checkpoint [${group[n].shape}] vs [${shapes[n]}]`);
  const problems = [
    listed('missing from the checkpoint', missing),
    listed('not in the network', extra),
    listed('shape differs', differ),
  ].filter((p) => p !== '');
  if (problems.length > 0) {
    throw new Error(
      `${label}: checkpoint does not match: ${problems.join('; ')}`,
    );
  }
}

/** Writes a stored group into existing variables after `checkGroup`. */
export function restoreParams(
  params: Params,
  group: StoredGroup,
  label: string,
): void {
  checkGroup(paramShapes(params), group, label);
  for (const [name, v] of Object.entries(params)) {
    const { data, shape } = group[name];
    tf.tidy(() => v.assign(tf.tensor(data, [...shape], 'float32')));
  }
}

/** New variables for `network` from a stored group, after `checkGroup`. */
export function paramsFromGroup(
  network: AnyNetwork,
  group: StoredGroup,
  label: string,
): Params {
  checkGroup(paramShapes(network), group, label);
  const params: Params = {};
  for (const spec of network.specs()) {
    const { data } = group[spec.name];
    const value = tf.tensor(data, [...spec.shape], 'float32');
    params[spec.name] = tf.variable(value, spec.trainable);
    value.dispose();
  }
  return params;
}

// ---- writing ----

async function writeCheckpointDir(
  dir: string,
  data: CheckpointData,
): Promise<void> {
  await fs.mkdir(dir);
  const groups: Record<string, GroupEntry> = {};
  for (const [name, group] of Object.entries(data.groups)) {
    groups[name] = await writeGroup(dir, name, group);
  }
  const manifest: CheckpointManifest = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    step: data.step,
    configHash: data.configHash,
    networks: data.networks,
    rng: data.rng,
    metadata: data.metadata ?? null,
    dtype: 'float32',
    byteOrder: 'little-endian',
    groups,
  };
  const text = `${JSON.stringify(manifest, null, 2)}\n`;
  await writeSynced(join(dir, MANIFEST), new TextEncoder().encode(text));
}

async function writeGroup(
  dir: string,
  name: string,
  group: TensorGroup,
): Promise<GroupEntry> {
  const file = `${name}.f32`;
  const handle = await fs.open(join(dir, file), 'wx');
  const hash = createHash('sha256');
  const tensors: TensorEntry[] = [];
  let offset = 0;
  try {
    for (const [tensorName, value] of Object.entries(group)) {
      const { shape, data } = await float32Of(value, `${name}/${tensorName}`);
      const bytes = new Uint8Array(
        data.buffer,
        data.byteOffset,
        data.byteLength,
      );
      await writeAll(handle, bytes);
      hash.update(bytes);
      tensors.push({ name: tensorName, shape, offset });
      offset += bytes.byteLength;
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  return { file, byteLength: offset, sha256: hash.digest('hex'), tensors };
}

async function float32Of(
  value: tf.Tensor | Float32Array,
  where: string,
): Promise<{ shape: number[]; data: Float32Array }> {
  if (value instanceof Float32Array) {
    return { shape: [value.length], data: value };
  }
  if (value.dtype !== 'float32') {
    throw new Error(
      `saveCheckpoint: ${where} must be float32, got ${value.dtype}`,
    );
  }
  return {
    shape: [...value.shape],
    data: (await value.data()) as Float32Array,
  };
}

async function writeAll(handle: FileHandle, bytes: Uint8Array) {
  let done = 0;
  while (done < bytes.byteLength) {
    const { bytesWritten } = await handle.write(bytes, done);
    done += bytesWritten;
  }
}

async function writeSynced(file: string, bytes: Uint8Array): Promise<void> {
  const handle = await fs.open(file, 'wx');
  try {
    await writeAll(handle, bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Moves tmp to path; an old checkpoint there is moved aside first. */
async function replaceDir(tmp: string, path: string): Promise<void> {
  const old = siblingPath(path, 'old');
  let movedAside = false;
  try {
    await fs.rename(path, old);
    movedAside = true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await fs.rename(tmp, path);
  await syncDir(dirname(path));
  if (movedAside) await fs.rm(old, { recursive: true, force: true });
}

/** fsync of a directory entry; not every platform allows it. */
async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await fs.open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // NOTE: best effort: Windows cannot open a directory for fsync.
  }
}

function siblingPath(path: string, what: 'tmp' | 'old'): string {
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  return join(dirname(path), `.${basename(path)}.${what}-${tag}`);
}

// ---- reading ----

async function readGroup(
  path: string,
  name: string,
  entry: GroupEntry,
): Promise<StoredGroup> {
  const file = join(path, entry.file);
  const buffer = new ArrayBuffer(entry.byteLength);
  const bytes = new Uint8Array(buffer);
  const handle = await fs.open(file, 'r');
  try {
    const { size } = await handle.stat();
    if (size !== entry.byteLength) {
      throw new Error(
        `loadCheckpoint: ${file} has ${size} bytes, manifest says ` +
          `${entry.byteLength}`,
      );
    }
    await readAll(handle, bytes);
  } finally {
    await handle.close();
  }
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== entry.sha256) {
    throw new Error(`loadCheckpoint: ${file} is corrupt (SHA-256 differs)`);
  }
  return viewTensors(buffer, name, entry);
}

async function readAll(handle: FileHandle, bytes: Uint8Array) {
  let done = 0;
  while (done < bytes.byteLength) {
    const { bytesRead } = await handle.read(
      bytes,
      done,
      bytes.byteLength - done,
      done,
    );
    if (bytesRead === 0) throw new Error('loadCheckpoint: file truncated');
    done += bytesRead;
  }
}

function viewTensors(
  buffer: ArrayBuffer,
  name: string,
  entry: GroupEntry,
): StoredGroup {
  const group: Record<string, StoredTensor> = {};
  for (const t of entry.tensors) {
    const length = sizeOf(t.shape);
    const fits =
      t.offset % 4 === 0 && t.offset + 4 * length <= buffer.byteLength;
    if (!fits) {
      throw new Error(
        `loadCheckpoint: ${name}/${t.name} [${t.shape}] at byte ` +
          `${t.offset} lies outside ${entry.file}`,
      );
    }
    group[t.name] = {
      shape: t.shape,
      data: new Float32Array(buffer, t.offset, length),
    };
  }
  return group;
}

// ---- validation ----

function validateData(data: CheckpointData): void {
  if (!Number.isSafeInteger(data.step) || data.step < 0) {
    throw new Error(
      `saveCheckpoint: step must be an integer >= 0, got ${data.step}`,
    );
  }
  if (typeof data.configHash !== 'string') {
    throw new Error('saveCheckpoint: configHash must be a string');
  }
  if (!data.networks?.score) {
    throw new Error('saveCheckpoint: networks.score is required');
  }
  for (const name of Object.keys(data.groups)) {
    if (!GROUP_NAME.test(name)) {
      throw new Error(
        `saveCheckpoint: group name '${name}' must match ${GROUP_NAME}`,
      );
    }
  }
  for (const field of ['networks', 'rng', 'metadata'] as const) {
    if (
      data[field] !== undefined &&
      JSON.stringify(data[field]) === undefined
    ) {
      throw new Error(`saveCheckpoint: ${field} must be JSON data`);
    }
  }
}

function parseManifest(json: unknown, path: string): CheckpointManifest {
  const m = json as Partial<CheckpointManifest> | null;
  if (m === null || typeof m !== 'object' || m.format !== CHECKPOINT_FORMAT) {
    throw new Error(`loadCheckpoint(${path}): not an ${CHECKPOINT_FORMAT}`);
  }
  if (m.version !== CHECKPOINT_VERSION) {
    throw new Error(
      `loadCheckpoint(${path}): format version ${m.version}, this code ` +
        `reads version ${CHECKPOINT_VERSION}`,
    );
  }
  if (typeof m.groups !== 'object' || m.groups === null || !m.networks) {
    throw new Error(
      `loadCheckpoint(${path}): manifest lacks groups or networks`,
    );
  }
  return m as CheckpointManifest;
}

function networkProblems(
  name: string,
  found: NetworkDescription | undefined,
  want: NetworkDescription,
): string[] {
  if (found === undefined) {
    return [`network ${name} missing from the checkpoint`];
  }
  if (found.kind !== want.kind) {
    const kinds = `${found.kind} in the checkpoint, expected ${want.kind}`;
    return [`network ${name}: kind ${kinds}`];
  }
  const diffs = jsonDiff(found.config, want.config, 'config');
  return diffs.length === 0
    ? []
    : [`network ${name} (${want.kind}): ${listed('', diffs)}`];
}

/** Paths where two JSON values differ, as "path: a vs b". */
export function jsonDiff(a: unknown, b: unknown, path: string): string[] {
  const isObj = (x: unknown) => typeof x === 'object' && x !== null;
  if (isObj(a) && isObj(b) && Array.isArray(a) === Array.isArray(b)) {
    const ra = a as Record<string, unknown>;
    const rb = b as Record<string, unknown>;
    const keys = [...new Set([...Object.keys(ra), ...Object.keys(rb)])];
    return keys.flatMap((k) => jsonDiff(ra[k], rb[k], `${path}.${k}`));
  }
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  return [
    `${path}: checkpoint ${JSON.stringify(a)}, expected ${JSON.stringify(b)}`,
  ];
}

function listed(title: string, items: readonly string[]): string {
  if (items.length === 0) return '';
  const shown = items.slice(0, MAX_LISTED).join(', ');
  const more =
    items.length > MAX_LISTED ? ` and ${items.length - MAX_LISTED} more` : '';
  return title === '' ? `${shown}${more}` : `${title}: ${shown}${more}`;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function checkHostByteOrder(op: string): void {
  if (endianness() !== 'LE') {
    throw new Error(`${op}: blobs are little-endian; this host is big-endian`);
  }
}

async function missingMessage(path: string, error: unknown): Promise<string> {
  const code = (error as NodeJS.ErrnoException).code;
  let hint = '';
  if (code === 'ENOENT') {
    const entries = await fs.readdir(dirname(path)).catch(() => [] as string[]);
    const aside = entries.filter((e) =>
      e.startsWith(`.${basename(path)}.old-`),
    );
    if (aside.length > 0) {
      hint = `; an interrupted save left the old one at ${aside.join(', ')}`;
    }
  }
  const reason = code ?? String(error);
  return `loadCheckpoint: no checkpoint at ${path} (${reason})${hint}`;
}
