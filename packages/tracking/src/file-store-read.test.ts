// Reading a store that MLflow wrote: PyYAML-style meta.yaml (plain and
// single-quoted scalars), 2-, 3- and 5-field metric lines, Python's
// spellings of NaN and infinity, no run_name in meta.yaml.

import assert from 'node:assert/strict';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { FileStore } from './file-store';

const EXP = '512436891234567890';
const RUN = '0123456789abcdef0123456789abcdef';
const OLD = 'fedcba9876543210fedcba9876543210';

function write(root: string, rel: string, text: string): void {
  const path = join(root, ...rel.split('/'));
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

/** A store as MLflow 3.x's Python client leaves it. */
function mlflowStore(t: TestContext): string {
  const root = mkdtempSync(join(tmpdir(), 'acsm-mlflow-store-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  write(
    root,
    '0/meta.yaml',
    `artifact_location: file://${root}/0\ncreation_time: 1700000000000\n` +
      `experiment_id: '0'\nlast_update_time: 1700000000000\n` +
      `lifecycle_stage: active\nname: Default\n`,
  );
  write(
    root,
    `${EXP}/meta.yaml`,
    `artifact_location: file://${root}/${EXP}\ncreation_time: 1700000000001\n` +
      `experiment_id: '${EXP}'\nlast_update_time: 1700000000001\n` +
      `lifecycle_stage: active\nname: mnist table\n`,
  );
  write(root, `${EXP}/tags/mlflow.note.content`, 'a note');
  const run = (id: string, status: number, start: number, name: string) =>
    `artifact_uri: file://${root}/${EXP}/${id}/artifacts\n` +
    `end_time: ${status === 1 ? 'null' : start + 10}\nentry_point_name: ''\n` +
    `experiment_id: '${EXP}'\nlifecycle_stage: active\nrun_id: ${id}\n` +
    `run_name: ${name}\nrun_uuid: ${id}\nsource_name: ''\nsource_type: 4\n` +
    `source_version: ''\nstart_time: ${start}\nstatus: ${status}\n` +
    `tags: []\nuser_id: alice\n`;
  write(
    root,
    `${EXP}/${RUN}/meta.yaml`,
    run(RUN, 3, 1700000000100, 'bright-fox-7'),
  );
  write(root, `${EXP}/${OLD}/meta.yaml`, run(OLD, 4, 1700000000050, "''"));
  write(root, `${EXP}/${RUN}/params/lr`, '0.01');
  write(root, `${EXP}/${RUN}/params/model/width`, '64');
  write(root, `${EXP}/${RUN}/tags/mlflow.runName`, 'bright-fox-7');
  write(root, `${EXP}/${OLD}/tags/mlflow.runName`, 'old-run');
  write(root, `${EXP}/${OLD}/params/lr`, '0.1');
  write(
    root,
    `${EXP}/${RUN}/metrics/loss`,
    '1700000000200 0.9 0\n1700000000300 NaN 1\n1700000000400 0.25 2\n',
  );
  write(root, `${EXP}/${RUN}/metrics/train/acc`, '1700000000200 0.5\n');
  write(
    root,
    `${EXP}/${RUN}/metrics/fid`,
    '1700000000500 Infinity 0 mnist 1a2b3c\n1700000000600 -inf 0 mnist 1a2b3c\n',
  );
  write(root, `${EXP}/${RUN}/artifacts/model/weights.bin`, 'w');
  return root;
}

test('an MLflow-written store reads back', async (t) => {
  const root = mlflowStore(t);
  const store = await FileStore.open(root);
  const exp = await store.getExperimentByName('mnist table');
  assert.deepEqual(exp, {
    experimentId: EXP,
    name: 'mnist table',
    artifactLocation: `file://${root}/${EXP}`,
    lifecycleStage: 'active',
    creationTime: 1700000000001,
    lastUpdateTime: 1700000000001,
    tags: { 'mlflow.note.content': 'a note' },
  });
  const run = await store.getRun(RUN);
  assert.deepEqual(run.info, {
    runId: RUN,
    experimentId: EXP,
    runName: 'bright-fox-7',
    userId: 'alice',
    status: 'FINISHED',
    startTime: 1700000000100,
    endTime: 1700000000110,
    artifactUri: `file://${root}/${EXP}/${RUN}/artifacts`,
    lifecycleStage: 'active',
  });
  assert.deepEqual(run.data.params, { lr: '0.01', 'model/width': '64' });
  assert.deepEqual(run.data.metrics, {
    loss: 0.25,
    'train/acc': 0.5,
    fid: -Infinity,
  });
  assert.equal((await store.getRun(OLD)).info.runName, 'old-run');
  assert.equal((await store.getRun(OLD)).info.status, 'FAILED');
});

test('metric history of 2-, 3- and 5-field lines with NaN and inf', async (t) => {
  const store = await FileStore.open(mlflowStore(t));
  const values = async (key: string) =>
    (await store.getMetricHistory(RUN, key)).map((m) => [m.value, m.step]);
  assert.deepEqual(await values('loss'), [
    [0.9, 0],
    [NaN, 1],
    [0.25, 2],
  ]);
  assert.deepEqual(await values('train/acc'), [[0.5, 0]]);
  assert.deepEqual(await values('fid'), [
    [Infinity, 0],
    [-Infinity, 0],
  ]);
});

test('searchRuns on an MLflow-written store', async (t) => {
  const store = await FileStore.open(mlflowStore(t));
  const ids = async (filter: object) =>
    (await store.searchRuns({ experimentIds: [EXP, '0'], filter })).runs.map(
      (r) => r.info.runId,
    );
  assert.deepEqual(await ids({}), [RUN, OLD]);
  assert.deepEqual(await ids({ params: { lr: '0.01' }, status: 'FINISHED' }), [
    RUN,
  ]);
  assert.deepEqual(await ids({ tags: { 'mlflow.runName': 'old-run' } }), [OLD]);
  assert.deepEqual(await store.listArtifacts(RUN, 'model'), [
    { path: 'model/weights.bin', isDir: false, fileSize: 1 },
  ]);
});

test('opening an existing store leaves its files alone', async (t) => {
  const root = mlflowStore(t);
  const before = readFileSync(join(root, '0', 'meta.yaml'), 'utf8');
  const store = await FileStore.open(root);
  assert.equal(readFileSync(join(root, '0', 'meta.yaml'), 'utf8'), before);
  await store.logBatch(RUN, {
    metrics: [{ key: 'loss', value: 0.1, timestamp: 1700000000700, step: 3 }],
  });
  assert.equal((await store.getRun(RUN)).data.metrics.loss, 0.1);
});
