// A read-only walk over the main database of an LMDB file (the 0.9 data
// format, version 1, little-endian, 64-bit page numbers: what LMDB 0.9
// writes on x86-64 and ARM64). It reads data.mdb with positioned reads and
// never opens, creates or writes lock.mdb, so a dataset folder on a
// read-only disk works and nothing is written next to the data.
//
// Layout (lmdb.h / mdb.c of LMDB 0.9): every page starts with a 16-byte
// header (page number u64, pad u16, flags u16, then lower u16 and upper
// u16, or for an overflow page the page count u32). Pages 0 and 1 hold
// the two meta records; the one with the larger transaction id is
// current. A branch or leaf page lists node offsets (u16) after its
// header; a node is (lo u16, hi u16, flags u16, key size u16, key, data).
// In a leaf, lo | hi << 16 is the data size and the data follows the key,
// or, with F_BIGDATA, the data sits in overflow pages whose number (u64)
// follows the key. In a branch, lo | hi << 16 | flags << 32 is the child.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

const HEADER = 16;
const MAGIC = 0xbeefc0de;
const DATA_VERSION = 1;
const P_BRANCH = 0x01;
const P_LEAF = 0x02;
const P_OVERFLOW = 0x04;
const P_META = 0x08;
const F_BIGDATA = 0x01;
const F_SUBDATA = 0x02;
const F_DUPDATA = 0x04;
const MDB_DUPSORT = 0x04;
/** Offset of the main database record (mm_dbs[1]) in a meta page. */
const MAIN_DB = HEADER + 24 + 48;
/** All-ones page number: the database is empty. */
const NO_PAGE = 2 ** 64 - 1;
/** Bytes of a meta page that are read: header, meta record to the txnid. */
const META_BYTES = HEADER + 136;

/** An open data.mdb: its current meta record and file descriptor. */
export interface LmdbFile {
  readonly path: string;
  readonly fd: number;
  readonly fileSize: number;
  readonly pageSize: number;
  /** Number of entries the current meta record announces. */
  readonly entries: number;
  readonly depth: number;
  /** Root page of the main database, or undefined when it is empty. */
  readonly root: number | undefined;
  readonly lastPage: number;
  readonly txnid: number;
}

/** One entry in key order; `value` reads the data (one positioned read). */
export interface LmdbEntry {
  readonly key: Uint8Array;
  /** Length of the value in bytes. */
  readonly size: number;
  value(): Uint8Array;
}

function fail(path: string, what: string): never {
  throw new Error(`LMDB ${path}: ${what}`);
}

function readAt(db: LmdbFile, position: number, length: number): Uint8Array {
  if (position + length > db.fileSize) {
    fail(
      db.path,
      `needs bytes up to ${position + length} but the file has ` +
        `${db.fileSize} (truncated?)`,
    );
  }
  const out = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const n = readSync(db.fd, out, done, length - done, position + done);
    if (n === 0) fail(db.path, `unexpected end of file at ${position + done}`);
    done += n;
  }
  return out;
}

const u64 = (v: DataView, at: number) =>
  v.getUint32(at, true) + v.getUint32(at + 4, true) * 2 ** 32;

interface Meta {
  pageSize: number;
  flags: number;
  entries: number;
  depth: number;
  root: number;
  lastPage: number;
  txnid: number;
}

