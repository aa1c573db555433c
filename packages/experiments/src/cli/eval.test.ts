import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { createRng } from '@acsm/core';
import {
  encodeNpy,
  FID_INCEPTION_SHA256,
  FID_INCEPTION_URL,
  loadFidInception,
  loadInceptionStats,
  measureInception,
  writeNpz,
} from '@acsm/eval';
import { CIFAR10_URL } from '@acsm/data';
import { formatMeasurement } from './eval';

// `acsm eval stats` then `acsm eval fid`, end to end, with the seeded
// random-weight .pth of packages/eval/tools/inception_golden.py (the
// real network's layout, no download). A few 32×32 images: ~1 s each.
const root = join(import.meta.dirname, '..', '..', '..', '..');
const PYTHON = '/usr/bin/python3';
const SCRIPT = join(root, 'packages/eval/tools/inception_golden.py');

function torchMissing(): string | undefined {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  const r = spawnSync(PYTHON, ['-c', 'import torch, torchvision'], {
    encoding: 'utf8',
  });
  return r.status === 0
    ? undefined
    : `${PYTHON} lacks torch/torchvision: ` +
        `${r.stderr.trim().split('\n').pop()}`;
}

const skip = torchMissing();
const dir = mkdtempSync(join(tmpdir(), 'acsm-eval-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const N = 4;
let weights = '';
let sha = '';
let closedPort = 0;

/** A port on 127.0.0.1 that nothing listens on (downloads fail fast). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs bin/acsm.mjs with a private cache and no network but 127.0.0.1;
 * `extra` sets variables, an undefined value removes one.
 */
function acsm(
  args: string[],
  cache = 'cache',
  extra: Record<string, string | undefined> = {},
): Promise<Run> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ACSM_CACHE_DIR: join(dir, cache),
    ACSM_INCEPTION_URL: `http://127.0.0.1:${closedPort}/weights.pth`,
    ACSM_BACKEND: 'wasm',
  };
  delete env.ACSM_INCEPTION_WEIGHTS;
  delete env.ACSM_INCEPTION_SHA256;
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  const child = spawn(process.execPath, ['bin/acsm.mjs', ...args], {
    cwd: root,
    env,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b) => (stdout += b));
  child.stderr.on('data', (b) => (stderr += b));
  return new Promise((resolve) =>
    child.on('close', (status) => resolve({ status, stdout, stderr })),
  );
}

const withWeights = () => ['--weights', weights, '--weights-sha256', sha];

/** n seeded 32×32 RGB images as bytes, blocks of colour plus noise. */
function images(n: number, seed: number): Uint8Array {
  const rng = createRng(seed);
  const bytes = new Uint8Array(n * 32 * 32 * 3);
  for (let i = 0; i < n; i++) {
    const tint = [0, 1, 2].map(() => 255 * rng.uniform());
    for (let p = 0; p < 1024; p++) {
      for (let c = 0; c < 3; c++) {
        const block = 50 * (((p >> 8) + (p & 31)) >> 4);
        const v = tint[c] + block + 40 * rng.uniform();
        bytes[(i * 1024 + p) * 3 + c] = v % 256;
      }
    }
  }
  return bytes;
}

const setA = images(N, 1);
const setB = images(N, 2);

