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
import { featureMoments } from './feature-stats';
import { encodeNpy } from './npy';
import { writeNpz } from './npz';
import {
  describeStats,
  EXTERNAL_STATS_NOTE,
  INCEPTION_EXTRACTOR,
  INCEPTION_INPUT_PIPELINE,
  INCEPTION_STATS_FORMAT,
  InceptionStats,
  inceptionStatsFileName,
  loadInceptionStats,
  saveInceptionStats,
  statsContentHash,
} from './stats-file';
import { normals } from './testing';

const dir = mkdtempSync(join(tmpdir(), 'acsm-stats-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Statistics of 20 random 6-d features, with metadata. */
function someStats(): InceptionStats {
  const d = 6;
  const { mean, cov } = featureMoments(normals(20 * d, 4), 20, d);
  const meta = {
    format: INCEPTION_STATS_FORMAT,
    extractor: INCEPTION_EXTRACTOR,
    weightsSha256: 'ab'.repeat(32),
    inputPipeline: INCEPTION_INPUT_PIPELINE,
    dataset: 'cifar10',
    split: 'train',
    splitSize: 50_000,
    n: 20,
    dim: d,
    imageShape: [32, 32, 3],
    grayscale: false,
    created: '2024-01-01T00:00:00.000Z',
    sha256: statsContentHash(mean, cov),
  } as const;
  return { mean, cov, d, meta };
}

test('saveInceptionStats / loadInceptionStats: round trip', () => {
  const stats = someStats();
  const path = join(dir, 'sub', inceptionStatsFileName(stats.meta!));
  assert.match(path, /cifar10-train-n20-abababab\.npz$/);
  saveInceptionStats(path, stats);
  const back = loadInceptionStats(path);
  assert.deepEqual(back.meta, stats.meta);
  assert.equal(back.d, 6);
  assert.deepEqual(back.mean, stats.mean);
  assert.deepEqual(back.cov, stats.cov);
  assert.match(
    describeStats(back),
    new RegExp(
      '^cifar10/train, n=20 of 50000, fid-inception-2015-12-05 weights ' +
        'abababababab…, statistics sha256 [0-9a-f]{12}…$',
    ),
  );
});

test('loadInceptionStats: corruption is detected, naming the file', () => {
  const path = join(dir, 'damaged.npz');
  saveInceptionStats(path, someStats());
  const bytes = readFileSync(path);
  // Flip a bit of the last float of sigma (its data end before the
  // central directory and meta.json's local entry).
  const at = bytes.indexOf(Buffer.from('meta.json')) - 30 - 1;
  const flipped = Buffer.from(bytes);
  flipped[at] ^= 0x01;
  writeFileSync(path, flipped);
  assert.throws(
    () => loadInceptionStats(path),
    new RegExp(
      `loadInceptionStats: ${path}: corrupt or edited: mu and sigma ` +
        'have sha256 [0-9a-f]{64} \\(d 6\\), meta.json records',
    ),
  );
  writeFileSync(path, bytes.subarray(0, bytes.length - 100));
  assert.throws(() => loadInceptionStats(path), /damaged\.npz is not a/);
  assert.throws(
    () => loadInceptionStats(join(dir, 'absent.npz')),
    /absent\.npz: ENOENT/,
  );
});

test('loadInceptionStats: bad members fail naming the file', () => {
  const { mean, cov } = someStats();
  const write = (members: Record<string, Uint8Array>) => {
    const path = join(dir, 'bad.npz');
    writeFileSync(path, writeNpz(members));
    return () => loadInceptionStats(path);
  };
  const mu = encodeNpy(mean, [6]);
  const sigma = encodeNpy(cov, [6, 6]);
  assert.throws(write({ 'mu.npy': mu }), /bad\.npz: needs arrays 'mu' and/);
  assert.throws(
    write({ 'mu.npy': mu, 'sigma.npy': encodeNpy(cov, [36]) }),
    /mu must be \[d\] and sigma \[d, d\], got \[6\] and \[36\]/,
  );
  assert.throws(
    write({ 'mu.npy': mu, 'sigma.npy': sigma, 'meta.json': Buffer.from('{') }),
    /bad\.npz: meta\.json is not JSON/,
  );
  assert.throws(
    write({
      'mu.npy': mu,
      'sigma.npy': sigma,
      'meta.json': Buffer.from('{"format": "other/2"}'),
    }),
    /meta\.json has format "other\/2", expected 'acsm-inception-stats\/1'/,
  );
  const nan = Float64Array.from(mean);
  nan[2] = NaN;
  assert.throws(
    write({ 'mu.npy': encodeNpy(nan, [6]), 'sigma.npy': sigma }),
    /bad\.npz: mu\[2\] is NaN/,
  );
});

test('loadInceptionStats: a .npz without meta.json is external', () => {
  const { mean, cov } = someStats();
  const path = join(dir, 'fid_stats_external.npz');
  writeFileSync(
    path,
    writeNpz({
      'mu.npy': encodeNpy(Float32Array.from(mean), [6]),
      'sigma.npy': encodeNpy(Float32Array.from(cov), [6, 6]),
    }),
  );
  const stats = loadInceptionStats(path);
  assert.equal(stats.meta, undefined);
  assert.deepEqual(stats.mean, Float64Array.from(Float32Array.from(mean)));
  assert.equal(describeStats(stats), EXTERNAL_STATS_NOTE);
  assert.throws(
    () => saveInceptionStats(join(dir, 'again.npz'), stats),
    /external statistics have no metadata to save/,
  );
});

test('saveInceptionStats: refuses metadata of other arrays', () => {
  const stats = someStats();
  const edited = { ...stats, mean: stats.mean.map((v) => v + 1) };
  assert.throws(
    () => saveInceptionStats(join(dir, 'x.npz'), edited),
    /does not describe these arrays/,
  );
});

const PYTHON = '/usr/bin/python3';
const numpy =
  existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import numpy']).status === 0;

test(
  'a statistics file reads in numpy as pytorch-fid reads its own',
  { skip: numpy ? undefined : `${PYTHON} cannot import numpy` },
  () => {
    const stats = someStats();
    const path = join(dir, 'for-numpy.npz');
    saveInceptionStats(path, stats);
    const r = spawnSync(
      PYTHON,
      [
        '-c',
        'import sys, json, numpy as np; f = np.load(sys.argv[1]); ' +
          "print(json.dumps([f['mu'][:].tolist(), f['sigma'][:].shape]))",
        path,
      ],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    const [mu, shape] = JSON.parse(r.stdout);
    assert.deepEqual(mu, [...stats.mean]);
    assert.deepEqual(shape, [6, 6]);
  },
);