function parseMeta(path: string, page: Uint8Array, index: number): Meta {
  const v = new DataView(page.buffer, page.byteOffset, page.byteLength);
  const magic = v.getUint32(HEADER, true);
  if (magic !== MAGIC) {
    fail(
      path,
      `meta page ${index} has magic 0x${magic.toString(16)}, expected ` +
        `0x${MAGIC.toString(16)} (not an LMDB data file, or corrupt)`,
    );
  }
  const version = v.getUint32(HEADER + 4, true);
  if (version !== DATA_VERSION) {
    fail(path, `data format version ${version}; only version 1 is read`);
  }
  if ((v.getUint16(10, true) & P_META) === 0) {
    fail(path, `page ${index} is not flagged as a meta page`);
  }
  return {
    pageSize: v.getUint32(HEADER + 24, true),
    flags: v.getUint16(MAIN_DB + 4, true),
    depth: v.getUint16(MAIN_DB + 6, true),
    entries: u64(v, MAIN_DB + 32),
    root: u64(v, MAIN_DB + 40),
    lastPage: u64(v, MAIN_DB + 48),
    txnid: u64(v, MAIN_DB + 56),
  };
}

function checkMeta(path: string, fileSize: number, m: Meta): void {
  if (m.flags & MDB_DUPSORT) {
    fail(path, 'the main database is DUPSORT; only plain keys are read');
  }
  const needed = (m.lastPage + 1) * m.pageSize;
  if (fileSize < needed) {
    fail(
      path,
      `${fileSize} bytes, but its last page ${m.lastPage} of ` +
        `${m.pageSize} bytes ends at ${needed}: the file is truncated`,
    );
  }
}

