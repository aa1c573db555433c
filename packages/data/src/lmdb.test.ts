import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeLmdb, hexOrText, lmdbEntries, openLmdb } from './lmdb';
import { pythonLacks, runPython } from './testing/python';

// Writes LMDB folders with python-lmdb under argv[1] and prints, for
// each, the stat and [key hex, value length, value sha256] in cursor
// order. 'deep': 300-byte keys (few per page, so depth 3), values from 0
// bytes to 9 kB (inline and overflow pages), two write transactions with
// deletes and overwrites. 'empty': no entries. 'named': a named
// database. (python-lmdb cannot make a DUPSORT main database; the test
// sets that flag in a copy's meta pages.)
const FIXTURES = String.raw`
import hashlib, json, os, sys
import lmdb
out = sys.argv[1]
result = {}

def dump(name, env):
    with env.begin() as txn:
        rows = [[k.hex(), len(v), hashlib.sha256(v).hexdigest()]
                for k, v in txn.cursor()]
        result[name] = {'stat': txn.stat(), 'rows': rows}

def make(name, **kw):
    path = os.path.join(out, name)
    os.makedirs(path)
    return lmdb.open(path, map_size=1 << 26, **kw)

env = make('deep')
def key(i):
    return hashlib.sha1(b'%d' % i).hexdigest().encode() * 7 + b'%05d' % i
with env.begin(write=True) as txn:
    for i in range(400):
        n = (i * 131) % 9000
        txn.put(key(i), bytes((i * 7 + j) % 251 for j in range(n)))
with env.begin(write=True) as txn:
    for i in range(0, 400, 9):
        txn.delete(key(i))
    for i in range(1, 400, 10):
        txn.put(key(i), b'overwritten %d' % i)
    txn.put(b'empty value', b'')
dump('deep', env)
env.close()

env = make('empty')
dump('empty', env)
env.close()

env = make('named', max_dbs=2)
sub = env.open_db(b'sub')
with env.begin(write=True) as txn:
    txn.put(b'k', b'v', db=sub)
env.close()
print(json.dumps(result))
`;

interface Fixture {
  stat: { depth: number; entries: number; overflow_pages: number };
  rows: [string, number, string][];
}

const lacks = pythonLacks(['lmdb']);

/** [key hex, length, sha256] of every entry as lmdbEntries reads them. */
function readAll(path: string): [string, number, string][] {
  const db = openLmdb(path);
  try {
    return [...lmdbEntries(db)].map((e) => {
      const value = e.value();
      assert.equal(value.length, e.size);
      const sha = createHash('sha256').update(value).digest('hex');
      return [Buffer.from(e.key).toString('hex'), e.size, sha];
    });
  } finally {
    closeLmdb(db);
  }
}

describe('LMDB files written by python-lmdb', { skip: lacks }, () => {
  let root = '';
  let fixtures: Record<string, Fixture>;
  const data = (name: string) => join(root, name, 'data.mdb');
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'acsm-lmdb-'));
    fixtures = JSON.parse(runPython(FIXTURES, [root]));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  /** A copy of data.mdb of `name` to damage. */
  function copy(name: string): string {
    const dir = join(root, `copy-${name}-${Math.random()}`);
    mkdirSync(dir);
    copyFileSync(data(name), join(dir, 'data.mdb'));
    return join(dir, 'data.mdb');
  }

  test('depth 3, inline and overflow values, in cursor order', () => {
    const { stat, rows } = fixtures['deep'];
    assert.equal(stat.depth, 3);
    assert.ok(stat.overflow_pages > 0);
    const db = openLmdb(data('deep'));
    assert.equal(db.entries, stat.entries);
    assert.equal(db.depth, 3);
    closeLmdb(db);
    const got = readAll(data('deep'));
    assert.equal(got.length, 360); // 400 − 45 deleted + 4 re-put + 1
    assert.deepEqual(got, rows);
    assert.ok(got.some((r) => r[1] === 0));
    assert.ok(got.some((r) => r[1] > 8000));
  });

  test('reading writes nothing next to data.mdb', () => {
    const file = copy('deep');
    readAll(file);
    assert.deepEqual(readdirSync(join(file, '..')), ['data.mdb']);
  });

  test('an empty database has no entries', () => {
    assert.deepEqual(readAll(data('empty')), fixtures['empty'].rows);
    assert.equal(fixtures['empty'].rows.length, 0);
  });

  test('named and DUPSORT databases are refused', () => {
    assert.throws(() => readAll(data('named')), /key sub is a sub-database/);
    const dup = copy('deep');
    const bytes = readFileSync(dup);
    // md_flags of the main database record, in both meta pages
    for (const meta of [0, 4096]) bytes[meta + 16 + 72 + 4] |= 0x04;
    writeFileSync(dup, bytes);
    assert.throws(() => readAll(dup), /main database is DUPSORT/);
  });

  test('truncation, garbage and a damaged page fail naming the file', () => {
    const cut = copy('deep');
    truncateSync(cut, 40 * 4096);
    assert.throws(
      () => openLmdb(cut),
      (e: Error) =>
        e.message.startsWith(`LMDB ${cut}: 163840 bytes, but its last page`) &&
        e.message.endsWith('the file is truncated'),
    );
    const stub = copy('deep');
    truncateSync(stub, 100);
    assert.throws(() => openLmdb(stub), /100 bytes, too short/);
    const junk = copy('deep');
    writeFileSync(junk, Buffer.alloc(3 * 4096, 7));
    assert.throws(() => openLmdb(junk), /magic 0x7070707, expected 0xbeefc0de/);
    const bad = copy('deep');
    const bytes = readFileSync(bad);
    const db = openLmdb(bad);
    const root = db.root!;
    closeLmdb(db);
    bytes[root * 4096] ^= 0x40; // the root page's own page number
    writeFileSync(bad, bytes);
    assert.throws(
      () => readAll(bad),
      new RegExp(`page ${root} says it is page ${root ^ 0x40}`),
    );
  });
});

test('hexOrText: printable keys as text, others as hex', () => {
  assert.equal(hexOrText(new Uint8Array([0x61, 0x2f, 0x30])), 'a/0');
  assert.equal(hexOrText(new Uint8Array([0x00, 0xff])), '0x00ff');
});
