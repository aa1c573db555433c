import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FID_INCEPTION_FILE,
  FID_INCEPTION_SHA256,
  FID_INCEPTION_URL,
  findInceptionWeights,
  loadInceptionWeights,
  sha256Hex,
  WEIGHTS_ENV,
} from './weights';

// These tests set the variable themselves; one in the caller's
// environment would change what they find.
const savedEnv = process.env[WEIGHTS_ENV];
delete process.env[WEIGHTS_ENV];
after(() => {
  if (savedEnv !== undefined) process.env[WEIGHTS_ENV] = savedEnv;
});

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'acsm-inception-weights-'));
  dirs.push(dir);
  return dir;
}
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A 127.0.0.1 server answering every request with (status, body). */
async function serve(status: number, body: Uint8Array) {
  const server = createServer((_req, res) => {
    res.statusCode = status;
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/${FID_INCEPTION_FILE}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

test('sha256Hex: the FIPS 180-2 example', () => {
  assert.equal(
    sha256Hex(Buffer.from('abc')),
    'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
  );
  assert.ok(FID_INCEPTION_FILE.includes(FID_INCEPTION_SHA256.slice(0, 8)));
  assert.ok(FID_INCEPTION_URL.endsWith(`/${FID_INCEPTION_FILE}`));
});

test('loadInceptionWeights: without a file or download, says how', async () => {
  const cacheDir = tempDir();
  await assert.rejects(
    loadInceptionWeights({ cacheDir }),
    new RegExp(
      `no FID Inception weights: download ${FID_INCEPTION_URL} ` +
        `\\(SHA-256 ${FID_INCEPTION_SHA256}\\) to .*${FID_INCEPTION_FILE} ` +
        `or set ${WEIGHTS_ENV}, or pass download: true`,
    ),
  );
  await assert.rejects(
    loadInceptionWeights({ cacheDir, weightsPath: join(cacheDir, 'x.pth') }),
    /x\.pth not found \(named by ACSM_INCEPTION_WEIGHTS or --weights\)/,
  );
});

test('loadInceptionWeights: the variable names the file', async () => {
  process.env[WEIGHTS_ENV] = '/nonexistent/pt_inception.pth';
  try {
    await assert.rejects(
      loadInceptionWeights({ cacheDir: tempDir(), download: true }),
      /\/nonexistent\/pt_inception\.pth not found/,
    );
  } finally {
    delete process.env[WEIGHTS_ENV];
  }
});

test('loadInceptionWeights: a wrong download is not kept', async () => {
  const body = Buffer.from('not the weights');
  const server = await serve(200, body);
  const cacheDir = tempDir();
  try {
    await assert.rejects(
      loadInceptionWeights({ cacheDir, download: true, url: server.url }),
      new RegExp(
        `${server.url} has SHA-256 ${sha256Hex(body)}, expected ` +
          `${FID_INCEPTION_SHA256}: not the FID Inception weights`,
      ),
    );
    assert.deepEqual(readdirSync(cacheDir), []);
  } finally {
    await server.close();
  }
});

test('loadInceptionWeights: expected hash, no checkpoint', async () => {
  const body = Buffer.from('still not a checkpoint');
  const server = await serve(200, body);
  const cacheDir = tempDir();
  try {
    await assert.rejects(
      loadInceptionWeights({
        cacheDir,
        download: true,
        url: server.url,
        sha256: sha256Hex(body).slice(0, 8),
      }),
      /readStateDict: not a PyTorch checkpoint \(22 bytes/,
    );
    assert.ok(existsSync(join(cacheDir, FID_INCEPTION_FILE)));
  } finally {
    await server.close();
  }
});

test('loadInceptionWeights: HTTP errors and fetch failures', async () => {
  const server = await serve(404, Buffer.from('gone'));
  try {
    await assert.rejects(
      loadInceptionWeights({
        cacheDir: tempDir(),
        download: true,
        url: server.url,
      }),
      new RegExp(`${server.url} answered HTTP 404`),
    );
  } finally {
    await server.close();
  }
  await assert.rejects(
    loadInceptionWeights({
      cacheDir: tempDir(),
      download: true,
      fetch: () => Promise.reject(new Error('offline')),
    }),
    new RegExp(`cannot download ${FID_INCEPTION_URL}: offline`),
  );
  await assert.rejects(
    loadInceptionWeights({ cacheDir: tempDir(), sha256: '6726' }),
    /sha256 must be 8 to 64 hex digits, got '6726'/,
  );
});

test('findInceptionWeights: variable, converted cache, .pth, or none', () => {
  const cacheDir = tempDir();
  assert.equal(findInceptionWeights({ cacheDir }), null);
  // Converted weights of another file are not these weights.
  const other = 'ab'.repeat(32);
  writeFileSync(join(cacheDir, `fid-inception-${other}.json`), '{}');
  writeFileSync(join(cacheDir, `fid-inception-${other}.bin`), '');
  assert.equal(findInceptionWeights({ cacheDir }), null);
  assert.deepEqual(findInceptionWeights({ cacheDir, sha256: other }), {
    source: 'cache',
    path: join(cacheDir, `fid-inception-${other}.json`),
  });
  const pth = join(cacheDir, FID_INCEPTION_FILE);
  writeFileSync(pth, '');
  assert.deepEqual(findInceptionWeights({ cacheDir }), {
    source: 'checkpoint',
    path: pth,
  });
  const stem = join(cacheDir, `fid-inception-${FID_INCEPTION_SHA256}`);
  writeFileSync(`${stem}.json`, '{}');
  assert.equal(findInceptionWeights({ cacheDir })?.source, 'checkpoint');
  writeFileSync(`${stem}.bin`, '');
  assert.equal(findInceptionWeights({ cacheDir })?.source, 'cache');
});

test('findInceptionWeights: a named file must exist', () => {
  const cacheDir = tempDir();
  const named = join(cacheDir, 'mine.pth');
  assert.throws(
    () => findInceptionWeights({ cacheDir, weightsPath: named }),
    /mine\.pth not found \(named by ACSM_INCEPTION_WEIGHTS or --weights\)/,
  );
  process.env[WEIGHTS_ENV] = named;
  try {
    assert.throws(() => findInceptionWeights({ cacheDir }), /not found/);
    writeFileSync(named, '');
    assert.deepEqual(findInceptionWeights({ cacheDir }), {
      source: 'variable',
      path: named,
    });
  } finally {
    delete process.env[WEIGHTS_ENV];
  }
});