/** Opens data.mdb read-only and picks the current meta record. */
export function openLmdb(path: string): LmdbFile {
  const fd = openSync(path, 'r');
  try {
    const fileSize = fstatSync(fd).size;
    const probe = { path, fd, fileSize } as LmdbFile;
    if (fileSize < 2 * META_BYTES) {
      fail(path, `${fileSize} bytes, too short for the meta pages`);
    }
    const first = parseMeta(path, readAt(probe, 0, META_BYTES), 0);
    const ps = first.pageSize;
    if (ps < 512 || ps > 65536 || (ps & (ps - 1)) !== 0) {
      fail(path, `page size ${ps} is not a power of two in [512, 65536]`);
    }
    const second = parseMeta(path, readAt(probe, ps, META_BYTES), 1);
    const m = second.txnid > first.txnid ? second : first;
    checkMeta(path, fileSize, m);
    const root = m.root === NO_PAGE ? undefined : m.root;
    return { ...probe, ...m, pageSize: ps, root };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

export function closeLmdb(db: LmdbFile): void {
  closeSync(db.fd);
}

interface Page {
  readonly number: number;
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly flags: number;
  readonly count: number;
}

function readPage(db: LmdbFile, number: number): Page {
  if (number < 2 || number > db.lastPage) {
    fail(db.path, `page number ${number} outside [2, ${db.lastPage}]`);
  }
  const bytes = readAt(db, number * db.pageSize, db.pageSize);
  const view = new DataView(bytes.buffer);
  const stored = u64(view, 0);
  if (stored !== number) {
    fail(db.path, `page ${number} says it is page ${stored} (corrupt)`);
  }
  const flags = view.getUint16(10, true);
  const lower = view.getUint16(12, true);
  const upper = view.getUint16(14, true);
  if (lower < HEADER || lower > upper || upper > db.pageSize) {
    fail(db.path, `page ${number} has bounds ${lower}..${upper} (corrupt)`);
  }
  return { number, bytes, view, flags, count: (lower - HEADER) >> 1 };
}

interface Node {
  readonly lo: number;
  readonly flags: number;
  readonly key: Uint8Array;
  /** Offset of the node's data (after the key) in the page. */
  readonly data: number;
}

function nodeAt(db: LmdbFile, page: Page, i: number): Node {
  const at = page.view.getUint16(HEADER + 2 * i, true);
  const outside = () =>
    fail(db.path, `page ${page.number} node ${i} lies outside the page`);
  if (at < HEADER || at + 8 > db.pageSize) outside();
  const keySize = page.view.getUint16(at + 6, true);
  if (at + 8 + keySize > db.pageSize) outside();
  const lo =
    page.view.getUint16(at, true) + page.view.getUint16(at + 2, true) * 65536;
  const flags = page.view.getUint16(at + 4, true);
  const key = page.bytes.slice(at + 8, at + 8 + keySize);
  return { lo, flags, key, data: at + 8 + keySize };
}

function overflowValue(db: LmdbFile, first: number, size: number) {
  if (first < 2 || first > db.lastPage) {
    fail(db.path, `overflow page ${first} outside [2, ${db.lastPage}]`);
  }
  const bytes = readAt(db, first * db.pageSize, HEADER + size);
  const view = new DataView(bytes.buffer);
  const pages = view.getUint32(12, true);
  if (
    u64(view, 0) !== first ||
    (view.getUint16(10, true) & P_OVERFLOW) === 0 ||
    pages * db.pageSize < HEADER + size
  ) {
    fail(db.path, `overflow page ${first} is not a run of ${size} bytes`);
  }
  return bytes.subarray(HEADER);
}

function leafEntry(db: LmdbFile, page: Page, i: number): LmdbEntry {
  const node = nodeAt(db, page, i);
  const { key, lo: size, flags, data } = node;
  const where = () => `page ${page.number} key ${hexOrText(key)}`;
  if (flags & (F_SUBDATA | F_DUPDATA)) {
    fail(db.path, `${where()} is a sub-database or duplicate list`);
  }
  if (flags & F_BIGDATA) {
    if (data + 8 > db.pageSize) fail(db.path, `${where()} is cut short`);
    const first = u64(page.view, data);
    return { key, size, value: () => overflowValue(db, first, size) };
  }
  if (data + size > db.pageSize) {
    fail(db.path, `${where()}: ${size}-byte value overruns the page`);
  }
  const inline = page.bytes.slice(data, data + size);
  return { key, size, value: () => inline };
}

/** A key as text when it is printable ASCII, else as hex. */
export function hexOrText(key: Uint8Array): string {
  const printable = key.every((b) => b >= 0x20 && b < 0x7f);
  return printable
    ? String.fromCharCode(...key)
    : `0x${Buffer.from(key).toString('hex')}`;
}

function checkLeaf(db: LmdbFile, page: Page, level: number): void {
  if ((page.flags & P_LEAF) === 0) {
    const flags = `0x${page.flags.toString(16)}`;
    fail(db.path, `page ${page.number} has flags ${flags}, not a leaf`);
  }
  if (level !== db.depth) {
    fail(db.path, `leaf page ${page.number} at level ${level} of ${db.depth}`);
  }
}

function childPage(db: LmdbFile, page: Page, i: number): number {
  const node = nodeAt(db, page, i);
  return node.lo + node.flags * 2 ** 32;
}

/**
 * The entries of the main database in B-tree order, which is the order
 * of an LMDB cursor (byte order of the keys with the default comparator).
 * Checks every page it visits and, at the end, the announced count.
 */
export function* lmdbEntries(db: LmdbFile): Generator<LmdbEntry> {
  if (db.root === undefined) return;
  const stack: { page: Page; next: number }[] = [];
  let seen = 0;
  let page = readPage(db, db.root);
  for (;;) {
    if (page.flags & P_BRANCH) {
      if (stack.length + 1 >= db.depth) {
        fail(db.path, `page ${page.number}: branch below depth ${db.depth}`);
      }
      stack.push({ page, next: 1 });
      page = readPage(db, childPage(db, page, 0));
      continue;
    }
    checkLeaf(db, page, stack.length + 1);
    for (let i = 0; i < page.count; i++) {
      seen++;
      yield leafEntry(db, page, i);
    }
    while (stack.length > 0 && stack.at(-1)!.next >= stack.at(-1)!.page.count) {
      stack.pop();
    }
    const top = stack.at(-1);
    if (top === undefined) break;
    page = readPage(db, childPage(db, top.page, top.next++));
  }
  if (seen !== db.entries) {
    fail(db.path, `walked ${seen} entries, the meta page says ${db.entries}`);
  }
}
