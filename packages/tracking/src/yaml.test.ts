import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { emitYaml, parseYaml, quoteYaml } from './yaml';

const TRICKY = [
  '',
  'plain',
  '0',
  'null',
  'yes',
  "it's",
  'say "hi"',
  'back\\slash',
  'line\nbreak\n',
  'tab\there',
  '  padded  ',
  ': colon # hash',
  'σ_max → 50 🎲',
  '\u0085\u2028\u00a0\x7f\x01',
  'file:///tmp/a b/mlruns/0',
  'nbsp\u00a0',
  'a\u00a0\n\u00a0b ' + 'word '.repeat(20),
];

const hasPyYaml =
  spawnSync('python3', ['-c', 'import yaml'], { stdio: 'ignore' }).status === 0;
const noPyYaml = hasPyYaml ? false : 'python3 with PyYAML is not available';

function python(script: string, input: string): string {
  const r = spawnSync('python3', ['-c', script], { input, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

test('quoteYaml writes printable ASCII only', () => {
  for (const s of TRICKY) assert.match(quoteYaml(s), /^"[\x20-\x7e]*"$/);
});

test('emit then parse round-trips strings, ints, null and []', () => {
  const map = Object.fromEntries(TRICKY.map((s, i) => [`k${i}`, s]));
  const all = { ...map, n: 1700000000000, z: null, l: [] };
  assert.deepEqual(parseYaml(emitYaml(all)), all);
});

test('emitYaml sorts keys and refuses non-integer numbers', () => {
  assert.equal(emitYaml({ b: 1, a: 'x' }), 'a: "x"\nb: 1\n');
  assert.throws(() => emitYaml({ a: 0.5 }), /'a' must be an integer/);
});

test('parseYaml reads what PyYAML safe_dump writes', () => {
  const text = [
    'artifact_location: file:///tmp/ml runs/0',
    'creation_time: 1700000000000',
    "experiment_id: '0'",
    "name: 'it''s a very long experiment name that PyYAML folds over",
    "  two lines'",
    'plain: a long plain scalar',
    '  continued here',
    '',
    '  after a blank line',
    'dq: "first \\',
    '  second"',
    'end_time: null',
    'empty: ',
    'tags: []',
    'list:',
    '- a',
    "- 'b'",
    'status: 3',
    'flag: true',
    '',
  ].join('\n');
  assert.deepEqual(parseYaml(text), {
    artifact_location: 'file:///tmp/ml runs/0',
    creation_time: 1700000000000,
    experiment_id: '0',
    name: "it's a very long experiment name that PyYAML folds over two lines",
    plain: 'a long plain scalar continued here\nafter a blank line',
    dq: 'first second',
    end_time: null,
    empty: null,
    tags: [],
    list: ['a', 'b'],
    status: 3,
    flag: true,
  });
});

test('parseYaml names the key of a malformed value', () => {
  assert.throws(() => parseYaml('a: "open\n'), /key 'a'/);
  assert.throws(() => parseYaml('a: |\n  block\n'), /block scalars/);
});

test('PyYAML safe_load reads emitYaml output', { skip: noPyYaml }, () => {
  const map = {
    ...Object.fromEntries(TRICKY.map((s, i) => [`k${i}`, s])),
    experiment_id: '0',
    status: 3,
    end_time: null,
    tags: [],
  };
  const out = python(
    'import json,sys,yaml; ' +
      'print(json.dumps(yaml.safe_load(sys.stdin.read()), sort_keys=True))',
    emitYaml(map),
  );
  assert.deepEqual(JSON.parse(out), map);
});

test('parseYaml reads PyYAML safe_dump output', { skip: noPyYaml }, () => {
  const map = Object.fromEntries(
    [...TRICKY, 'x '.repeat(70), "a 'quoted' word ".repeat(8)].map((s, i) => [
      `k${i}`,
      s,
    ]),
  );
  const dumped = python(
    'import json,sys,yaml; sys.stdout.write(yaml.safe_dump(' +
      'json.loads(sys.stdin.read()), default_flow_style=False, ' +
      'allow_unicode=True))',
    JSON.stringify({ ...map, n: 5, z: null, t: [] }),
  );
  assert.deepEqual(parseYaml(dumped), { ...map, n: 5, z: null, t: [] });
});
