import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { pathToFileURL } from 'node:url';
import { FileStore } from './file-store';
import { fileUriToPath, openStore } from './open-store';

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'acsm-open-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('a path or a file: URI opens a FileStore there', async (t) => {
  const dir = tempDir(t);
  const byPath = await openStore(join(dir, 'a'));
  assert.ok(byPath instanceof FileStore);
  assert.equal(byPath.root, join(dir, 'a'));
  assert.ok(existsSync(join(dir, 'a', '0', 'meta.yaml')));
  const byUri = await openStore(pathToFileURL(join(dir, 'b c')).href);
  assert.equal((byUri as FileStore).root, join(dir, 'b c'));
  assert.ok(existsSync(join(dir, 'b c', '0', 'meta.yaml')));
});

test('no URI opens ./mlruns', async (t) => {
  const dir = tempDir(t);
  const cwd = process.cwd();
  process.chdir(dir);
  t.after(() => process.chdir(cwd));
  const store = await openStore();
  assert.equal((store as FileStore).root, join(process.cwd(), 'mlruns'));
  assert.ok(existsSync(join(dir, 'mlruns', '0', 'meta.yaml')));
});

test('file: URIs map to paths', () => {
  assert.equal(fileUriToPath('file:///tmp/ml%20runs'), '/tmp/ml runs');
  assert.equal(fileUriToPath('file:/tmp/x'), '/tmp/x');
  assert.equal(fileUriToPath('file:./mlruns'), './mlruns');
});

test('other schemes are refused', async () => {
  await assert.rejects(
    openStore('sqlite:///mlflow.db'),
    /unsupported tracking URI 'sqlite:\/\/\/mlflow.db'/,
  );
  await assert.rejects(
    openStore('s3://bucket/mlruns'),
    /unsupported tracking URI/,
  );
});
