import assert from 'node:assert/strict';
import { test } from 'node:test';
import { proxyPathOf } from './rest-artifacts';
import {
  decodeMetric,
  decodeRun,
  encodeMetric,
  filterString,
} from './rest-codec';

test('non-finite values travel as MLflow strings, both ways', () => {
  const m = (value: number) => ({ key: 'k', value, timestamp: 1, step: 2 });
  assert.equal(encodeMetric(m(NaN)).value, 'NaN');
  assert.equal(encodeMetric(m(Infinity)).value, 'Infinity');
  assert.equal(encodeMetric(m(-Infinity)).value, '-Infinity');
  assert.equal(encodeMetric(m(0.5)).value, 0.5);
  assert.ok(!JSON.stringify(encodeMetric(m(NaN))).includes('null'));
  for (const v of [NaN, Infinity, -Infinity, 0.5, -0, 1e-300]) {
    const back = decodeMetric(JSON.parse(JSON.stringify(encodeMetric(m(v)))));
    assert.ok(Object.is(back.value, v) || (v === 0 && back.value === 0));
  }
  // int64 fields may come as strings; a missing step is 0.
  assert.deepEqual(
    decodeMetric({ key: 'k', value: '1.5', timestamp: '1700000000000' }),
    { key: 'k', value: 1.5, timestamp: 1_700_000_000_000, step: 0 },
  );
  assert.throws(() => decodeMetric({ key: 'k', value: 'x', timestamp: 1 }));
});

test('a run without data fields (empty repeated fields left out)', () => {
  const run = decodeRun({
    info: {
      run_id: 'abc',
      experiment_id: '3',
      status: 'KILLED',
      start_time: '5',
    },
  });
  assert.equal(run.info.status, 'KILLED');
  assert.equal(run.info.startTime, 5);
  assert.equal(run.info.endTime, null);
  assert.deepEqual(run.data, { metrics: {}, params: {}, tags: {} });
});

test('run filters in MLflow search syntax', () => {
  assert.equal(filterString({}), '');
  assert.equal(
    filterString({
      tags: { 'acsm.kind': 'cell' },
      params: { lr: "it's" },
      status: 'FINISHED',
    }),
    "tags.`acsm.kind` = 'cell' and params.`lr` = \"it's\" and " +
      "attributes.status = 'FINISHED'",
  );
  assert.throws(() => filterString({ tags: { a: `'"` } }), /both/);
});

test('artifact URIs served by the proxy', () => {
  assert.equal(
    proxyPathOf('mlflow-artifacts:/1/abc/artifacts'),
    '1/abc/artifacts',
  );
  assert.equal(
    proxyPathOf('mlflow-artifacts://host:5000/1/abc/artifacts'),
    '1/abc/artifacts',
  );
  assert.equal(
    proxyPathOf('http://h:5000/api/2.0/mlflow-artifacts/artifacts/1/a%20b'),
    '1/a b',
  );
  assert.equal(proxyPathOf('file:///tmp/mlruns/1/abc/artifacts'), null);
  assert.equal(proxyPathOf('s3://bucket/1/abc'), null);
});
