import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@acsm/core';
import { disposeParams, type ParamSpec } from '@acsm/models';
import type { StateTensor } from './export-format';
import { mappedParams, planMapping } from './mapping';

before(() => initBackend({ backend: 'cpu' }));

const uniform = { kind: 'uniform', bound: 1 } as const;
const spec = (name: string, shape: number[], trainable = true): ParamSpec => ({
  name,
  shape,
  init: uniform,
  trainable,
});
const theirs = (
  name: string,
  shape: number[],
  layout: StateTensor['layout'] = 'plain',
  kind: StateTensor['kind'] = 'parameter',
): StateTensor => ({ name, shape, offset: 0, kind, layout });

const SPECS = [
  spec('conv.weight', [3, 3, 2, 4]),
  spec('conv.bias', [4]),
  spec('conv.u0', [1, 4], false),
  spec('linear.weight', [4, 1]),
];
const STATE = [
  theirs('linear.weight', [1, 4], 'oi'),
  theirs('conv.weight', [4, 2, 3, 3], 'oihw'),
  theirs('conv.bias', [4]),
  theirs('conv.u0', [1, 4], 'plain', 'buffer'),
  theirs('conv.sv0', [1], 'plain', 'buffer'),
];
const IGNORE = [{ pattern: /\.sv0$/, reason: 'logging only' }];

test('planMapping pairs every tensor, in our order, ignoring by rule', () => {
  const plan = planMapping('t', SPECS, STATE, { ignore: IGNORE });
  assert.deepEqual(
    plan.assignments.map((a) => [a.ours.name, a.theirs.name, a.layout]),
    [
      ['conv.weight', 'conv.weight', 'oihw'],
      ['conv.bias', 'conv.bias', 'plain'],
      ['conv.u0', 'conv.u0', 'plain'],
      ['linear.weight', 'linear.weight', 'oi'],
    ],
  );
  assert.deepEqual(plan.ignored, [
    { name: 'conv.sv0', reason: 'logging only' },
  ]);
});

test('planMapping lists every leftover and mismatch at once', () => {
  const state = [
    theirs('conv.weight', [4, 2, 3, 3], 'oihw'),
    theirs('conv.bias', [5]),
    theirs('conv.u0', [1, 4], 'plain', 'parameter'),
    theirs('extra.weight', [2, 2], 'oi'),
    theirs('conv.sv0', [1], 'plain', 'buffer'),
  ];
  const error = (() => {
    try {
      planMapping('t', SPECS, state);
    } catch (e) {
      return (e as Error).message;
    }
    return '';
  })();
  assert.match(error, /^planMapping\(t\): 5 problem\(s\):/);
  assert.match(
    error,
    /conv\.bias: theirs \[5\] \(plain\) is \[5\] here, ours is \[4\]/,
  );
  assert.match(error, /conv\.u0: theirs is a parameter, ours a buffer/);
  assert.match(
    error,
    /extra\.weight: theirs, nothing of ours is extra\.weight/,
  );
  assert.match(error, /conv\.sv0: theirs, nothing of ours/);
  assert.match(error, /linear\.weight: ours, not filled by any of theirs/);
});

test('planMapping: renames, doubles, ignored names of ours, layouts', () => {
  const rename = (n: string) => n.replace(/^old\./, 'conv.');
  const state = [...STATE.slice(0, 4), theirs('old.bias', [4])];
  assert.throws(
    () => planMapping('t', SPECS, state, { rename }),
    /conv\.bias: filled twice \(old\.bias and earlier\)/,
  );
  assert.throws(
    () =>
      planMapping('t', SPECS, STATE, {
        ignore: [{ pattern: /u0/, reason: 'r' }],
      }),
    /conv\.u0: ignored \(r\) but ours has it/,
  );
  const unknown = STATE.map((t) =>
    t.name === 'linear.weight' ? { ...t, layout: 'unknown' as const } : t,
  );
  assert.throws(
    () => planMapping('t', SPECS, unknown, { ignore: IGNORE }),
    /linear\.weight: toOurLayout: .*layout rule/,
  );
  const layouts = [{ pattern: /^linear\.weight$/, layout: 'oi' as const }];
  const plan = planMapping('t', SPECS, unknown, { ignore: IGNORE, layouts });
  assert.equal(plan.assignments[3].layout, 'oi');
});

test('mappedParams converts to our layouts and leaks nothing', async () => {
  const specs = [spec('c.weight', [1, 2, 2, 1]), spec('c.u0', [1, 1], false)];
  const state = [
    theirs('c.weight', [1, 2, 1, 2], 'oihw'),
    theirs('c.u0', [1, 1], 'plain', 'buffer'),
  ];
  const values: Record<string, number[]> = {
    'c.weight': [0, 1, 10, 11], // w[0, i, 0, kw] = 10·i + kw
    'c.u0': [5],
  };
  const before = tf.memory().numTensors;
  const params = mappedParams(
    planMapping('t', specs, state),
    (t) => new Float32Array(values[t.name]),
  );
  assert.equal(tf.memory().numTensors, before + 2);
  // ours [kh 1, kw 2, in 2, out 1]: order (kw, i).
  assert.deepEqual(Array.from(await params['c.weight'].data()), [0, 10, 1, 11]);
  assert.equal(params['c.weight'].trainable, true);
  assert.equal(params['c.u0'].trainable, false);
  disposeParams(params);
  assert.equal(tf.memory().numTensors, before);
});
