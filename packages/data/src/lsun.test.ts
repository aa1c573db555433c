import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
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
import {
  describeLsunSource,
  gatherLsun,
  loadLsun,
  LSUN_LMDB_DIR,
  type LsunDataset,
  type LsunProgress,
} from './lsun';
import { pythonLacks, runPython } from './testing/python';

// Writes, under argv[1]: lsun/church_outdoor_train_lmdb (python-lmdb,
// WebP values written by PIL, 40-hex-digit keys like the official
// export's, inserted out of key order), folder/ (PNG, JPEG, a grey JPEG,
// an RGBA PNG, a nested folder, a text file), and for each source the
// expected keys, identity, content checksum and pixels: torchvision's
// Resize(64) + CenterCrop(64) + ToTensor restated with PIL (size
// int(64 * long / short), bilinear resize, crop at round((H - 64) / 2)).
const FIXTURES = String.raw`
import hashlib, io, json, os, struct, sys
import numpy as np
import lmdb
from PIL import Image
out = sys.argv[1]

def picture(w, h, seed):
    r = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    a = np.stack([x * 255.0 / w, y * 255.0 / h,
                  128 + 90 * np.sin((x + 2 * y) / 9.0)], -1)
    a = a + r.normal(0, 25, a.shape)
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))

def encode(im, fmt, **kw):
    b = io.BytesIO(); im.save(b, fmt, **kw); return b.getvalue()

def transform(data):
    im = Image.open(io.BytesIO(data)).convert('RGB')
    w, h = im.size
    nw, nh = (64, int(64 * h / w)) if w <= h else (int(64 * w / h), 64)
    im = im.resize((nw, nh), Image.BILINEAR)
    top, left = int(round((nh - 64) / 2.0)), int(round((nw - 64) / 2.0))
    im = im.crop((left, top, left + 64, top + 64))
    return np.asarray(im, dtype=np.float32) / np.float32(255)

def record(name, kind, pairs):
    ident = hashlib.sha256(('lsun-%s\n' % kind).encode())
    content = hashlib.sha256()
    for k, v in pairs:
        ident.update(('%s %d\n' % (json.dumps(k), len(v))).encode())
        kb = k.encode()
        content.update(struct.pack('<I', len(kb)) + kb)
        content.update(struct.pack('<I', len(v)) + v)
    np.stack([transform(v) for _, v in pairs]).tofile(
        os.path.join(out, name + '.f32'))
    return {'keys': [k for k, _ in pairs], 'identity': ident.hexdigest(),
            'content': content.hexdigest()}

sizes = [(341, 256), (256, 341), (300, 300), (50, 40), (257, 190), (64, 97)]
db_dir = os.path.join(out, 'lsun', 'church_outdoor_train_lmdb')
os.makedirs(db_dir)
env = lmdb.open(db_dir, map_size=1 << 26)
with env.begin(write=True) as txn:
    for i, (w, h) in enumerate(sizes):
        key = hashlib.sha1(('church %d' % i).encode()).hexdigest()
        txn.put(key.encode(), encode(picture(w, h, i), 'WEBP', quality=80))
with env.begin() as txn:
    pairs = [(k.decode(), bytes(v)) for k, v in txn.cursor()]
env.close()
os.remove(os.path.join(db_dir, 'lock.mdb'))

folder = os.path.join(out, 'folder')
os.makedirs(os.path.join(folder, 'b', 'c'))
files = {
    'b/c/z.png': encode(picture(90, 70, 10), 'PNG'),
    'a.jpg': encode(picture(120, 64, 11), 'JPEG', quality=90),
    'b/grey.jpeg': encode(picture(70, 80, 12).convert('L'), 'JPEG'),
    'B.webp': encode(picture(65, 66, 13), 'WEBP', quality=70),
    'alpha.PNG': encode(picture(80, 80, 14).convert('RGBA'), 'PNG'),
}
for name, data in files.items():
    with open(os.path.join(folder, name), 'wb') as f: f.write(data)
with open(os.path.join(folder, 'notes.txt'), 'w') as f: f.write('not an image')
fpairs = sorted(files.items(), key=lambda kv: kv[0].encode())
json.dump({'lmdb': record('lmdb', 'lmdb', pairs),
           'folder': record('folder', 'folder', fpairs)},
          open(os.path.join(out, 'expected.json'), 'w'))
`;

// torchvision's own LSUN class with the authors' transform over the same
// LMDB (run in the temp folder: the class writes a key cache to the cwd).
const TORCHVISION = String.raw`
import os, sys, numpy as np
import torchvision.transforms as T
from torchvision.datasets import LSUN
os.chdir(sys.argv[1])
t = T.Compose([T.Resize(64), T.CenterCrop(64), T.ToTensor()])
ds = LSUN(os.path.join(sys.argv[1], 'lsun'),
          classes=['church_outdoor_train'], transform=t)
x = np.stack([ds[i][0].permute(1, 2, 0).numpy() for i in range(len(ds))])
x.astype(np.float32).tofile(os.path.join(sys.argv[1], 'torchvision.f32'))
`;

interface Expected {
  keys: string[];
  identity: string;
  content: string;
}

