/**
 * A minimal reader of ZIP archives held in memory, enough for PyTorch
 * checkpoints: the central directory (with its ZIP64 variant, which
 * PyTorch always writes), stored and deflated entries. No encryption, no
 * multi-disk archives. Offsets follow PKWARE's APPNOTE.TXT (6.3.x),
 * sections 4.3.7 (local header), 4.3.12 (central header), 4.3.14–16 (end
 * records) and 4.5.3 (ZIP64 extra field).
 */
import { inflateRawSync } from 'node:zlib';

/** One file of the archive, as its central directory lists it. */
export interface ZipEntry {
  readonly name: string;
  /** 0 stored, 8 deflated. */
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localHeaderOffset: number;
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_END = 0x06054b50;
const SIG_END64 = 0x06064b50;
const SIG_LOCATOR64 = 0x07064b50;
const END_SIZE = 22;
const MAX_COMMENT = 0xffff;

/** Whether the bytes start as a ZIP archive does (a local header). */
export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && view(bytes).getUint32(0, true) === SIG_LOCAL;
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function u64(v: DataView, at: number): number {
  const x = v.getBigUint64(at, true);
  if (x > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new Error(`zip: a 64-bit field at byte ${at} is too large (${x})`);
  }
  return Number(x);
}

function truncated(what: string, need: number, have: number): Error {
  return new Error(
    `zip: archive truncated or corrupt: ${what} needs byte ${need}, ` +
      `the data hold ${have}`,
  );
}

/** Position of the end-of-central-directory record, searched from the end. */
function findEnd(v: DataView): number {
  const last = v.byteLength - END_SIZE;
  const first = Math.max(0, last - MAX_COMMENT);
  for (let at = last; at >= first; at--) {
    if (v.getUint32(at, true) === SIG_END) return at;
  }
  throw new Error(
    `zip: no end-of-central-directory record in ${v.byteLength} bytes ` +
      '(not a ZIP archive, or truncated)',
  );
}

/** Entry count and central directory extent, from the (ZIP64) end record. */
function centralDirectory(v: DataView) {
  const end = findEnd(v);
  const locator = end - 20;
  if (locator >= 0 && v.getUint32(locator, true) === SIG_LOCATOR64) {
    const end64 = u64(v, locator + 8);
    if (end64 + 56 > locator || v.getUint32(end64, true) !== SIG_END64) {
      throw new Error(`zip: bad ZIP64 end record at byte ${end64}`);
    }
    return {
      count: u64(v, end64 + 32),
      size: u64(v, end64 + 40),
      offset: u64(v, end64 + 48),
      end: end64,
    };
  }
  return {
    count: v.getUint16(end + 10, true),
    size: v.getUint32(end + 12, true),
    offset: v.getUint32(end + 16, true),
    end,
  };
}

/** Sizes and offset, replaced from the ZIP64 extra field where saturated. */
function zip64Fields(
  v: DataView,
  extra: number,
  extraEnd: number,
  fields: { size: number; compressedSize: number; offset: number },
) {
  const out = { ...fields };
  for (let at = extra; at + 4 <= extraEnd; ) {
    const id = v.getUint16(at, true);
    const length = v.getUint16(at + 2, true);
    let p = at + 4;
    if (id === 0x0001) {
      for (const key of ['size', 'compressedSize', 'offset'] as const) {
        if (fields[key] !== 0xffffffff) continue;
        if (p + 8 > at + 4 + length) {
          throw new Error('zip: ZIP64 extra field too short');
        }
        out[key] = u64(v, p);
        p += 8;
      }
    }
    at += 4 + length;
  }
  return out;
}

/** The entries of the archive, in central directory order. */
export function readZipDirectory(bytes: Uint8Array): ZipEntry[] {
  const v = view(bytes);
  const dir = centralDirectory(v);
  if (dir.offset + dir.size > dir.end) {
    throw truncated('the central directory', dir.offset + dir.size, dir.end);
  }
  const entries: ZipEntry[] = [];
  const decoder = new TextDecoder();
  let at = dir.offset;
  for (let i = 0; i < dir.count; i++) {
    if (at + 46 > dir.end || v.getUint32(at, true) !== SIG_CENTRAL) {
      throw new Error(`zip: central header ${i} not found at byte ${at}`);
    }
    const nameLength = v.getUint16(at + 28, true);
    const extraLength = v.getUint16(at + 30, true);
    const commentLength = v.getUint16(at + 32, true);
    const nameStart = at + 46;
    const extra = nameStart + nameLength;
    const fields = zip64Fields(v, extra, extra + extraLength, {
      compressedSize: v.getUint32(at + 20, true),
      size: v.getUint32(at + 24, true),
      offset: v.getUint32(at + 42, true),
    });
    entries.push({
      name: decoder.decode(bytes.subarray(nameStart, extra)),
      method: v.getUint16(at + 10, true),
      compressedSize: fields.compressedSize,
      size: fields.size,
      localHeaderOffset: fields.offset,
    });
    at = extra + extraLength + commentLength;
  }
  return entries;
}

/** The uncompressed bytes of one entry (a view into `bytes` if stored). */
export function readZipEntry(bytes: Uint8Array, entry: ZipEntry): Uint8Array {
  const v = view(bytes);
  const at = entry.localHeaderOffset;
  if (at + 30 > bytes.length) {
    throw truncated(entry.name, at + 30, bytes.length);
  }
  if (v.getUint32(at, true) !== SIG_LOCAL) {
    throw new Error(`zip: no local header for ${entry.name} at byte ${at}`);
  }
  const start =
    at + 30 + v.getUint16(at + 26, true) + v.getUint16(at + 28, true);
  const end = start + entry.compressedSize;
  if (end > bytes.length) throw truncated(entry.name, end, bytes.length);
  const out = inflate(entry, bytes.subarray(start, end));
  if (out.length !== entry.size) {
    throw new Error(
      `zip: ${entry.name} holds ${out.length} bytes, the directory says ` +
        `${entry.size}`,
    );
  }
  return out;
}

function inflate(entry: ZipEntry, raw: Uint8Array): Uint8Array {
  switch (entry.method) {
    case 0:
      return raw;
    case 8:
      return new Uint8Array(inflateRawSync(raw));
    default:
      throw new Error(
        `zip: ${entry.name} uses compression method ${entry.method}; ` +
          'only 0 (stored) and 8 (deflate) are supported',
      );
  }
}
