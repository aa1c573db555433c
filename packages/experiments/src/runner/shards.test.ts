import { test } from 'node:test';
import assert from 'node:assert/strict';
import { table2 } from '../definitions/table2';
import { resolveCells } from './resolve';
import {
  parseShard,
  shardFromEnvironment,
  shardSlice,
  trainingCount,
} from './shards';
import { parseJobs, resolveJobs } from '../cli/run-target';

const cells = resolveCells(table2, 'smoke', {});
const dsm = cells.find((c) => c.spec.training === 'dsm')!.trainingHash;
const hybrid = cells.find((c) => c.spec.training === 'hybrid')!.trainingHash;

test('two shards: one trained model each, with all its cells', () => {
  const [a, b] = [1, 2].map((index) => shardSlice(cells, { index, count: 2 }));
  assert.equal(a.cells.length, 8);
  assert.ok(a.cells.every((c) => c.spec.training === 'dsm'));
  assert.deepEqual([...a.owned], [dsm]);
  assert.ok(b.cells.every((c) => c.spec.training === 'hybrid'));
  assert.deepEqual([...b.owned], [hybrid]);
});

for (const count of [1, 3, 4, 8, 16]) {
  test(`${count} shards cover every cell once; one owner per model`, () => {
    const slices = Array.from({ length: count }, (_, i) =>
      shardSlice(cells, { index: i + 1, count }),
    );
    const ids = slices.flatMap((s) => s.cells.map((c) => c.spec.id));
    assert.deepEqual([...ids].sort(), cells.map((c) => c.spec.id).sort());
    const owners = slices.flatMap((s) => [...s.owned]);
    assert.deepEqual([...owners].sort(), [dsm, hybrid].sort());
    // Raw and denoised of one sampler run stay in one shard.
    for (const s of slices) {
      for (const c of s.cells) {
        const twin = c.spec.id.replace(/(raw|denoised)$/, (m) =>
          m === 'raw' ? 'denoised' : 'raw',
        );
        assert.ok(
          s.cells.some((d) => d.spec.id === twin),
          c.spec.id,
        );
      }
    }
  });
}

test('four shards: the second waits for the first to train DSM', () => {
  const second = shardSlice(cells, { index: 2, count: 4 });
  assert.ok(second.cells.length > 0);
  assert.ok(second.cells.every((c) => c.trainingHash === dsm));
  assert.equal(second.owned.size, 0);
});

test('--shard i/n: parsed, or a clear error', () => {
  assert.deepEqual(parseShard('2/4'), { index: 2, count: 4 });
  assert.deepEqual(parseShard(' 1/1 '), { index: 1, count: 1 });
  for (const bad of ['0/2', '3/2', '1/0', 'a/b', '1', '1/2/3', '-1/2']) {
    assert.throws(
      () => parseShard(bad),
      new RegExp(`--shard must be i/n .*got '${bad.replace('/', '\\/')}'`),
    );
  }
});

test('--jobs: auto is one shard per model up to the cores, on wasm only', () => {
  const wasm = { name: 'wasm', threads: 2, simd: true } as const;
  const gpu = { name: 'node-gpu', threads: 8, simd: true } as const;
  assert.equal(trainingCount(cells), 2);
  assert.ok(resolveJobs('auto', wasm, cells) <= 2);
  assert.ok(resolveJobs('auto', wasm, cells) >= 1);
  assert.equal(resolveJobs('auto', gpu, cells), 1);
  assert.equal(resolveJobs(3, gpu, cells), 3);
  assert.equal(parseJobs('auto'), 'auto');
  assert.equal(parseJobs('4'), 4);
  for (const bad of ['0', '65', '1.5', 'many']) {
    assert.throws(() => parseJobs(bad), /--jobs must be 'auto' or an integer/);
  }
});

test('shard from a SLURM job array or a Kubernetes indexed Job', () => {
  assert.equal(shardFromEnvironment({}), undefined);
  const slurm = (id: string, min?: string, count = '4') =>
    shardFromEnvironment({
      SLURM_ARRAY_TASK_ID: id,
      SLURM_ARRAY_TASK_COUNT: count,
      ...(min === undefined ? {} : { SLURM_ARRAY_TASK_MIN: min }),
    })?.shard;
  assert.deepEqual(slurm('0', '0'), { index: 1, count: 4 });
  assert.deepEqual(slurm('3', '0'), { index: 4, count: 4 });
  assert.deepEqual(slurm('1', '1'), { index: 1, count: 4 }, '--array=1-4');
  assert.deepEqual(slurm('2'), { index: 3, count: 4 }, 'min defaults to 0');
  assert.throws(
    () => slurm('4', '0'),
    /the shard of SLURM_ARRAY_TASK_ID=4 \(from 0, of 4 tasks\) must be i\/n.*got '5\/4'/,
  );
  assert.throws(
    () => slurm('x'),
    /SLURM_ARRAY_TASK_ID must be a whole number, got 'x'/,
  );
  assert.throws(
    () => shardFromEnvironment({ SLURM_ARRAY_TASK_ID: '1' }),
    /SLURM_ARRAY_TASK_COUNT is not set/,
  );
  const k8s = shardFromEnvironment({
    JOB_COMPLETION_INDEX: '2',
    ACSM_SHARD_COUNT: '3',
  });
  assert.deepEqual(k8s?.shard, { index: 3, count: 3 });
  assert.match(k8s!.source, /JOB_COMPLETION_INDEX=2 of ACSM_SHARD_COUNT=3/);
  assert.throws(
    () => shardFromEnvironment({ JOB_COMPLETION_INDEX: '0' }),
    /ACSM_SHARD_COUNT is not: set it to the Job’s completions/,
  );
});
