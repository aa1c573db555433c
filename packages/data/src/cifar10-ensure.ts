// Making CIFAR-10 available locally: the extracted batches if present,
// else the archive in the data folder, else (when allowed) a download
// from the canonical address. The archive's MD5 is checked before it is
// opened; it is extracted into a temporary folder that is renamed into
// place only when every batch file has been checked.
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import {
  mkdir,
  mkdtemp,
  readFile,
  rename,
  rm,
  writeFile,
} from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import {
  CIFAR10_ARCHIVE,
  CIFAR10_ARCHIVE_MD5,
  CIFAR10_BATCH_RECORDS,
  CIFAR10_DIR,
  CIFAR10_MANIFEST,
  CIFAR10_RECORD_BYTES,
  CIFAR10_URL,
  cifar10Files,
  cifar10MissingMessage,
  cifar10Root,
  readCifar10Manifest,
} from './cifar10';
import { downloadVerified, fileMd5 } from './download';
import { readTar, type TarEntry } from './tar';

/** What `ensureCifar10` is doing, for a progress bar. */
export interface Cifar10Progress {
  /** download: receiving; check: MD5 of a local archive; extract. */
  readonly phase: 'download' | 'check' | 'extract';
  readonly bytes: number;
  readonly totalBytes?: number;
}

export interface EnsureCifar10Options {
  /** Folder that holds (or will hold) cifar-10-batches-bin/ and the
   * archive; default: env ACSM_DATA_DIR. */
  readonly dir?: string;
  /** Download the archive when neither it nor the batches are there
   * (default false: fail with how to provide the data). */
  readonly download?: boolean;
  /** Default CIFAR10_URL; tests serve a small archive. */
  readonly url?: string;
  /** MD5 the archive must have; default CIFAR10_ARCHIVE_MD5. */
  readonly md5?: string;
  /** Records expected per batch file (default 10 000; tests use fewer). */
  readonly recordsPerBatch?: number;
  readonly onProgress?: (progress: Cifar10Progress) => void;
  readonly signal?: AbortSignal;
}

/** Where CIFAR-10 comes from, for a dry run or a run's tags. */
export interface Cifar10Source {
  /** extracted: ready to load; archive: in the folder, not extracted;
   * missing: neither (download or provide it). */
  readonly state: 'extracted' | 'archive' | 'missing';
  /** state === 'extracted'. */
  readonly present: boolean;
  /** The batch folder, the archive, or the URL it would come from. */
  readonly path: string;
  readonly url: string;
  /** The published MD5 of the archive. */
  readonly md5: string;
  /** sha256 per extracted file, from SHA256SUMS (written at extraction;
   * absent for a folder extracted by other means). */
  readonly sha256?: Readonly<Record<string, string>>;
  /** How to provide the data when it is missing. */
  readonly hint?: string;
}

/**
 * Where CIFAR-10 would be read from under `dir` (or ACSM_DATA_DIR),
 * without reading the batches or hashing the archive.
 */
export function describeCifar10Source(
  dir?: string,
  url = CIFAR10_URL,
  md5 = CIFAR10_ARCHIVE_MD5,
): Cifar10Source {
  const root = cifar10Root(dir);
  const source = { url, md5 };
  const folder = root === undefined ? undefined : join(root, CIFAR10_DIR);
  if (folder !== undefined && existsSync(folder)) {
    const sha256 = readCifar10Manifest(folder);
    const state = 'extracted' as const;
    return { ...source, state, present: true, path: folder, sha256 };
  }
  const archive = root === undefined ? undefined : join(root, CIFAR10_ARCHIVE);
  if (archive !== undefined && existsSync(archive)) {
    return { ...source, state: 'archive', present: false, path: archive };
  }
  const hint = cifar10MissingMessage(root);
  return { ...source, state: 'missing', present: false, path: url, hint };
}

/**
 * Makes cifar-10-batches-bin/ exist under `dir` (or ACSM_DATA_DIR): kept
 * as it is if present; else extracted from the archive in that folder
 * (its MD5 checked first); else, with `download: true`, the archive is
 * downloaded from `url` (through a temporary name, MD5 checked) and
 * extracted. Fails with how to provide the data otherwise. Writes no
 * output; progress leaves through `onProgress`.
 */
export async function ensureCifar10(
  options: EnsureCifar10Options = {},
): Promise<Cifar10Source> {
  const { url = CIFAR10_URL, md5 = CIFAR10_ARCHIVE_MD5 } = options;
  checkOptions(options, md5);
  const root = cifar10Root(options.dir);
  const before = describeCifar10Source(root, url, md5);
  if (before.state === 'extracted') return before;
  if (root === undefined || (before.state === 'missing' && !options.download)) {
    throw new Error(`ensureCifar10: ${cifar10MissingMessage(root)}`);
  }
  const archive = join(root, CIFAR10_ARCHIVE);
  if (before.state === 'missing') {
    await mkdir(root, { recursive: true });
    const onProgress = (bytes: number, totalBytes?: number) =>
      options.onProgress?.({ phase: 'download', bytes, totalBytes });
    const { signal } = options;
    await downloadVerified({ url, dest: archive, md5, onProgress, signal });
  } else {
    await checkArchive(archive, md5, options);
  }
  await extractCifar10(archive, root, options);
  return describeCifar10Source(root, url, md5);
}

