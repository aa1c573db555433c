import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Golden, goldenUnavailable, runGolden, storedZip } from './testing';
import { readStateDict } from './torch-checkpoint';

const skip = goldenUnavailable();
const golden: Golden | undefined = skip ? undefined : runGolden('pickles');
after(() => golden?.remove());

function fileBytes(name: string): Uint8Array {
  return readFileSync(golden!.path(golden!.manifest.files[name].file));
}

for (const format of ['zip', 'legacy']) {
  test(`readStateDict (${format}): values, shapes, strides`, { skip }, () => {
    const sd = readStateDict(fileBytes(format));
    const { arrays, strides, offsets } = golden!.manifest;
    assert.deepEqual([...sd.keys()], Object.keys(arrays));
    for (const [name, t] of sd) {
      const expected = golden!.array(name);
      assert.deepEqual(t.shape, expected.shape, name);
      assert.deepEqual(t.stride, strides![name], name);
      assert.equal(t.storageOffset, offsets![name], name);
      assert.deepEqual(t.toFloat32(), expected.values, name);
    }
    assert.equal(sd.get('count')!.dtype, 'int64');
    assert.equal(sd.get('doubles')!.dtype, 'float64');
    assert.deepEqual(
      [...sd.get('transposed')!.toFloat32()],
      [1.5, 4, -2, 0.5, 3.25, -6],
    );
    assert.deepEqual([...sd.get('scalar')!.toFloat32()], [2.5]);
    assert.deepEqual([...sd.get('count')!.toFloat32()], [7]);
  });
}

test(
  'readStateDict: a truncated file fails with a clear error',
  { skip },
  () => {
    const zip = fileBytes('zip');
    assert.throws(
      () => readStateDict(zip.subarray(0, zip.length - 100)),
      /no end-of-central-directory record .* truncated/,
    );
    const legacy = fileBytes('legacy');
    assert.throws(
      () => readStateDict(legacy.subarray(0, legacy.length - 5)),
      /file truncated: storage \S+ ends at byte \d+, the file has \d+/,
    );
  },
);

/** A pickle calling posix.system('true'), as a malicious file would. */
// prettier-ignore
const EVIL = new Uint8Array([
  0x80, 0x02, ...Buffer.from('cposix\nsystem\n'), // PROTO 2, GLOBAL
  0x58, 4, 0, 0, 0, ...Buffer.from('true'), // BINUNICODE 'true'
  0x85, 0x52, 0x2e, // TUPLE1, REDUCE, STOP
]);

test('readStateDict: a pickle naming another global is refused', () => {
  const zip = storedZip({ 'archive/data.pkl': EVIL });
  assert.throws(
    () => readStateDict(zip),
    /global 'posix\.system' is not allowed/,
  );
  assert.throws(
    () => readStateDict(EVIL),
    /global 'posix\.system' is not allowed/,
  );
});

test('readStateDict: OrderedDict as Python 2 pickled it', () => {
  const pickle = (...items: number[]) =>
    storedZip({
      'a/data.pkl': new Uint8Array([
        0x80,
        0x02,
        ...Buffer.from('ccollections\nOrderedDict\n'),
        ...items,
      ]),
    });
  // OrderedDict([]): ] TUPLE1 REDUCE STOP
  assert.equal(readStateDict(pickle(0x5d, 0x85, 0x52, 0x2e)).size, 0);
  // OrderedDict([['k', 1]]): a value that is no tensor
  // prettier-ignore
  const one = pickle(
    0x5d, 0x28, 0x5d, 0x28, 0x55, 1, 0x6b, 0x4b, 1, 0x65, 0x65, // [[k, 1]]
    0x85, 0x52, 0x2e,
  );
  assert.throws(() => readStateDict(one), /entry k is not a tensor/);
});

test('readStateDict: neither zip nor pickle', () => {
  assert.throws(
    () => readStateDict(new Uint8Array([1, 2, 3])),
    /not a PyTorch checkpoint \(3 bytes/,
  );
  const tar = new Uint8Array(600);
  tar.set(Buffer.from('ustar'), 257);
  assert.throws(() => readStateDict(tar), /tar format of torch < 0\.4/);
});
