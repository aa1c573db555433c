/**
 * NumPy's .npz files: ZIP archives of .npy members (numpy.savez, stored;
 * numpy.savez_compressed, deflated). Read with the ZIP reader of the
 * Inception weights loader; written uncompressed, with CRC-32s, so that
 * numpy.load and Python's zipfile read them.
 */
import { readZipDirectory, readZipEntry } from './inception/zip';
import { NpyArray, parseNpy } from './npy';

/** An archive's members: arrays by name ('mu' for mu.npy), other files. */
export interface NpzContents {
  readonly arrays: ReadonlyMap<string, NpyArray>;
  /** Members whose name does not end in .npy, by full name. */
  readonly files: ReadonlyMap<string, Uint8Array>;
}

/** The archive's entries and their bytes; ZIP errors name the file. */
function members(bytes: Uint8Array, label: string) {
  try {
    return readZipDirectory(bytes).map((entry) => ({
      name: entry.name,
      data: readZipEntry(bytes, entry),
    }));
  } catch (error) {
    throw new Error(
      `npz: ${label} is not a readable .npz (ZIP) archive: ` +
        `${(error as Error).message}`,
    );
  }
}

/** Reads every member; `label` (the path) names the file in errors. */
export function readNpz(bytes: Uint8Array, label: string): NpzContents {
  const arrays = new Map<string, NpyArray>();
  const files = new Map<string, Uint8Array>();
  for (const { name, data } of members(bytes, label)) {
    if (name.endsWith('.npy')) {
      const key = name.slice(0, -4);
      arrays.set(key, parseNpy(data, `${label}[${key}]`));
    } else {
      files.set(name, data);
    }
  }
  return { arrays, files };
}

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/**
 * CRC-32 of ISO 3309 / ITU-T V.42 (reflected polynomial 0xEDB88320), the
 * checksum of ZIP entries (APPNOTE.TXT 4.4.7), by table lookup.
 */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) {
    c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  }
  return (c ^ 0xffffffff) >>> 0;
}

const MAX_32 = 0xffffffff;
const DOS_DATE_1980 = (0 << 9) | (1 << 5) | 1; // 1980-01-01, as zipfile

/** Local header (APPNOTE.TXT 4.3.7) or central header (4.3.12). */
function entryHeader(
  central: boolean,
  name: Buffer,
  data: Uint8Array,
  offset: number,
): Buffer {
  const h = Buffer.alloc(central ? 46 : 30);
  let at = 0;
  h.writeUInt32LE(central ? 0x02014b50 : 0x04034b50, at);
  at += 4;
  if (central) {
    h.writeUInt16LE(20, at); // made by: version 2.0
    at += 2;
  }
  h.writeUInt16LE(20, at); // version needed to extract
  h.writeUInt16LE(0, at + 2); // flags
  h.writeUInt16LE(0, at + 4); // method: stored
  h.writeUInt16LE(0, at + 6); // time
  h.writeUInt16LE(DOS_DATE_1980, at + 8);
  h.writeUInt32LE(crc32(data), at + 10);
  h.writeUInt32LE(data.length, at + 14);
  h.writeUInt32LE(data.length, at + 18);
  h.writeUInt16LE(name.length, at + 22);
  if (central) h.writeUInt32LE(offset, 42); // disk, attributes left at 0
  return h;
}

/**
 * A ZIP archive of stored members, in the given order (numpy.savez's
 * layout without compression). Members and the archive must each stay
 * under 4 GiB: ZIP64 records are not written.
 */
export function writeNpz(members: Record<string, Uint8Array>): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const [file, data] of Object.entries(members)) {
    const name = Buffer.from(file, 'utf8');
    parts.push(entryHeader(false, name, data, offset), name, data);
    central.push(entryHeader(true, name, data, offset), name);
    offset += 30 + name.length + data.length;
  }
  const size = central.reduce((s, b) => s + b.length, 0);
  if (offset + size > MAX_32) {
    throw new Error(
      `writeNpz: ${offset + size} bytes is more than a ZIP without ZIP64 ` +
        'records can hold',
    );
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(central.length / 2, 8);
  end.writeUInt16LE(central.length / 2, 10);
  end.writeUInt32LE(size, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, ...central, end]);
}
