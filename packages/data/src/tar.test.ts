import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTar, safeMemberName } from './tar';
import { findPython, pythonTar, type TarMember } from './testing/python-tar';

const skip = findPython() ? false : 'needs python3 (tarfile) to write tars';

/** Bytes of an uncompressed tar that Python's tarfile writes. */
function writeTar(
  members: TarMember[],
  format?: 'USTAR' | 'GNU' | 'PAX',
): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'acsm-tar-'));
  try {
    const out = join(dir, 'a.tar');
    pythonTar(out, members, { format, gzip: false });
    return new Uint8Array(readFileSync(out));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const bytesOf = (n: number, seed: number) =>
  Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) % 256);

const LONG = `${'deep/'.repeat(30)}file.bin`; // 156 characters

test('readTar: files and folders of the three formats', { skip }, () => {
  for (const format of ['USTAR', 'GNU', 'PAX'] as const) {
    const members: TarMember[] = [
      { name: 'top', type: 'dir' },
      { name: 'top/empty.bin', bytes: new Uint8Array(0) },
      { name: 'top/odd.bin', bytes: bytesOf(513, 1) },
      { name: './top/block.bin', bytes: bytesOf(1024, 2) },
      { name: LONG, bytes: bytesOf(7, 3) },
    ];
    const entries = readTar(writeTar(members, format), format);
    assert.deepEqual(
      entries.map((e) => [e.name, e.type, e.data.length]),
      [
        ['top', 'directory', 0],
        ['top/empty.bin', 'file', 0],
        ['top/odd.bin', 'file', 513],
        ['top/block.bin', 'file', 1024],
        [LONG, 'file', 7],
      ],
      format,
    );
    assert.deepEqual(entries[2].data, bytesOf(513, 1));
    assert.deepEqual(entries[3].data, bytesOf(1024, 2));
    assert.deepEqual(entries[4].data, bytesOf(7, 3));
  }
});

test('readTar: a corrupt header fails on its checksum', { skip }, () => {
  const tar = writeTar([{ name: 'a.bin', bytes: bytesOf(600, 0) }]);
  tar[3] ^= 0x01; // one bit of the name
  assert.throws(
    () => readTar(tar, 'x.tar'),
    /^Error: x\.tar: tar header at byte 0 has checksum \d+, its bytes sum to \d+ \(corrupt/,
  );
});

test('readTar: truncation names the member or the offset', { skip }, () => {
  const tar = writeTar([
    { name: 'a.bin', bytes: bytesOf(600, 0) },
    { name: 'b.bin', bytes: bytesOf(100, 0) },
  ]);
  assert.throws(
    () => readTar(tar.subarray(0, 1000), 'x.tar'),
    /x\.tar: member a\.bin needs 600 bytes from byte 512, the archive ends after 488 \(truncated\)/,
  );
  // cut after a.bin's data: b.bin's header is missing
  assert.throws(
    () => readTar(tar.subarray(0, 1536 + 100), 'x.tar'),
    /x\.tar: ends at byte 1636 inside or before the tar header at byte 1536.*\(truncated\)/,
  );
  // cut exactly after b.bin: no end-of-archive block
  assert.throws(
    () => readTar(tar.subarray(0, 2560), 'x.tar'),
    /ends at byte 2560 .*without the end-of-archive block/,
  );
});

test('readTar: refuses members outside the folder', { skip }, () => {
  for (const name of ['../evil.bin', 'ok/../../evil.bin', '/etc/evil']) {
    for (const format of ['GNU', 'PAX'] as const) {
      const tar = writeTar([{ name, bytes: bytesOf(3, 0) }], format);
      assert.throws(
        () => readTar(tar, 'x.tar'),
        /x\.tar: member .*evil.* is absolute, empty or leaves the extraction folder/,
        `${format} ${name}`,
      );
    }
  }
  // through a pax 'path' record too (a long name forces one)
  const pax = writeTar([{ name: `../${LONG}`, bytes: bytesOf(3, 0) }], 'PAX');
  assert.throws(() => readTar(pax, 'p.tar'), /leaves the extraction folder/);
});

test('readTar: links and repeated names are refused', { skip }, () => {
  const link = writeTar([{ name: 'l', symlink: '/etc/passwd' }]);
  assert.throws(
    () => readTar(link, 'x.tar'),
    /x\.tar: member l is a symbolic link; only regular files and directories/,
  );
  const twice = writeTar([
    { name: 'a', bytes: bytesOf(1, 0) },
    { name: './a', bytes: bytesOf(2, 0) },
  ]);
  assert.throws(() => readTar(twice, 'x.tar'), /member \.\/a appears twice/);
});

test('readTar: data that is not a tar fails on the first header', () => {
  assert.throws(
    () => readTar(bytesOf(2048, 5), 'noise.bin'),
    /noise\.bin: tar header at byte 0 has checksum unreadable/,
  );
  assert.throws(
    () => readTar(new Uint8Array(100), 'short.tar'),
    /short\.tar: ends at byte 100/,
  );
});

test('safeMemberName: normalises and refuses, with the raw name', () => {
  assert.equal(safeMemberName('./a//b/./c/', 'w'), 'a/b/c');
  for (const bad of ['', '.', '/', '..', 'a\\..\\b', 'C:x', 'a/..']) {
    const prefix = `w: member name ${JSON.stringify(bad)} is absolute`;
    assert.throws(
      () => safeMemberName(bad, 'w'),
      (e: Error) => e.message.startsWith(prefix),
      bad,
    );
  }
});
