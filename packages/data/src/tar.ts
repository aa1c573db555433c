// A small reader of tar archives (POSIX.1-1988 ustar, with the pax
// extended headers of POSIX.1-2001 and GNU long names), enough to unpack
// a dataset archive: regular files and directories only, every header
// checksum verified, no member may leave the folder it is extracted to.
import { posix } from 'node:path';

/** One member of an archive. */
export interface TarEntry {
  /** Relative path, '/'-separated, without '.' or '..' segments. */
  readonly name: string;
  readonly type: 'file' | 'directory';
  /** The member's bytes (a view into the archive); empty for folders. */
  readonly data: Uint8Array;
}

const BLOCK = 512;

/** Overrides carried from a pax 'x' or GNU 'L' header to the next. */
interface Pending {
  name?: string;
  size?: number;
}

const decoder = new TextDecoder('utf-8', { fatal: false });

/** A NUL-terminated string field of a header. */
function text(block: Uint8Array, start: number, length: number): string {
  const field = block.subarray(start, start + length);
  const end = field.indexOf(0);
  return decoder.decode(end < 0 ? field : field.subarray(0, end));
}

/** An octal number field (spaces and NULs around it are allowed). */
function octal(block: Uint8Array, start: number, length: number): number {
  const field = text(block, start, length).trim();
  return /^[0-7]+$/.test(field) ? parseInt(field, 8) : NaN;
}

/** Sum of the header bytes with the checksum field read as 8 spaces. */
function headerSums(block: Uint8Array): [number, number] {
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : block[i];
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return [unsigned, signed];
}

const isZero = (block: Uint8Array) => block.every((b) => b === 0);

/**
 * The member name made safe: relative, no '..' segment, no backslash
 * or NUL; '.' segments and a trailing '/' are dropped.
 */
export function safeMemberName(raw: string, where: string): string {
  const unsafe =
    raw.startsWith('/') ||
    raw.includes('\\') ||
    raw.includes('\0') ||
    /^[A-Za-z]:/.test(raw) ||
    raw.split('/').includes('..');
  const name = posix.normalize(raw).replace(/\/+$/, '');
  if (unsafe || name === '.' || name === '') {
    throw new Error(
      `${where}: member name ${JSON.stringify(raw)} is absolute, empty ` +
        `or leaves the extraction folder; refusing the archive`,
    );
  }
  return name;
}

/** Records "<length> <key>=<value>\n" of a pax extended header. */
function paxRecords(data: Uint8Array, where: string): Map<string, string> {
  const records = new Map<string, string>();
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    const length = Number(decoder.decode(data.subarray(pos, space)));
    const record = decoder.decode(data.subarray(pos, pos + length));
    const eq = record.indexOf('=');
    const ok =
      space > pos &&
      Number.isSafeInteger(length) &&
      pos + length <= data.length &&
      record.endsWith('\n') &&
      eq > space - pos;
    if (!ok) throw new Error(`${where}: malformed pax record at ${pos}`);
    records.set(record.slice(space - pos + 1, eq), record.slice(eq + 1, -1));
    pos += length;
  }
  return records;
}

function applyPax(pending: Pending, data: Uint8Array, where: string) {
  const records = paxRecords(data, where);
  const path = records.get('path');
  if (path !== undefined) pending.name = path;
  const size = records.get('size');
  if (size !== undefined) {
    if (!/^[0-9]+$/.test(size) || !Number.isSafeInteger(Number(size))) {
      throw new Error(`${where}: pax size ${JSON.stringify(size)} is invalid`);
    }
    pending.size = Number(size);
  }
}

/** Header fields of the block at `offset`, its checksum verified. */
function readHeader(block: Uint8Array, offset: number, archive: string) {
  const at = `${archive}: tar header at byte ${offset}`;
  const stored = octal(block, 148, 8);
  const sums = headerSums(block);
  if (!sums.includes(stored)) {
    throw new Error(
      `${at} has checksum ${Number.isNaN(stored) ? 'unreadable' : stored}, ` +
        `its bytes sum to ${sums[0]} (corrupt, or not a tar archive)`,
    );
  }
  if (text(block, 257, 6) !== 'ustar' && text(block, 257, 8) !== 'ustar  ') {
    throw new Error(`${at}: no ustar magic (not a POSIX or GNU tar)`);
  }
  const posixMagic = block[262] === 0;
  const prefix = posixMagic ? text(block, 345, 155) : '';
  const name = prefix
    ? `${prefix}/${text(block, 0, 100)}`
    : text(block, 0, 100);
  const size = octal(block, 124, 12);
  if (Number.isNaN(size)) {
    throw new Error(`${at} (${name}): size field is not an octal number`);
  }
  return { name, size, type: String.fromCharCode(block[156] || 0x30) };
}

const KINDS: Record<string, string> = {
  '1': 'hard link',
  '2': 'symbolic link',
  '3': 'character device',
  '4': 'block device',
  '6': 'FIFO',
};

/**
 * The members of an uncompressed tar archive, in order. `archive` names
 * the file in every error. Fails, naming the member or byte offset, on a
 * bad header checksum, a member that runs past the end (truncated), a
 * missing end-of-archive block, a link, device or FIFO, an unsafe or
 * repeated name.
 */
export function readTar(bytes: Uint8Array, archive: string): TarEntry[] {
  const entries: TarEntry[] = [];
  const seen = new Set<string>();
  let pending: Pending = {};
  let offset = 0;
  for (;;) {
    if (offset + BLOCK > bytes.length) {
      throw new Error(
        `${archive}: ends at byte ${bytes.length} inside or before the ` +
          `tar header at byte ${offset}, without the end-of-archive ` +
          `block (truncated)`,
      );
    }
    const block = bytes.subarray(offset, offset + BLOCK);
    if (isZero(block)) return entries;
    const header = readHeader(block, offset, archive);
    const name = pending.name ?? header.name;
    const size = pending.size ?? header.size;
    const start = offset + BLOCK;
    if (start + size > bytes.length) {
      throw new Error(
        `${archive}: member ${name} needs ${size} bytes from byte ` +
          `${start}, the archive ends after ${bytes.length - start} ` +
          `(truncated)`,
      );
    }
    const data = bytes.subarray(start, start + size);
    offset = start + Math.ceil(size / BLOCK) * BLOCK;
    const where = `${archive}: member ${name}`;
    switch (header.type) {
      case 'x':
        applyPax(pending, data, where);
        continue;
      case 'L':
        pending.name = text(data, 0, data.length);
        continue;
      case 'g':
      case 'K':
        continue;
    }
    pending = {};
    const entry = toEntry(header.type, name, data, where);
    if (seen.has(entry.name)) {
      throw new Error(`${where} appears twice in the archive`);
    }
    seen.add(entry.name);
    entries.push(entry);
  }
}

function toEntry(
  type: string,
  rawName: string,
  data: Uint8Array,
  where: string,
): TarEntry {
  const name = safeMemberName(rawName, where);
  if (type === '0' || type === '7') return { name, type: 'file', data };
  if (type === '5')
    return { name, type: 'directory', data: data.subarray(0, 0) };
  const kind = KINDS[type] ?? `member of type '${type}'`;
  throw new Error(
    `${where} is a ${kind}; only regular files and directories are read`,
  );
}
