import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeNpy, parseNpy } from './npy';
import { crc32, readNpz, writeNpz } from './npz';

// The reader against files numpy wrote, and numpy against our writer.
const PYTHON = '/usr/bin/python3';

function numpyUnavailable(): string | undefined {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  const r = spawnSync(PYTHON, ['-c', 'import numpy'], { encoding: 'utf8' });
  return r.status === 0
    ? undefined
    : `${PYTHON} cannot import numpy: ${r.stderr.trim().split('\n').pop()}`;
}

const skip = numpyUnavailable();
const dir = mkdtempSync(join(tmpdir(), 'acsm-npz-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function python(script: string): string {
  const r = spawnSync(PYTHON, ['-c', script, dir], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

const WRITE = `
import sys, numpy as np
d = sys.argv[1]
f4 = np.arange(6, dtype='<f4').reshape(2, 3) / 4
f8 = np.array([0.1, -2.5, 1e300], dtype='<f8')
u1 = np.arange(24, dtype=np.uint8).reshape(2, 2, 2, 3)
np.savez(d + '/stored.npz', f4=f4, f8=f8, u1=u1)
np.savez_compressed(d + '/deflated.npz', f4=f4, f8=f8, u1=u1)
np.save(d + '/scalar.npy', np.float64(2.5))
with open(d + '/v2.npy', 'wb') as f:
    np.lib.format.write_array(f, f4, version=(2, 0))
np.save(d + '/big.npy', f8.astype('>f8'))
np.save(d + '/fortran.npy', np.asfortranarray(f4.T))
np.save(d + '/int64.npy', np.arange(3))
np.save(d + '/f4.npy', f4)
`;

const F4 = [0, 0.25, 0.5, 0.75, 1, 1.25];
const F8 = [0.1, -2.5, 1e300];

test('crc32: the check value of "123456789" is 0xCBF43926', () => {
  assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
  assert.equal(crc32(new Uint8Array(0)), 0);
});

test('encodeNpy / parseNpy: round trip of each dtype', () => {
  const cases = [
    [Float64Array.from(F8), [3]],
    [Float32Array.from(F4), [2, 3]],
    [Uint8Array.from([1, 2, 255, 0]), [1, 2, 2]],
  ] as const;
  for (const [values, shape] of cases) {
    const bytes = encodeNpy(values, shape);
    const headerEnd = bytes.indexOf(0x0a) + 1;
    assert.equal(headerEnd % 64, 0, 'data aligned to 64 bytes');
    const a = parseNpy(bytes, 'x.npy');
    assert.deepEqual(a.shape, shape);
    assert.deepEqual([...a.values], [...values]);
    assert.equal(a.values.constructor, values.constructor);
  }
  assert.throws(() => encodeNpy(new Float64Array(3), [2, 2]), /needs 4/);
});

test('readNpz: numpy savez and savez_compressed', { skip }, () => {
  python(WRITE);
  for (const file of ['stored.npz', 'deflated.npz']) {
    const { arrays, files } = readNpz(readFileSync(join(dir, file)), file);
    assert.deepEqual([...arrays.keys()].sort(), ['f4', 'f8', 'u1']);
    assert.equal(files.size, 0);
    const f4 = arrays.get('f4')!;
    assert.deepEqual([f4.dtype, f4.shape], ['float32', [2, 3]]);
    assert.deepEqual([...f4.values], F4);
    const f8 = arrays.get('f8')!;
    assert.deepEqual([f8.dtype, [...f8.values]], ['float64', F8]);
    const u1 = arrays.get('u1')!;
    assert.deepEqual([u1.dtype, u1.shape], ['uint8', [2, 2, 2, 3]]);
    assert.deepEqual(
      [...u1.values],
      Array.from({ length: 24 }, (_, i) => i),
    );
  }
});

test('parseNpy: scalars and format version 2.0', { skip }, () => {
  const scalar = parseNpy(readFileSync(join(dir, 'scalar.npy')), 's');
  assert.deepEqual([scalar.shape, [...scalar.values]], [[], [2.5]]);
  const v2 = parseNpy(readFileSync(join(dir, 'v2.npy')), 'v2');
  assert.deepEqual([v2.shape, [...v2.values]], [[2, 3], F4]);
});

test(
  'parseNpy: big-endian, Fortran order, int64 fail clearly',
  { skip },
  () => {
    const read = (f: string) => () =>
      parseNpy(readFileSync(join(dir, f)), `dir/${f}`);
    assert.throws(
      read('big.npy'),
      /dir\/big\.npy: dtype '>f8' is not supported/,
    );
    assert.throws(read('fortran.npy'), /dir\/fortran\.npy: Fortran-order/);
    assert.throws(read('int64.npy'), /dtype '<i8' is not supported/);
    const bytes = readFileSync(join(dir, 'f4.npy'));
    assert.throws(
      () => parseNpy(bytes.subarray(0, bytes.length - 1), 'cut.npy'),
      /cut\.npy: shape \(2, 3\) of float32 needs 24 data bytes, .* holds 23/,
    );
    assert.throws(() => parseNpy(Buffer.from('hello world'), 'h'), /magic/);
  },
);

test('readNpz: a damaged archive fails naming the file', () => {
  const good = writeNpz({ 'a.npy': encodeNpy(Float64Array.from([1]), [1]) });
  assert.throws(
    () => readNpz(good.subarray(0, 20), 'samples.npz'),
    /npz: samples\.npz is not a readable \.npz \(ZIP\) archive/,
  );
  assert.throws(
    () => readNpz(Buffer.from('not a zip at all'), 'x.npz'),
    /x\.npz is not a readable/,
  );
});

test('writeNpz: numpy and zipfile (CRC checked) read it', { skip }, () => {
  const path = join(dir, 'ours.npz');
  writeFileSync(
    path,
    writeNpz({
      'mu.npy': encodeNpy(Float64Array.from(F8), [3]),
      'm.npy': encodeNpy(Float32Array.from(F4), [2, 3]),
      'b.npy': encodeNpy(Uint8Array.from([7, 8]), [2]),
      'meta.json': Buffer.from('{"a": 1}'),
    }),
  );
  const out = python(`
import sys, json, zipfile, numpy as np
p = sys.argv[1] + '/ours.npz'
assert zipfile.ZipFile(p).testzip() is None
z = np.load(p)
print(json.dumps({k: [str(z[k].dtype), list(z[k].shape), z[k].ravel().tolist()]
                  for k in ('mu', 'm', 'b')}))
print(zipfile.ZipFile(p).read('meta.json').decode())
`);
  const [arrays, meta] = out.trim().split('\n');
  assert.deepEqual(JSON.parse(arrays), {
    mu: ['float64', [3], F8],
    m: ['float32', [2, 3], F4],
    b: ['uint8', [2], [7, 8]],
  });
  assert.equal(meta, '{"a": 1}');
});
