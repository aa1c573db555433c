/**
 * Test helper: runs tools/inception_golden.py under Debian's python3-torch
 * into a temporary folder and reads what it wrote. Tests that need it
 * skip, with the reason, where /usr/bin/python3 cannot import torch and
 * torchvision. Not exported from the package.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeNpz } from '../npz';

const PYTHON = '/usr/bin/python3';
const SCRIPT = join(
  dirname(fileURLToPath(import.meta.url)),
  '../../tools/inception_golden.py',
);

export interface GoldenManifest {
  arrays: Record<string, { shape: number[]; file: string }>;
  files: Record<string, { file: string; sha256: string }>;
  strides?: Record<string, number[]>;
  offsets?: Record<string, number>;
}

export interface Golden {
  readonly dir: string;
  readonly manifest: GoldenManifest;
  /** Seconds the script ran. */
  readonly seconds: number;
  array(name: string): { shape: number[]; values: Float32Array };
  path(file: string): string;
  remove(): void;
}

/** Why golden tests cannot run here, or undefined when they can. */
export function goldenUnavailable(): string | undefined {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  const r = spawnSync(PYTHON, ['-c', 'import torch, torchvision'], {
    encoding: 'utf8',
  });
  if (r.status === 0) return undefined;
  const last = (r.stderr ?? '').trim().split('\n').pop();
  return (
    `${PYTHON} lacks torch/torchvision (apt install python3-torch ` +
    `python3-torchvision): ${last}`
  );
}

/** Runs one command of the script ('network', 'resize', 'pickles'). */
export function runGolden(command: string): Golden {
  const dir = mkdtempSync(join(tmpdir(), `acsm-golden-${command}-`));
  const started = performance.now();
  const r = spawnSync(PYTHON, [SCRIPT, command, dir], { encoding: 'utf8' });
  if (r.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${SCRIPT} ${command} failed: ${r.stderr}`);
  }
  const seconds = (performance.now() - started) / 1000;
  const manifest = JSON.parse(
    readFileSync(join(dir, 'manifest.json'), 'utf8'),
  ) as GoldenManifest;
  return {
    dir,
    manifest,
    seconds,
    array(name) {
      const { shape, file } = manifest.arrays[name];
      const bytes = readFileSync(join(dir, file));
      const values = new Float32Array(
        bytes.buffer.slice(
          bytes.byteOffset,
          bytes.byteOffset + bytes.byteLength,
        ),
      );
      return { shape, values };
    },
    path: (file) => join(dir, file),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** max|a − b| / max|b|: the relative error of a against reference b. */
export function maxRelativeDiff(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
): number {
  if (a.length !== b.length) {
    throw new Error(`maxRelativeDiff: lengths ${a.length} and ${b.length}`);
  }
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

/** A ZIP archive of stored entries: the project's own writer's. */
export function storedZip(files: Record<string, Uint8Array>): Uint8Array {
  return writeNpz(files);
}
