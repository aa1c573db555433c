import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateRawSync } from 'node:zlib';
import { storedZip } from './testing';
import { isZip, readZipDirectory, readZipEntry } from './zip';

const a = Buffer.from('first entry');
const b = Buffer.from('second');

test('readZipDirectory / readZipEntry: stored entries round-trip', () => {
  const zip = storedZip({ 'x/a.txt': a, 'x/data/0': b });
  assert.ok(isZip(zip));
  const entries = readZipDirectory(zip);
  assert.deepEqual(
    entries.map((e) => [e.name, e.method, e.size]),
    [
      ['x/a.txt', 0, a.length],
      ['x/data/0', 0, b.length],
    ],
  );
  assert.deepEqual(Buffer.from(readZipEntry(zip, entries[0])), a);
  assert.deepEqual(Buffer.from(readZipEntry(zip, entries[1])), b);
});

test('readZipEntry: a deflated entry is inflated', () => {
  const text = Buffer.from('abc'.repeat(100));
  const packed = deflateRawSync(text);
  const zip = Buffer.from(storedZip({ t: packed }));
  zip.writeUInt16LE(8, 8); // local header: method 8
  const central = zip.length - 22 - 47;
  zip.writeUInt16LE(8, central + 10);
  zip.writeUInt32LE(text.length, central + 24);
  const [entry] = readZipDirectory(zip);
  assert.equal(entry.method, 8);
  assert.deepEqual(Buffer.from(readZipEntry(zip, entry)), text);
});

test('readZipDirectory: truncated archives fail with a clear error', () => {
  const zip = storedZip({ 'x/a.txt': a, 'x/data/0': b });
  assert.throws(
    () => readZipDirectory(zip.subarray(0, zip.length - 5)),
    new RegExp(
      'no end-of-central-directory record in \\d+ bytes ' +
        '\\(not a ZIP archive, or truncated\\)',
    ),
  );
  // Directory intact, data cut: the entry's bytes run past the end.
  const entries = readZipDirectory(zip);
  assert.throws(
    () => readZipEntry(zip.subarray(0, 40), entries[1]),
    /archive truncated or corrupt: x\/data\/0 needs byte \d+, the data hold 40/,
  );
  assert.equal(isZip(new Uint8Array([0x80, 2])), false);
});
