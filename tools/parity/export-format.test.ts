import assert from 'node:assert/strict';
import {
  mkdir,
  mkdtemp,
  readFile,
  rm,
  truncate,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readExportManifest, readExportedNetwork } from './export-format';
import { writeFakeExport, type FakeNetwork } from './testing';

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'acsm-parity-format-'));
});
after(() => rm(dir, { recursive: true, force: true }));

const f32 = (xs: number[]) => new Float32Array(xs);

const NET: FakeNetwork = {
  id: 'tiny',
  paramCount: 3,
  state: [
    {
      name: 'w',
      kind: 'parameter',
      layout: 'oi',
      shape: [1, 2],
      data: f32([1, 2]),
    },
    { name: 'u0', kind: 'buffer', layout: 'plain', shape: [1], data: f32([3]) },
  ],
  input: { shape: [1, 1, 1, 2], data: f32([0.25, 0.5]) },
  runs: [
    { mode: 'eval', output: { shape: [1], data: f32([7]) }, buffersAfter: [] },
  ],
};

test('readExportedNetwork reads back every tensor', async () => {
  const path = join(dir, 'ok');
  await mkdirAndWrite(path, [NET]);
  const manifest = await readExportManifest(path);
  const net = await readExportedNetwork(path, manifest, 'tiny');
  assert.deepEqual(Array.from(net.read(net.entry.state[0])), [1, 2]);
  assert.deepEqual(Array.from(net.read(net.entry.state[1])), [3]);
  assert.deepEqual(Array.from(net.read(net.entry.input)), [0.25, 0.5]);
  assert.deepEqual(Array.from(net.read(net.entry.runs[0].output)), [7]);
});

test('a manifest of another format fails naming the fields', async () => {
  const path = join(dir, 'format');
  await mkdirAndWrite(path, [NET]);
  const file = join(path, 'manifest.json');
  const m = JSON.parse(await readFile(file, 'utf8'));
  await writeFile(file, JSON.stringify({ ...m, version: 2 }));
  await assert.rejects(readExportManifest(path), /version=2/);
});

test('a truncated blob, a stray offset or an unknown id fails', async () => {
  const path = join(dir, 'bad');
  await mkdirAndWrite(path, [NET]);
  const manifest = await readExportManifest(path);
  await assert.rejects(
    readExportedNetwork(path, manifest, 'other'),
    /no network other .*has tiny/,
  );
  const entry = manifest.networks[0];
  const stray = { ...entry, input: { ...entry.input, offset: 400 } };
  const moved = { ...manifest, networks: [stray] };
  await assert.rejects(
    readExportedNetwork(path, moved, 'tiny'),
    /tiny\/input \[1,1,1,2\] at byte 400 lies outside tiny\.f32/,
  );
  await truncate(join(path, 'tiny.f32'), 8);
  await assert.rejects(
    readExportedNetwork(path, manifest, 'tiny'),
    /tiny\.f32 has 8 bytes, the manifest says 24/,
  );
});

async function mkdirAndWrite(path: string, nets: FakeNetwork[]) {
  await mkdir(path);
  await writeFakeExport(path, nets);
}
