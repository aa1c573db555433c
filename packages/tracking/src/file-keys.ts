// Reading and writing the small files of the file store: meta.yaml, and
// folders of one file per key (params, tags) where a `/` in a key makes a
// sub-folder.

import { join } from 'node:path';
import { TrackingError } from './errors';
import { META } from './file-layout';
import { readTextOrNull, walkFiles, writeFileAtomic } from './fs-util';
import type { KeyValue } from './types';
import { emitYaml, parseYaml } from './yaml';
import type { YamlValue } from './yaml';

export function keyPath(folder: string, key: string): string {
  return join(folder, ...key.split('/'));
}

export function keyValues(record: Record<string, string>): KeyValue[] {
  return Object.entries(record).map(([key, value]) => ({ key, value }));
}

/**
 * Writes one file per key, raw value, no trailing newline; in parallel, so
 * the fsyncs overlap. For a key given twice the last value wins.
 */
export async function writeKeyFiles(
  folder: string,
  entries: KeyValue[],
  tempDir: string,
): Promise<void> {
  const byKey = new Map(entries.map((e) => [e.key, e.value]));
  await Promise.all(
    [...byKey].map(([key, value]) =>
      writeFileAtomic(keyPath(folder, key), value, tempDir),
    ),
  );
}

/** Every key file under `folder` with its raw value. */
export async function readKeyFiles(
  folder: string,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const key of await walkFiles(folder)) {
    out[key] = (await readTextOrNull(keyPath(folder, key))) ?? '';
  }
  return out;
}

/** The fields of `<dir>/meta.yaml`; null when there is none. */
export async function readMeta(
  dir: string,
): Promise<Record<string, YamlValue> | null> {
  const path = join(dir, META);
  const text = await readTextOrNull(path);
  if (text === null) return null;
  try {
    return parseYaml(text);
  } catch (e) {
    const message = `${path}: ${(e as Error).message}`;
    throw new TrackingError('INTERNAL_ERROR', message);
  }
}

/** Replaces `<dir>/meta.yaml` atomically. */
export function writeMeta(
  dir: string,
  fields: Record<string, YamlValue>,
): Promise<void> {
  return writeFileAtomic(join(dir, META), emitYaml(fields), dir);
}