before(async () => {
  closedPort = await freePort();
  const npz = (values: Uint8Array | Float32Array, shape: number[]) =>
    writeNpz({ 'arr_0.npy': encodeNpy(values, shape) });
  writeFileSync(join(dir, 'b.npz'), npz(setB, [N, 32, 32, 3]));
  const floats = Float32Array.from(setB, (v) => v / 255);
  writeFileSync(join(dir, 'b-float.npz'), npz(floats, [N, 32, 32, 3]));
  writeFileSync(join(dir, 'nchw.npz'), npz(setB, [N, 3, 32, 32]));
  writeFileSync(join(dir, 'bad.npz'), 'this is not a zip archive');
  const ten = writeNpz({
    'mu.npy': encodeNpy(new Float32Array(10), [10]),
    'sigma.npy': encodeNpy(new Float32Array(100), [10, 10]),
  });
  writeFileSync(join(dir, 'ten.npz'), ten);
  if (skip) return;
  const golden = join(dir, 'golden');
  const r = spawnSync(PYTHON, [SCRIPT, 'network', golden], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const manifest = JSON.parse(
    readFileSync(join(golden, 'manifest.json'), 'utf8'),
  );
  weights = join(golden, manifest.files.weights.file);
  sha = manifest.files.weights.sha256;
  mkdirSync(join(dir, 'pngs'));
  for (let i = 0; i < N; i++) {
    const pixels = setA.subarray(i * 3072, (i + 1) * 3072);
    await sharp(Buffer.from(pixels), {
      raw: { width: 32, height: 32, channels: 3 },
    })
      .png()
      .toFile(join(dir, 'pngs', `sample-${i}.png`));
  }
});

test(
  'acsm eval stats: a folder of PNGs, then FID of it is 0',
  { skip },
  async () => {
    const ref = join(dir, 'a.npz');
    const s = await acsm([
      'eval',
      'stats',
      '--images',
      join(dir, 'pngs'),
      '--out',
      ref,
      ...withWeights(),
    ]);
    assert.equal(s.status, 0, s.stderr);
    assert.match(s.stdout, new RegExp(`^wrote ${ref}$`, 'm'));
    assert.match(s.stderr, /4\/4 images/);
    const stats = loadInceptionStats(ref);
    assert.deepEqual(
      [stats.meta!.dataset, stats.meta!.split, stats.meta!.n, stats.d],
      ['images:pngs', 'all', N, 2048],
    );
    assert.equal(stats.meta!.weightsSha256, sha);
    const f = await acsm([
      'eval',
      'fid',
      '--samples',
      join(dir, 'pngs'),
      '--reference',
      ref,
      '--splits',
      '2',
      '--json',
      ...withWeights(),
    ]);
    assert.equal(f.status, 0, f.stderr);
    const m = JSON.parse(f.stdout);
    assert.ok(Math.abs(m.fid) < 1e-6, `fid ${m.fid}`);
    assert.deepEqual(
      [m.rankDeficient, m.comparable, m.nGenerated, m.nReference],
      [true, false, N, N],
    );
    assert.equal(m.extractor.weightsSha256, sha);
    assert.ok(Number.isFinite(m.inceptionScore.mean));
  },
);

test(
  'acsm eval fid: .npz samples print the library’s numbers',
  { skip },
  async () => {
    const ref = join(dir, 'a.npz');
    const args = ['--reference', ref, '--splits', '2', ...withWeights()];
    const u8 = await acsm([
      'eval',
      'fid',
      '--samples',
      join(dir, 'b.npz'),
      ...args,
    ]);
    assert.equal(u8.status, 0, u8.stderr);
    const f32 = await acsm([
      'eval',
      'fid',
      '--samples',
      join(dir, 'b-float.npz'),
      ...args,
    ]);
    assert.equal(f32.status, 0, f32.stderr);
    await tf.setBackend('wasm');
    const net = await loadFidInception({
      weightsPath: weights,
      sha256: sha,
      cacheDir: join(dir, 'cache', 'inception'),
    });
    const m = measureInception(
      net,
      { bytes: setB, shape: [N, 32, 32, 3] },
      loadInceptionStats(ref),
      { seed: 0, splits: 2 },
    );
    net.dispose();
    assert.ok(Number.isFinite(m.fid) && m.fid > 0, `fid ${m.fid}`);
    const lines = formatMeasurement(m, 'x').slice(0, 4);
    for (const out of [u8.stdout, f32.stdout]) {
      for (const line of lines)
        assert.ok(out.includes(line), `${line}\n${out}`);
      assert.match(
        out,
        /^FID +\d+\.\d{4} \(n_generated 4, n_reference 4; rank-deficient\)$/m,
      );
      assert.match(out, /^IS +\d+\.\d{4} ± \d+\.\d{4} \(2 splits, n 4\)$/m);
      assert.match(
        out,
        /^comparable  no: weights [0-9a-f]{12}… are not the published/m,
      );
    }
  },
);

test(
  'acsm eval stats: mnist test split, first n images',
  { skip },
  async () => {
    const out = join(dir, 'mnist.npz');
    const r = await acsm([
      'eval',
      'stats',
      '--dataset',
      'mnist',
      '--split',
      'test',
      '--n',
      '3',
      '--out',
      out,
      ...withWeights(),
    ]);
    assert.equal(r.status, 0, r.stderr);
    const m = loadInceptionStats(out).meta!;
    assert.deepEqual(
      [m.dataset, m.split, m.n, m.grayscale],
      ['mnist', 'test', 3, true],
    );
    assert.deepEqual(m.imageShape, [28, 28, 1]);
    assert.ok(m.splitSize! > 3 && /^[0-9a-f]{64}$/.test(m.dataSha256!));
  },
);

test('acsm eval: missing weights say where to get them', { skip }, async () => {
  const r = await acsm(
    [
      'eval',
      'fid',
      '--samples',
      join(dir, 'b.npz'),
      '--reference',
      join(dir, 'a.npz'),
      '--splits',
      '2',
    ],
    'empty-cache',
  );
  assert.equal(r.status, 2);
  const last = r.stderr.trim().split('\n').pop()!;
  assert.match(
    last,
    /^acsm: FID Inception weights: cannot download http:\/\/127\.0\.0\.1/,
  );
  assert.ok(last.includes(FID_INCEPTION_URL), last);
  assert.ok(last.includes(`SHA-256 ${FID_INCEPTION_SHA256}`), last);
  assert.match(last, /--weights <file>, set ACSM_INCEPTION_WEIGHTS=<file>/);
});

test(
  'acsm eval: bad inputs are one-line errors, exit 2',
  { skip },
  async () => {
    const ref = join(dir, 'a.npz');
    const cases: [string[], RegExp][] = [
      [
        ['fid', '--samples', join(dir, 'bad.npz'), '--reference', ref],
        /^acsm: npz: .*bad\.npz is not a readable \.npz \(ZIP\) archive/,
      ],
      [
        ['fid', '--samples', join(dir, 'nchw.npz'), '--reference', ref],
        /^acsm: loadSamples: .*nchw\.npz: .*\[4, 3, 32, 32\]: channels first\?/,
      ],
      [
        [
          'fid',
          '--samples',
          join(dir, 'b.npz'),
          '--reference',
          join(dir, 'bad.npz'),
        ],
        /^acsm: npz: .*bad\.npz is not a readable/,
      ],
      [
        [
          'fid',
          '--samples',
          join(dir, 'b.npz'),
          '--reference',
          ref,
          '--splits',
          '2',
          '--weights',
          weights,
        ],
        /^acsm: FID Inception weights: .* has SHA-256 \w{64}, expected 6726825d/,
      ],
      [
        ['stats', '--dataset', 'cifar10', '--split', 'val'],
        /has splits train, test, got 'val'/,
      ],
    ];
    for (const [args, pattern] of cases) {
      const r = await acsm(['eval', ...args]);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      const lines = r.stderr.trim().split('\n');
      assert.match(lines[lines.length - 1], pattern);
      assert.ok(!r.stderr.includes('    at '), 'no stack trace');
    }
  },
);

/** Exit 2 with `pattern` as the last line, before any weights load. */
function assertEarlyError(r: Run, pattern: RegExp, what: string) {
  assert.equal(r.status, 2, `${what}: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.match(lines[lines.length - 1], pattern, what);
  assert.ok(!r.stderr.includes('    at '), 'no stack trace');
  // loadNetwork logs the backend first: nothing was loaded or fetched.
  assert.ok(!/backend:|cannot download/.test(r.stderr), r.stderr);
}

test('acsm eval: inputs are checked before the weights load', async () => {
  const missing = join(dir, 'no-such-dir');
  const ten = join(dir, 'ten.npz');
  const b = join(dir, 'b.npz');
  const cases: [string[], RegExp][] = [
    [
      ['stats', '--images', missing],
      /^acsm: loadSamples: .*no-such-dir: ENOENT/,
    ],
    [
      ['stats', '--images', b, '--n', '1'],
      /^acsm: --n must be an integer >= 2, got 1$/,
    ],
    [
      ['stats', '--images', b, '--n', '5'],
      /^acsm: --n must be an integer in \[2, 4\], got 5$/,
    ],
    [
      ['fid', '--samples', missing, '--reference', ten],
      /^acsm: loadSamples: .*no-such-dir: ENOENT/,
    ],
    [
      ['fid', '--samples', b, '--reference', ten],
      /^acsm: eval fid: 4 samples are fewer than the 10 splits of the /,
    ],
    [
      ['fid', '--samples', b, '--reference', ten, '--splits', '2'],
      new RegExp(
        '^acsm: eval fid: reference has 10 dimensions, expected 2048 ' +
          '\\(pool3 of the FID Inception\\)$',
      ),
    ],
  ];
  for (const [args, pattern] of cases) {
    const r = await acsm(['eval', ...args], 'empty-cache');
    assertEarlyError(r, pattern, args.join(' '));
  }
});

test('acsm eval stats: CIFAR-10 without ACSM_DATA_DIR', async () => {
  const r = await acsm(['eval', 'stats', '--dataset', 'cifar10'], 'cache', {
    ACSM_DATA_DIR: undefined,
  });
  assertEarlyError(r, /^acsm: eval stats: CIFAR-10 needs ACSM_DATA_DIR/, '');
  const last = r.stderr.trim().split('\n').pop()!;
  assert.ok(last.includes(`downloads CIFAR-10 there from ${CIFAR10_URL}`));
  assert.match(last, /or put cifar-10-batches-bin\/ there$/);
  assert.ok(!/ensureCifar10|download: true/.test(last), last);
});

test(
  'acsm eval: --weights-sha256 defaults to $ACSM_INCEPTION_SHA256',
  { skip },
  async () => {
    const args = ['--samples', join(dir, 'b.npz'), '--splits', '2'];
    const ref = ['--reference', join(dir, 'a.npz'), '--weights', weights];
    const r = await acsm(['eval', 'fid', ...args, ...ref], 'cache', {
      ACSM_INCEPTION_SHA256: sha,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`weights SHA-256 ${sha}`));
  },
);