const lacks = pythonLacks(['lmdb', 'PIL', 'numpy']);
const lacksTorchvision = lacks || pythonLacks(['torchvision']);

let root = '';
let expected: Record<'lmdb' | 'folder', Expected>;
const lmdbDir = () => join(root, 'lsun', LSUN_LMDB_DIR);
const reference = (name: string) =>
  new Float32Array(
    new Uint8Array(readFileSync(join(root, `${name}.f32`))).buffer,
  );

/** Max |ours − reference| over all values, ours as ToTensor floats. */
function maxDifference(ds: LsunDataset, ref: Float32Array): number {
  const all = Array.from({ length: ds.shape[0] }, (_, i) => i);
  const { images } = gatherLsun(ds, all);
  assert.equal(images.length, ref.length);
  let max = 0;
  for (let i = 0; i < ref.length; i++) {
    max = Math.max(max, Math.abs(images[i] - ref[i]));
  }
  return max;
}

function freshDir(name: string): string {
  const dir = join(root, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A copy of the fixture LMDB folder, to damage. */
function copyLmdb(name: string): string {
  const dir = freshDir(name);
  copyFileSync(join(lmdbDir(), 'data.mdb'), join(dir, 'data.mdb'));
  return dir;
}

describe(
  'LSUN on files written by python-lmdb and PIL',
  { skip: lacks },
  () => {
    before(() => {
      root = mkdtempSync(join(tmpdir(), 'acsm-lsun-'));
      runPython(FIXTURES, [root]);
      expected = JSON.parse(readFileSync(join(root, 'expected.json'), 'utf8'));
    });
    after(() => rmSync(root, { recursive: true, force: true }));

    test('describe: path, count and identity, without a lock file', () => {
      const info = describeLsunSource({ path: join(root, 'lsun') });
      assert.deepEqual(info, {
        kind: 'lmdb',
        path: lmdbDir(),
        count: 6,
        checksum: expected.lmdb.identity,
        bytes: info.bytes,
      });
      assert.ok(info.bytes > 6 * 500);
      assert.deepEqual(readdirSync(lmdbDir()), ['data.mdb']);
      const folder = describeLsunSource({ path: join(root, 'folder') });
      assert.equal(folder.kind, 'folder');
      assert.equal(folder.count, 5);
      assert.equal(folder.checksum, expected.folder.identity);
    });

    test('ACSM_DATA_DIR/lsun is the default place', () => {
      const saved = process.env['ACSM_DATA_DIR'];
      try {
        process.env['ACSM_DATA_DIR'] = root;
        assert.equal(describeLsunSource().path, lmdbDir());
      } finally {
        if (saved === undefined) delete process.env['ACSM_DATA_DIR'];
        else process.env['ACSM_DATA_DIR'] = saved;
      }
    });

    test('LMDB: key order, checksums, pixels as PIL', async () => {
      const ds = await loadLsun({ path: lmdbDir(), cacheDir: false });
      assert.deepEqual(ds.shape, [6, 64, 64, 3]);
      assert.deepEqual(ds.keys, expected.lmdb.keys);
      assert.deepEqual([...ds.keys], [...ds.keys].sort());
      assert.equal(ds.sourceChecksum, expected.lmdb.content);
      assert.equal(ds.sourceIdentity, expected.lmdb.identity);
      assert.equal(ds.source, 'lsun:church_outdoor_train_lmdb');
      assert.equal(ds.cacheFile, undefined);
      // measured: 0 (decoding and resizing match PIL byte for byte)
      assert.ok(maxDifference(ds, reference('lmdb')) <= 1 / 255 + 1e-7);
      assert.equal(maxDifference(ds, reference('lmdb')), 0);
    });

    test(
      'LMDB: equal to torchvision LSUN with the authors transform',
      { skip: lacksTorchvision },
      async () => {
        runPython(TORCHVISION, [root]);
        const ds = await loadLsun({ path: lmdbDir(), cacheDir: false });
        assert.equal(maxDifference(ds, reference('torchvision')), 0);
      },
    );

    test('folder: byte order of paths, grey and alpha, pixels', async () => {
      const ds = await loadLsun({
        path: join(root, 'folder'),
        cacheDir: false,
      });
      assert.deepEqual(ds.keys, [
        'B.webp',
        'a.jpg',
        'alpha.PNG',
        'b/c/z.png',
        'b/grey.jpeg',
      ]);
      assert.deepEqual(ds.keys, expected.folder.keys);
      assert.equal(ds.sourceChecksum, expected.folder.content);
      assert.equal(ds.source, 'lsun:folder');
      assert.equal(maxDifference(ds, reference('folder')), 0);
    });

    test('cache: written once, read back, rebuilt if damaged', async () => {
      const cacheDir = freshDir('cache');
      const phases: LsunProgress[] = [];
      const onProgress = (p: LsunProgress) => phases.push(p);
      const first = await loadLsun({ path: lmdbDir(), cacheDir, onProgress });
      assert.equal(first.fromCache, false);
      assert.deepEqual(phases.at(-1), { phase: 'decode', done: 6, total: 6 });
      assert.equal(phases.length, 6);
      assert.deepEqual(readdirSync(cacheDir), [
        first.cacheFile!.slice(cacheDir.length + 1),
      ]);
      phases.length = 0;
      const second = await loadLsun({ path: lmdbDir(), cacheDir, onProgress });
      assert.equal(second.fromCache, true);
      assert.deepEqual(phases, [{ phase: 'cache', done: 6, total: 6 }]);
      assert.deepEqual(second.images, first.images);
      assert.deepEqual(second.keys, first.keys);
      assert.equal(second.checksum, first.checksum);
      assert.equal(second.sourceChecksum, first.sourceChecksum);
      const bytes = readFileSync(first.cacheFile!);
      bytes[bytes.length - 1] ^= 0xff;
      writeFileSync(first.cacheFile!, bytes);
      const third = await loadLsun({ path: lmdbDir(), cacheDir });
      assert.equal(third.fromCache, false);
      assert.equal(third.checksum, first.checksum);
    });

    test('gatherLsun: ToTensor values byte/255 as float32', async () => {
      const ds = await loadLsun({ path: lmdbDir(), cacheDir: false });
      const { images, shape } = gatherLsun(ds, [5, 0]);
      assert.deepEqual(shape, [2, 64, 64, 3]);
      const stride = 64 * 64 * 3;
      assert.equal(images[7], Math.fround(ds.images[5 * stride + 7] / 255));
      assert.equal(images[stride + 9], Math.fround(ds.images[9] / 255));
      assert.throws(() => gatherLsun(ds, [6]), /index 6 out of range \[0, 6\)/);
    });

    test('a truncated data.mdb fails naming it; no cache is left', async () => {
      const dir = copyLmdb('truncated');
      const file = join(dir, 'data.mdb');
      truncateSync(file, 5 * 4096);
      const cacheDir = freshDir('cache-truncated');
      await assert.rejects(
        loadLsun({ path: dir, cacheDir }),
        (e: Error) =>
          e.message.includes(file) && /the file is truncated/.test(e.message),
      );
      assert.deepEqual(readdirSync(cacheDir), []);
    });

    test('an undecodable image fails with file and key; no cache', async () => {
      const bad = expected.lmdb.keys[3];
      const dir = freshDir('garbage');
      runPython(
        String.raw`
import lmdb, sys
env = lmdb.open(sys.argv[1], map_size=1 << 24)
src = lmdb.open(sys.argv[2], readonly=True, lock=False)
with env.begin(write=True) as txn, src.begin() as s:
    for k, v in s.cursor():
        bad = k == sys.argv[3].encode()
        txn.put(k, b'garbage bytes, not an image' if bad else v)
`,
        [dir, lmdbDir(), bad],
      );
      const cacheDir = freshDir('cache-garbage');
      await assert.rejects(
        loadLsun({ path: dir, cacheDir, concurrency: 2 }),
        (e: Error) =>
          e.message.includes(`${join(dir, 'data.mdb')} key ${bad}`) &&
          /not a decodable image \(27 bytes\)/.test(e.message),
      );
      assert.deepEqual(readdirSync(cacheDir), []);
    });

    test('a truncated file in a folder fails naming it', async () => {
      const dir = freshDir('cut-folder');
      const src = readFileSync(join(root, 'folder', 'a.jpg'));
      writeFileSync(join(dir, 'cut.jpg'), src.subarray(0, src.length >> 1));
      await assert.rejects(
        loadLsun({ path: dir, cacheDir: false }),
        new RegExp(`${join(dir, 'cut.jpg')}: not a decodable image`),
      );
    });
  },
);

test('missing data: says where to put it and that it is not downloaded', () => {
  const empty = mkdtempSync(join(tmpdir(), 'acsm-lsun-empty-'));
  const saved = process.env['ACSM_DATA_DIR'];
  try {
    assert.throws(
      () => describeLsunSource({ path: empty }),
      new RegExp(
        'holds no data\\.mdb, no church_outdoor_train_lmdb/.*' +
          '\\$ACSM_DATA_DIR/lsun/.*cannot be downloaded automatically',
      ),
    );
    assert.throws(
      () => describeLsunSource({ path: join(empty, 'nowhere') }),
      /nowhere is not a folder/,
    );
    mkdirSync(join(empty, LSUN_LMDB_DIR));
    assert.throws(
      () => describeLsunSource({ path: empty }),
      /church_outdoor_train_lmdb has no data\.mdb/,
    );
    delete process.env['ACSM_DATA_DIR'];
    assert.throws(() => describeLsunSource(), /ACSM_DATA_DIR is unset/);
  } finally {
    if (saved !== undefined) process.env['ACSM_DATA_DIR'] = saved;
    rmSync(empty, { recursive: true, force: true });
  }
});

test('loadLsun: options are checked first', async () => {
  await assert.rejects(
    loadLsun({ imageSize: 0, path: '/nonexistent' }),
    /imageSize must be an integer >= 1, got 0/,
  );
  await assert.rejects(
    loadLsun({ concurrency: 1.5, path: '/nonexistent' }),
    /concurrency must be an integer >= 1, got 1.5/,
  );
});
