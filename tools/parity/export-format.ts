// Reads what export_authors.py writes: manifest.json plus one blob of
// little-endian float32 per network (format in README.md beside this
// file). Everything is checked on load; nothing is half-read.
import { readFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { sizeOf } from '@acsm/models';

export const EXPORT_FORMAT = 'acsm-parity-export';
export const EXPORT_VERSION = 1;

/**
 * How a PyTorch tensor is laid out: a conv weight [out, in, kh, kw], a
 * linear weight [out, in], anything else as is, or not known.
 */
export type TorchLayout = 'oihw' | 'oi' | 'plain' | 'unknown';

/** One tensor in a blob, at a byte offset. */
export interface ExportedTensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly offset: number;
}

/** A state_dict entry: a parameter or a buffer, with its layout. */
export interface StateTensor extends ExportedTensor {
  readonly kind: 'parameter' | 'buffer';
  readonly layout: TorchLayout;
}

/** A forward pass of theirs and what it left. */
export interface ExportedRun {
  readonly mode: ForwardMode;
  readonly output: ExportedTensor;
  /** Every buffer after the pass (BigGAN's SN u0 advance in 'train'). */
  readonly buffersAfter: readonly ExportedTensor[];
}

/** 'eval': model.eval() there, training false here; 'train': both on. */
export type ForwardMode = 'eval' | 'train';

/** One network of the export, as in manifest.json. */
export interface ExportedNetworkEntry {
  readonly id: string;
  readonly config: string;
  readonly role: string;
  readonly className: string;
  readonly seed: number;
  /** sum(p.numel() for p in model.parameters()). */
  readonly paramCount: number;
  readonly file: string;
  readonly byteLength: number;
  readonly state: readonly StateTensor[];
  /** The input, [N, C, H, W], values in [0, 1]. */
  readonly input: ExportedTensor;
  readonly runs: readonly ExportedRun[];
}

export interface ExportManifest {
  readonly format: string;
  readonly version: number;
  readonly dtype: string;
  readonly byteOrder: string;
  readonly torch: string;
  /** Optional modules of theirs replaced by empty stand-ins. */
  readonly standIns: readonly string[];
  readonly networks: readonly ExportedNetworkEntry[];
}

/** A network's entry with its blob, read. */
export interface ExportedNetwork {
  readonly entry: ExportedNetworkEntry;
  /** The values of one tensor of this network's blob. */
  read(tensor: ExportedTensor): Float32Array;
}

/** Reads and checks manifest.json of an export folder. */
export async function readExportManifest(dir: string): Promise<ExportManifest> {
  const path = join(dir, 'manifest.json');
  const manifest = JSON.parse(await readFile(path, 'utf8')) as ExportManifest;
  const { format, version, dtype, byteOrder } = manifest;
  const ok =
    format === EXPORT_FORMAT &&
    version === EXPORT_VERSION &&
    dtype === 'float32' &&
    byteOrder === 'little-endian' &&
    Array.isArray(manifest.networks);
  if (!ok) {
    throw new Error(
      `readExport: ${path} is not a ${EXPORT_FORMAT} v${EXPORT_VERSION} ` +
        `float32 little-endian manifest (format=${format}, ` +
        `version=${version}, dtype=${dtype}, byteOrder=${byteOrder})`,
    );
  }
  return manifest;
}

/** Reads the blob of network `id` of the export in dir, checked. */
export async function readExportedNetwork(
  dir: string,
  manifest: ExportManifest,
  id: string,
): Promise<ExportedNetwork> {
  const entry = manifest.networks.find((n) => n.id === id);
  if (entry === undefined) {
    const known = manifest.networks.map((n) => n.id).join(', ');
    throw new Error(`readExport: no network ${id} in ${dir} (has ${known})`);
  }
  if (endianness() !== 'LE') {
    throw new Error('readExport: needs a little-endian host');
  }
  const bytes = await readFile(join(dir, entry.file));
  if (bytes.byteLength !== entry.byteLength) {
    throw new Error(
      `readExport: ${entry.file} has ${bytes.byteLength} bytes, the ` +
        `manifest says ${entry.byteLength}`,
    );
  }
  // A private, 4-byte aligned copy: Float32Array views need alignment.
  const buffer = new Uint8Array(bytes).buffer;
  for (const t of allTensors(entry)) checkBounds(entry, t);
  return {
    entry,
    read: (t) => new Float32Array(buffer, t.offset, sizeOf(t.shape)),
  };
}

function allTensors(entry: ExportedNetworkEntry): ExportedTensor[] {
  const runs = entry.runs.flatMap((r) => [r.output, ...r.buffersAfter]);
  return [...entry.state, entry.input, ...runs];
}

function checkBounds(entry: ExportedNetworkEntry, t: ExportedTensor): void {
  const end = t.offset + 4 * sizeOf(t.shape);
  if (t.offset % 4 !== 0 || t.offset < 0 || end > entry.byteLength) {
    throw new Error(
      `readExport: ${entry.id}/${t.name} [${t.shape}] at byte ` +
        `${t.offset} lies outside ${entry.file} (${entry.byteLength} bytes)`,
    );
  }
}
