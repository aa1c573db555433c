// Crash-safe file writes for the file store. A whole-file write goes to a
// temporary file that is renamed over the target, so a reader sees the old
// file or the new one, never half of one. Metric appends are one write(2)
// with O_APPEND each, and a torn last line left by a crash is repaired
// before the next append.

import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import {
  copyFile,
  mkdir,
  open,
  readFile,
  readdir,
  rename,
  stat,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** The prefix of temporary files; readers of the store skip them. */
export const TEMP_PREFIX = '.acsm-tmp-';

export function isErrno(e: unknown, code: string): boolean {
  return (e as NodeJS.ErrnoException | null)?.code === code;
}

/**
 * Writes `target` through a temporary file in `tempDir` (on the same file
 * system) that `fill` writes, is fsynced, then renamed over the target: a
 * crash, even a power cut, leaves either the old file or the new one.
 */
async function commitThroughTemp(
  target: string,
  tempDir: string,
  fill: (temp: string) => Promise<void>,
): Promise<void> {
  const temp = join(tempDir, TEMP_PREFIX + randomUUID());
  try {
    await fill(temp);
    const fh = await open(temp, 'r+');
    await fh.sync().finally(() => fh.close());
    await mkdir(dirname(target), { recursive: true });
    await rename(temp, target);
  } catch (e) {
    await unlink(temp).catch(() => undefined);
    throw e;
  }
}

/** Replaces `target` by `data` atomically (see commitThroughTemp). */
export function writeFileAtomic(
  target: string,
  data: string | Uint8Array,
  tempDir: string,
): Promise<void> {
  return commitThroughTemp(target, tempDir, (temp) =>
    writeFile(temp, data, { flag: 'wx' }),
  );
}

/** Replaces `target` by a copy of `source` atomically. */
export function copyFileAtomic(
  source: string,
  target: string,
  tempDir: string,
): Promise<void> {
  return commitThroughTemp(target, tempDir, (temp) =>
    copyFile(source, temp, constants.COPYFILE_EXCL),
  );
}

/**
 * Appends complete lines (`text` ends with '\n') in one write. If the file
 * ends in a partial line, that line is completed when `isCompleteLine`
 * accepts it and cut off otherwise.
 */
export async function appendLines(
  path: string,
  text: string,
  isCompleteLine: (line: string) => boolean,
): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const fh = await open(
    path,
    constants.O_CREAT | constants.O_RDWR | constants.O_APPEND,
  );
  try {
    const prefix = await repairTail(fh, isCompleteLine);
    await fh.appendFile(prefix + text);
  } finally {
    await fh.close();
  }
}

const TAIL_BYTES = 4096;

/** '' when the file ends in '\n'; '\n' or a truncation otherwise. */
async function repairTail(
  fh: FileHandle,
  isCompleteLine: (line: string) => boolean,
): Promise<string> {
  const { size } = await fh.stat();
  if (size === 0) return '';
  const length = Math.min(size, TAIL_BYTES);
  const buf = Buffer.alloc(length);
  await fh.read(buf, 0, length, size - length);
  if (buf[length - 1] === 0x0a) return '';
  const cut = buf.lastIndexOf(0x0a);
  const tail = buf.subarray(cut + 1).toString('utf8');
  if (isCompleteLine(tail) || (cut < 0 && size > length)) return '\n';
  await fh.truncate(size - length + cut + 1);
  return '';
}

/** The file's text, or null when it does not exist. */
export async function readTextOrNull(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) return null;
    throw e;
  }
}

/** 'file', 'dir', or null when nothing is there. */
export async function pathKind(path: string): Promise<'file' | 'dir' | null> {
  try {
    return (await stat(path)).isDirectory() ? 'dir' : 'file';
  } catch (e) {
    if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) return null;
    throw e;
  }
}

/** Names of the sub-folders of `dir`; [] when it does not exist. */
export async function listSubdirs(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory()).map((e) => e.name);
  } catch (e) {
    if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) return [];
    throw e;
  }
}

/** Every file under `dir`, as `/`-separated relative paths, sorted. */
export async function walkFiles(dir: string, prefix = ''): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) return [];
    throw e;
  }
  const out: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith(TEMP_PREFIX)) continue;
    const rel = prefix + e.name;
    if (e.isDirectory())
      out.push(...(await walkFiles(join(dir, e.name), rel + '/')));
    else out.push(rel);
  }
  return out.sort();
}

export interface LockOptions {
  /** A lock file older than this is left by a crash and is broken. */
  staleMs?: number;
  /** Give up after this long. */
  timeoutMs?: number;
}

/** Runs `fn` while holding an exclusive lock file at `path`. */
export async function withLockFile<T>(
  path: string,
  fn: () => Promise<T>,
  { staleMs = 10_000, timeoutMs = 30_000 }: LockOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (!(await tryLock(path, staleMs))) {
    if (Date.now() > deadline) {
      throw new Error(`could not take the lock ${path} in ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 10 + Math.random() * 20));
  }
  try {
    return await fn();
  } finally {
    await unlink(path).catch(() => undefined);
  }
}

async function tryLock(path: string, staleMs: number): Promise<boolean> {
  try {
    const fh = await open(path, 'wx');
    await fh.writeFile(String(process.pid));
    await fh.close();
    return true;
  } catch (e) {
    if (!isErrno(e, 'EEXIST')) throw e;
  }
  try {
    if (Date.now() - (await stat(path)).mtimeMs > staleMs) await unlink(path);
  } catch (e) {
    if (!isErrno(e, 'ENOENT')) throw e;
  }
  return false;
}
