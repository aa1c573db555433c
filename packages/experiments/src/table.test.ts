import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tableCsv, tableMarkdown, tableNotesOf, type TableRow } from './table';

const row: TableRow = {
  cell: 'dsm/cas/n1/raw',
  training: 'dsm',
  sampler: 'cas',
  stepsPerLevel: 1,
  stepSize: 1e-5,
  output: 'raw',
  metric: 'fid_mnist_classifier',
  value: 12.5,
  numSamples: 1000,
  reference: null,
  referenceSource: 'none: no value, with a comma',
  runId: 'abc',
};

test('table.csv has the documented columns and quotes commas', () => {
  const lines = tableCsv([row]).trim().split('\n');
  assert.equal(
    lines[0],
    'cell,training,sampler,steps_per_level,step_size,output,metric,value,' +
      'n_samples,reference,reference_source,run_id',
  );
  assert.equal(
    lines[1],
    'dsm/cas/n1/raw,dsm,cas,1,0.00001,raw,fid_mnist_classifier,12.5,1000,,' +
      '"none: no value, with a comma",abc',
  );
});

test('table.md shows a missing reference as a dash', () => {
  const md = tableMarkdown('T', [row], ['a note']);
  assert.match(md, /\| 12\.50 \| 1000 \| — \| none: no value, with a comma \|/);
  assert.match(md, /- a note/);
});

test('tableNotesOf: the notes under a table.md, none without', () => {
  const notes = ['Metric: FID (a - b).', 'Data: x | y.', '- a dash'];
  assert.deepEqual(tableNotesOf(tableMarkdown('T', [row, row], notes)), notes);
  assert.deepEqual(tableNotesOf(tableMarkdown('T', [row])), []);
});