function checkOptions(options: EnsureCifar10Options, md5: string): void {
  const records = options.recordsPerBatch ?? CIFAR10_BATCH_RECORDS;
  if (!Number.isSafeInteger(records) || records < 1) {
    throw new Error(
      `ensureCifar10: recordsPerBatch must be an integer >= 1, got ${records}`,
    );
  }
  if (!/^[0-9a-f]{32}$/.test(md5)) {
    throw new Error(`ensureCifar10: md5 must be 32 hex digits, got ${md5}`);
  }
}

async function checkArchive(
  archive: string,
  md5: string,
  options: EnsureCifar10Options,
): Promise<void> {
  const totalBytes = statSync(archive).size;
  options.onProgress?.({ phase: 'check', bytes: 0, totalBytes });
  const got = await fileMd5(archive);
  if (got !== md5) {
    throw new Error(
      `ensureCifar10: ${archive} has MD5 ${got}, the published MD5 is ` +
        `${md5}: damaged or not the published archive; delete it and ` +
        `download it again`,
    );
  }
  options.onProgress?.({ phase: 'check', bytes: totalBytes, totalBytes });
}

/** The archive's members, gunzipped and parsed (all in memory). */
async function readArchive(archive: string): Promise<TarEntry[]> {
  let tar: Uint8Array;
  try {
    tar = await promisify(gunzip)(await readFile(archive));
  } catch (error) {
    throw new Error(
      `ensureCifar10: ${archive} is not a complete gzip stream ` +
        `(${(error as Error).message})`,
    );
  }
  return readTar(tar, archive);
}

/**
 * Each of the six batch files must be a member of the right size whose
 * every record starts with a label 0..9.
 */
function checkBatches(
  entries: TarEntry[],
  archive: string,
  records: number,
): void {
  const byName = new Map(entries.map((e) => [e.name, e]));
  const expected = records * CIFAR10_RECORD_BYTES;
  for (const file of [...cifar10Files('train'), ...cifar10Files('test')]) {
    const name = `${CIFAR10_DIR}/${file}`;
    const entry = byName.get(name);
    const what = `ensureCifar10: ${archive}: member ${name}`;
    if (entry?.type !== 'file') {
      throw new Error(`${what} is missing (not the CIFAR-10 binary archive?)`);
    }
    if (entry.data.length !== expected) {
      throw new Error(
        `${what} has ${entry.data.length} bytes, expected ${expected} ` +
          `(${records} records of ${CIFAR10_RECORD_BYTES} bytes)`,
      );
    }
    for (let i = 0; i < records; i++) {
      const label = entry.data[i * CIFAR10_RECORD_BYTES];
      if (label > 9) {
        throw new Error(`${what}: record ${i} has label ${label}, not 0..9`);
      }
    }
  }
}

const sha256 = (data: Uint8Array) =>
  createHash('sha256').update(data).digest('hex');

/** Writes the members under `into`, plus SHA256SUMS in the batch folder. */
async function writeMembers(
  entries: TarEntry[],
  into: string,
  options: EnsureCifar10Options,
): Promise<void> {
  const totalBytes = entries.reduce((s, e) => s + e.data.length, 0);
  let bytes = 0;
  const sums: string[] = [];
  for (const entry of entries) {
    const path = join(into, entry.name);
    if (entry.type === 'directory') {
      await mkdir(path, { recursive: true });
      continue;
    }
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, entry.data);
    if (dirname(entry.name) === CIFAR10_DIR) {
      sums.push(
        `${sha256(entry.data)}  ${entry.name.slice(CIFAR10_DIR.length + 1)}\n`,
      );
    }
    bytes += entry.data.length;
    options.onProgress?.({ phase: 'extract', bytes, totalBytes });
  }
  await writeFile(join(into, CIFAR10_DIR, CIFAR10_MANIFEST), sums.join(''));
}

/**
 * Extracts `archive` into root/cifar-10-batches-bin through a temporary
 * folder in `root`, renamed into place once every batch file is checked;
 * nothing is left behind on failure. Holds the decompressed archive in
 * memory (185 MB for CIFAR-10).
 */
async function extractCifar10(
  archive: string,
  root: string,
  options: EnsureCifar10Options,
): Promise<void> {
  const records = options.recordsPerBatch ?? CIFAR10_BATCH_RECORDS;
  const entries = await readArchive(archive);
  checkBatches(entries, archive, records);
  const tmp = await mkdtemp(join(root, `.${CIFAR10_DIR}.partial-`));
  try {
    await writeMembers(entries, tmp, options);
    await rename(join(tmp, CIFAR10_DIR), join(root, CIFAR10_DIR)).catch(
      (error) => {
        // another process may have finished the same extraction first
        if (!existsSync(join(root, CIFAR10_DIR))) throw error;
      },
    );
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
