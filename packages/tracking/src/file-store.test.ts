// The file store's layout, checked field by field against
// shared/MLFLOW.md §2, and its behaviour as a TrackingStore.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { pathToFileURL } from 'node:url';
import { TrackingError } from './errors';
import { FileStore } from './file-store';
import { RUN_STATUSES } from './types';
import { parseYaml } from './yaml';

function tempRoot(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'acsm-file-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'mlruns');
}

function metaKeys(path: string): string[] {
  return readFileSync(path, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => l.slice(0, l.indexOf(':')));
}

function metaLine(path: string, key: string): string {
  const line = readFileSync(path, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${key}:`));
  assert.ok(line !== undefined, `${path} has no ${key}`);
  return line.slice(key.length + 2);
}

/** Every file under `dir`, relative. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath ?? d.path, d.name).slice(dir.length + 1));
}

async function storeWithRun(t: TestContext) {
  const root = tempRoot(t);
  const store = await FileStore.open(root);
  const exp = await store.getOrCreateExperiment('table1');
  const info = await store.createRun({
    experimentId: exp.experimentId,
    runName: 'cell-1',
    tags: { 'acsm.config_hash': 'abc' },
    startTime: 1700000000000,
    userId: 'tester',
  });
  const runDir = join(root, exp.experimentId, info.runId);
  return { root, store, exp, info, runDir };
}

const EXPERIMENT_KEYS = [
  'artifact_location',
  'creation_time',
  'experiment_id',
  'last_update_time',
  'lifecycle_stage',
  'name',
];

test('open creates .trash and the Default experiment 0', async (t) => {
  const root = tempRoot(t);
  await FileStore.open(root);
  assert.ok(existsSync(join(root, '.trash')));
  const meta = join(root, '0', 'meta.yaml');
  assert.deepEqual(metaKeys(meta), EXPERIMENT_KEYS);
  assert.equal(metaLine(meta, 'experiment_id'), '"0"');
  assert.equal(metaLine(meta, 'name'), '"Default"');
  assert.equal(metaLine(meta, 'lifecycle_stage'), '"active"');
  const location = pathToFileURL(join(root, '0')).href;
  assert.equal(metaLine(meta, 'artifact_location'), `"${location}"`);
  assert.match(metaLine(meta, 'creation_time'), /^\d{13}$/);
  assert.match(metaLine(meta, 'last_update_time'), /^\d{13}$/);
  const before = readFileSync(meta, 'utf8');
  await FileStore.open(root);
  assert.equal(readFileSync(meta, 'utf8'), before, 'reopening rewrites 0');
});

test('experiments get 18-digit ids and tags in tags/<key>', async (t) => {
  const root = tempRoot(t);
  const store = await FileStore.open(root);
  const tags = { 'acsm.table': 'table 1', 'nested/key': 'x\ny' };
  const exp = await store.getOrCreateExperiment('table1', tags);
  assert.match(exp.experimentId, /^[1-9]\d{17}$/);
  const dir = join(root, exp.experimentId);
  assert.deepEqual(metaKeys(join(dir, 'meta.yaml')), EXPERIMENT_KEYS);
  assert.equal(
    metaLine(join(dir, 'meta.yaml'), 'experiment_id'),
    `"${exp.experimentId}"`,
  );
  assert.equal(
    readFileSync(join(dir, 'tags', 'acsm.table'), 'utf8'),
    'table 1',
  );
  assert.equal(
    readFileSync(join(dir, 'tags', 'nested', 'key'), 'utf8'),
    'x\ny',
  );
  const again = await store.getOrCreateExperiment('table1', { other: '1' });
  assert.deepEqual(again, exp);
  assert.deepEqual(await store.getExperimentByName('table1'), exp);
  assert.equal(await store.getExperimentByName('nope'), null);
});

test('concurrent getOrCreateExperiment makes one experiment', async (t) => {
  const root = tempRoot(t);
  const stores = await Promise.all([1, 2, 3].map(() => FileStore.open(root)));
  const exps = await Promise.all(
    stores.map((s) => s.getOrCreateExperiment('race')),
  );
  assert.equal(new Set(exps.map((e) => e.experimentId)).size, 1);
  assert.equal(readdirSync(root).filter((n) => /^\d{18}$/.test(n)).length, 1);
});

test('run meta.yaml has MLflow fields and types', async (t) => {
  const { root, info, runDir, exp } = await storeWithRun(t);
  const meta = join(runDir, 'meta.yaml');
  assert.deepEqual(metaKeys(meta), [
    'artifact_uri',
    'deleted_time',
    'end_time',
    'entry_point_name',
    'experiment_id',
    'lifecycle_stage',
    'run_id',
    'run_name',
    'run_uuid',
    'source_name',
    'source_type',
    'source_version',
    'start_time',
    'status',
    'tags',
    'user_id',
  ]);
  assert.match(info.runId, /^[0-9a-f]{32}$/);
  const artifacts = pathToFileURL(join(runDir, 'artifacts')).href;
  const expected: Record<string, string> = {
    artifact_uri: `"${artifacts}"`,
    deleted_time: 'null',
    end_time: 'null',
    entry_point_name: '""',
    experiment_id: `"${exp.experimentId}"`,
    lifecycle_stage: '"active"',
    run_id: `"${info.runId}"`,
    run_name: '"cell-1"',
    run_uuid: `"${info.runId}"`,
    source_name: '""',
    source_type: '4',
    source_version: '""',
    start_time: '1700000000000',
    status: '1',
    tags: '[]',
    user_id: '"tester"',
  };
  for (const [k, v] of Object.entries(expected)) {
    assert.equal(metaLine(meta, k), v, k);
  }
  for (const sub of ['metrics', 'params', 'tags', 'artifacts']) {
    assert.ok(existsSync(join(runDir, sub)), sub);
  }
  const tag = (k: string) => readFileSync(join(runDir, 'tags', k), 'utf8');
  assert.equal(tag('mlflow.runName'), 'cell-1');
  assert.equal(tag('mlflow.user'), 'tester');
  assert.equal(tag('acsm.config_hash'), 'abc');
  assert.ok(existsSync(join(root, exp.experimentId, info.runId)));
});

test('status is stored as MLflow ints 1..5', async (t) => {
  const { store, info, runDir } = await storeWithRun(t);
  for (const [i, status] of RUN_STATUSES.entries()) {
    const out = await store.updateRun(info.runId, { status, endTime: 42 + i });
    assert.equal(out.status, status);
    assert.equal(metaLine(join(runDir, 'meta.yaml'), 'status'), String(i + 1));
    assert.equal(
      metaLine(join(runDir, 'meta.yaml'), 'end_time'),
      String(42 + i),
    );
  }
  await assert.rejects(
    store.updateRun(info.runId, { status: 'DONE' as 'FINISHED' }),
    /status must be one of RUNNING, SCHEDULED, FINISHED, FAILED, KILLED/,
  );
});

test('params, tags and metrics files are in MLflow format', async (t) => {
  const { store, info, runDir } = await storeWithRun(t);
  await store.logBatch(info.runId, {
    params: [
      { key: 'lr', value: '0.01' },
      { key: 'noise.sigmaMax', value: '50' },
    ],
    tags: [{ key: 'note', value: 'line 1\nline 2\n' }],
    metrics: [
      { key: 'loss', value: 0.5, timestamp: 1000, step: 0 },
      { key: 'loss', value: NaN, timestamp: 1001, step: 1 },
      { key: 'loss', value: Infinity, timestamp: 1002, step: 2 },
      { key: 'loss', value: -Infinity, timestamp: 1003, step: 3 },
      { key: 'train/acc', value: 1e-7, timestamp: 1004, step: 7 },
    ],
  });
  const read = (...p: string[]) => readFileSync(join(runDir, ...p), 'utf8');
  assert.equal(read('params', 'lr'), '0.01');
  assert.equal(read('params', 'noise.sigmaMax'), '50');
  assert.equal(read('tags', 'note'), 'line 1\nline 2\n');
  assert.equal(
    read('metrics', 'loss'),
    '1000 0.5 0\n1001 nan 1\n1002 inf 2\n1003 -inf 3\n',
  );
  assert.equal(read('metrics', 'train', 'acc'), '1004 1e-7 7\n');
});

test('what is written reads back', async (t) => {
  const { store, info } = await storeWithRun(t);
  await store.logBatch(info.runId, {
    params: [{ key: 'lr', value: '0.01' }],
    metrics: [
      { key: 'loss', value: 2, timestamp: 10, step: 0 },
      { key: 'loss', value: 1, timestamp: 11, step: 1 },
      { key: 'fid', value: NaN, timestamp: 12, step: 0 },
    ],
  });
  await store.setTag(info.runId, 'acsm.stage', 'train');
  const run = await store.getRun(info.runId);
  assert.deepEqual(run.info, info);
  assert.deepEqual(run.data.params, { lr: '0.01' });
  assert.deepEqual(run.data.metrics, { loss: 1, fid: NaN });
  assert.deepEqual(run.data.tags, {
    'acsm.config_hash': 'abc',
    'acsm.stage': 'train',
    'mlflow.runName': 'cell-1',
    'mlflow.user': 'tester',
  });
  const history = await store.getMetricHistory(info.runId, 'loss');
  assert.deepEqual(
    history.map((m) => [m.timestamp, m.value, m.step]),
    [
      [10, 2, 0],
      [11, 1, 1],
    ],
  );
  assert.deepEqual(await store.getMetricHistory(info.runId, 'none'), []);
});

test('setting mlflow.runName renames the run', async (t) => {
  const { store, info, runDir } = await storeWithRun(t);
  await store.setTag(info.runId, 'mlflow.runName', 'renamed');
  assert.equal(metaLine(join(runDir, 'meta.yaml'), 'run_name'), '"renamed"');
  const updated = await store.updateRun(info.runId, { runName: 'again' });
  assert.equal(updated.runName, 'again');
  const run = await store.getRun(info.runId);
  assert.equal(run.data.tags['mlflow.runName'], 'again');
});

test('params are immutable; a refused batch writes nothing', async (t) => {
  const { store, info, runDir } = await storeWithRun(t);
  await store.logBatch(info.runId, { params: [{ key: 'lr', value: '0.01' }] });
  await store.logBatch(info.runId, { params: [{ key: 'lr', value: '0.01' }] });
  await assert.rejects(
    store.logBatch(info.runId, {
      params: [
        { key: 'new1', value: '1' },
        { key: 'lr', value: '0.1' },
      ],
      metrics: [{ key: 'loss', value: 1, timestamp: 1, step: 0 }],
      tags: [{ key: 't', value: 'v' }],
    }),
    (e: TrackingError) =>
      e.code === 'INVALID_PARAMETER_VALUE' &&
      /param 'lr' .* logged as '0.01'; changing it to '0.1'/.test(e.message),
  );
  assert.deepEqual(readdirSync(join(runDir, 'params')), ['lr']);
  assert.ok(!existsSync(join(runDir, 'metrics', 'loss')));
  assert.ok(!existsSync(join(runDir, 'tags', 't')));
});

test('bad keys and key/folder clashes are refused before writing', async (t) => {
  const { store, info, runDir } = await storeWithRun(t);
  const metric = (key: string) => ({ key, value: 1, timestamp: 1, step: 0 });
  await assert.rejects(
    store.logBatch(info.runId, { metrics: [metric('ok'), metric('../x')] }),
    /metric key '..\/x'/,
  );
  await store.logBatch(info.runId, { metrics: [metric('a')] });
  await assert.rejects(
    store.logBatch(info.runId, { metrics: [metric('b'), metric('a/b')] }),
    /metric key 'a\/b' clashes with metric 'a'/,
  );
  await assert.rejects(
    store.logBatch(info.runId, { metrics: [metric('c'), metric('c/d')] }),
    /metric key 'c\/d' clashes with metric 'c'/,
  );
  assert.deepEqual(readdirSync(join(runDir, 'metrics')), ['a']);
  await assert.rejects(
    store.logBatch(info.runId, {
      params: [{ key: 'p', value: 'x'.repeat(6001) }],
    }),
    /param 'p' has a value of 6001 chars/,
  );
});

test('searchRuns finds a FINISHED run by tag, params and pages', async (t) => {
  const { store, exp, info } = await storeWithRun(t);
  const make = async (hash: string, startTime: number) =>
    store.createRun({
      experimentId: exp.experimentId,
      tags: { 'acsm.config_hash': hash },
      startTime,
    });
  const second = await make('abc', 1700000000001);
  const other = await make('zzz', 1700000000002);
  await store.updateRun(second.runId, { status: 'FINISHED', endTime: 5 });
  await store.logBatch(other.runId, { params: [{ key: 'lr', value: '1' }] });
  const search = (filter: object, extra = {}) =>
    store.searchRuns({ experimentIds: [exp.experimentId], filter, ...extra });
  const ids = async (filter: object, extra = {}) =>
    (await search(filter, extra)).runs.map((r) => r.info.runId);

  assert.deepEqual(
    await ids({ tags: { 'acsm.config_hash': 'abc' }, status: 'FINISHED' }),
    [second.runId],
  );
  const found = await search({ tags: { 'acsm.config_hash': 'abc' } });
  assert.deepEqual(
    found.runs.map((r) => r.info.runId),
    [second.runId, info.runId],
    'newest first',
  );
  assert.equal(found.nextPageToken, undefined);
  assert.deepEqual(await ids({ params: { lr: '1' } }), [other.runId]);
  assert.deepEqual(await ids({ params: { lr: '2' } }), []);

  const page1 = await search({}, { maxResults: 2 });
  assert.equal(page1.runs.length, 2);
  assert.ok(page1.nextPageToken);
  const page2 = await search(
    {},
    { maxResults: 2, pageToken: page1.nextPageToken },
  );
  assert.deepEqual(
    [...page1.runs, ...page2.runs].map((r) => r.info.runId),
    [other.runId, second.runId, info.runId],
  );
  assert.equal(page2.nextPageToken, undefined);

  await store.deleteRun(other.runId);
  assert.deepEqual(await ids({ params: { lr: '1' } }), []);
  assert.deepEqual(await ids({ params: { lr: '1' } }, { runViewType: 'ALL' }), [
    other.runId,
  ]);
  await assert.rejects(search({}, { maxResults: 50001 }), /maxResults/);
  await assert.rejects(
    store.logBatch(other.runId, { tags: [{ key: 'a', value: 'b' }] }),
    /must be in the 'active' state/,
  );
});

test('a deleted experiment is an error that says so', async (t) => {
  const { root, store, exp, info } = await storeWithRun(t);
  await store.deleteExperiment(exp.experimentId);
  const trashed = join(root, '.trash', exp.experimentId);
  assert.ok(existsSync(join(trashed, 'meta.yaml')));
  assert.ok(!existsSync(join(root, exp.experimentId)));
  assert.equal(
    metaLine(join(trashed, 'meta.yaml'), 'lifecycle_stage'),
    '"deleted"',
  );
  const runMeta = join(trashed, info.runId, 'meta.yaml');
  assert.equal(metaLine(runMeta, 'lifecycle_stage'), '"deleted"');
  assert.match(metaLine(runMeta, 'deleted_time'), /^\d{13}$/);

  await assert.rejects(
    store.getOrCreateExperiment('table1'),
    (e: TrackingError) =>
      e.code === 'RESOURCE_ALREADY_EXISTS' &&
      /experiment 'table1' \(id \d+\) is deleted/.test(e.message),
  );
  await assert.rejects(
    store.createRun({ experimentId: exp.experimentId }),
    /cannot create a run in experiment 'table1' .* it is deleted/,
  );
  assert.equal((await store.getRun(info.runId)).info.lifecycleStage, 'deleted');
  await assert.rejects(store.deleteExperiment('0'), /Default experiment/);
  await assert.rejects(store.getRun('f'.repeat(32)), /does not exist/);
});

test('no temp files stay behind; readers never see half a file', async (t) => {
  const { root, store, info, runDir } = await storeWithRun(t);
  const meta = join(runDir, 'meta.yaml');
  let reads = 0;
  let writing = true;
  const reader = (async () => {
    while (writing) {
      const fields = parseYaml(await readFile(meta, 'utf8'));
      assert.equal(Object.keys(fields).length, 16);
      reads += 1;
    }
  })();
  for (let i = 0; i < 60; i += 1) {
    await store.updateRun(info.runId, {
      runName: `name-${i}-${'x'.repeat(i * 50)}`,
    });
  }
  writing = false;
  await reader;
  assert.ok(reads > 0);
  assert.deepEqual(
    filesUnder(root).filter((f) => f.includes('.acsm-tmp-')),
    [],
  );
});

test('leftovers of a crash do not break reading or writing', async (t) => {
  const { root, store, exp, info, runDir } = await storeWithRun(t);
  // A temp file a crash left before its rename, in each place one goes.
  for (const dir of [runDir, join(root, exp.experimentId)]) {
    writeFileSync(join(dir, '.acsm-tmp-crashed'), 'artifact_uri: "fi');
  }
  // An experiment folder whose meta.yaml was never renamed into place.
  await store.getOrCreateExperiment('half').then(async (e) => {
    rmSync(join(root, e.experimentId, 'meta.yaml'));
  });
  assert.equal(await store.getExperimentByName('half'), null);
  // A metric append torn by a crash.
  const metric = { key: 'loss', value: 1, timestamp: 10, step: 0 };
  await store.logBatch(info.runId, { metrics: [metric] });
  writeFileSync(join(runDir, 'metrics', 'loss'), '11 2', { flag: 'a' });
  writeFileSync(join(runDir, 'metrics', 'loss'), '.5 1\n12', { flag: 'a' });
  assert.equal((await store.getMetricHistory(info.runId, 'loss')).length, 2);
  await store.logBatch(info.runId, { metrics: [{ ...metric, timestamp: 13 }] });
  assert.equal(
    readFileSync(join(runDir, 'metrics', 'loss'), 'utf8'),
    '10 1 0\n11 2.5 1\n13 1 0\n',
  );
  const run = await store.getRun(info.runId);
  assert.equal(run.info.runName, 'cell-1');
  const found = await store.searchRuns({ experimentIds: [exp.experimentId] });
  assert.equal(found.runs.length, 1);
});

test('artifacts: bytes, files, folders, listing, download', async (t) => {
  const { root, store, info, runDir } = await storeWithRun(t);
  const src = join(root, '..', 'src');
  writeFileSync(join(root, '..', 'config.json'), '{"a":1}');
  mkdirSync(join(src, 'sub'), { recursive: true });
  for (const f of ['x.txt', 'sub/y.txt']) writeFileSync(join(src, f), f);
  await store.logArtifactBytes(
    info.runId,
    'samples/grid.png',
    new Uint8Array([1, 2, 3]),
  );
  await store.logArtifact(
    info.runId,
    join(root, '..', 'config.json'),
    'config',
  );
  await store.logArtifact(info.runId, src);
  const art = join(runDir, 'artifacts');
  assert.deepEqual(
    readFileSync(join(art, 'samples', 'grid.png')),
    Buffer.from([1, 2, 3]),
  );
  assert.equal(
    readFileSync(join(art, 'config', 'config.json'), 'utf8'),
    '{"a":1}',
  );
  assert.equal(
    readFileSync(join(art, 'src', 'sub', 'y.txt'), 'utf8'),
    'sub/y.txt',
  );
  assert.deepEqual(await store.listArtifacts(info.runId), [
    { path: 'config', isDir: true },
    { path: 'samples', isDir: true },
    { path: 'src', isDir: true },
  ]);
  assert.deepEqual(await store.listArtifacts(info.runId, 'samples'), [
    { path: 'samples/grid.png', isDir: false, fileSize: 3 },
  ]);
  assert.deepEqual(await store.listArtifacts(info.runId, 'missing'), []);
  assert.deepEqual(
    await store.readArtifact(info.runId, 'samples/grid.png'),
    new Uint8Array([1, 2, 3]),
  );
  const dest = join(root, '..', 'out');
  const file = await store.downloadArtifact(
    info.runId,
    'config/config.json',
    dest,
  );
  assert.equal(readFileSync(file, 'utf8'), '{"a":1}');
  const dir = await store.downloadArtifact(info.runId, 'src', dest);
  assert.equal(readFileSync(join(dir, 'sub', 'y.txt'), 'utf8'), 'sub/y.txt');
  await assert.rejects(
    store.logArtifactBytes(info.runId, '../escape', new Uint8Array()),
    /artifact path '..\/escape'/,
  );
  await assert.rejects(
    store.readArtifact(info.runId, 'nope'),
    /no artifact 'nope'/,
  );
});

const hasPyYaml =
  spawnSync('python3', ['-c', 'import yaml'], { stdio: 'ignore' }).status === 0;

test(
  'PyYAML safe_load reads meta.yaml with the types MLflow expects',
  { skip: hasPyYaml ? false : 'python3 with PyYAML is not available' },
  async (t) => {
    const { root, store, info, runDir } = await storeWithRun(t);
    await store.updateRun(info.runId, { status: 'FINISHED', endTime: 99 });
    const script =
      'import sys,yaml\n' +
      'r = yaml.safe_load(open(sys.argv[1]))\n' +
      'e = yaml.safe_load(open(sys.argv[2]))\n' +
      'assert isinstance(r["experiment_id"], str), r\n' +
      'assert r["status"] == 3 and r["end_time"] == 99, r\n' +
      'assert isinstance(r["start_time"], int) and r["tags"] == [], r\n' +
      'assert r["source_type"] == 4 and r["deleted_time"] is None, r\n' +
      'assert r["run_id"] == r["run_uuid"] and len(r["run_id"]) == 32, r\n' +
      'assert e["experiment_id"] == "0" and e["name"] == "Default", e\n' +
      'assert isinstance(e["creation_time"], int), e\n';
    const r = spawnSync(
      'python3',
      ['-c', script, join(runDir, 'meta.yaml'), join(root, '0', 'meta.yaml')],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
  },
);

/** MLflow's file-store read rules (shared/MLFLOW.md §2), in Python. */
const PYTHON_READER = `
import os, posixpath, re, sys, yaml
root = sys.argv[1]
name_ok = re.compile(r"^[/\\w.\\- :]*$")
exp_ok = re.compile(r"^[a-zA-Z0-9][\\w\\-]{0,63}$")
def key_ok(k):
    return name_ok.match(k) and posixpath.normpath(k) == k
def files(d):
    out = []
    for r, _, fs in os.walk(d):
        out += [os.path.relpath(os.path.join(r, f), d) for f in fs]
    return out
seen = {}
for exp in os.listdir(root):
    d = os.path.join(root, exp)
    if not os.path.isdir(d) or exp in (".trash", "models"):
        continue
    assert exp_ok.match(exp), exp
    meta = yaml.safe_load(open(os.path.join(d, "meta.yaml")))
    assert meta["experiment_id"] == exp and isinstance(meta["name"], str)
    for k in files(os.path.join(d, "tags")):
        assert key_ok(k), k
    for run in os.listdir(d):
        rd = os.path.join(d, run)
        if run == "tags" or not os.path.isdir(rd):
            continue
        m = yaml.safe_load(open(os.path.join(rd, "meta.yaml")))
        assert m["run_id"] == run and m["experiment_id"] == exp, m
        assert m["status"] in (1, 2, 3, 4, 5) and m["lifecycle_stage"] == "active"
        assert m["artifact_uri"].startswith("file://"), m
        n = 0
        for k in files(os.path.join(rd, "metrics")):
            assert key_ok(k), k
            for line in open(os.path.join(rd, "metrics", k)):
                parts = line.strip().split(" ")
                assert len(parts) in (2, 3, 5), line
                int(parts[0]); float(parts[1]); int(parts[2])
                n += 1
        for sub in ("params", "tags"):
            for k in files(os.path.join(rd, sub)):
                assert key_ok(k), k
                open(os.path.join(rd, sub, k)).read()
        seen[run] = n
print(sorted(seen.values()))
`;

test(
  'a Python reader with MLflow rules reads the written store',
  { skip: hasPyYaml ? false : 'python3 with PyYAML is not available' },
  async (t) => {
    const { root, store, info } = await storeWithRun(t);
    await store.logBatch(info.runId, {
      params: [{ key: 'noise.sigma max', value: '50' }],
      tags: [{ key: 'acsm/stage', value: 'train' }],
      metrics: [NaN, Infinity, -Infinity, 1e-7, 3].map((value, step) => ({
        key: step % 2 ? 'train/loss' : 'eval: fid',
        value,
        timestamp: 1700000000000 + step,
        step,
      })),
    });
    await store.updateRun(info.runId, { status: 'KILLED', endTime: 1 });
    const r = spawnSync('python3', ['-c', PYTHON_READER, root], {
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), '[5]');
  },
);
