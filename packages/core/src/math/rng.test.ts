import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { createRng, restoreRng } from './rng';
import { useCpu } from './test-helpers';

const draws = (rng: ReturnType<typeof createRng>, n: number) =>
  Array.from({ length: n }, () => rng.nextSeed());

describe('rng', () => {
  before(useCpu);

  test('same seed gives the same numbers, another seed others', () => {
    assert.deepEqual(draws(createRng(7), 20), draws(createRng(7), 20));
    assert.notDeepEqual(draws(createRng(7), 20), draws(createRng(8), 20));
  });

  test('seeds are safe integers, uniforms lie in [0, 1) with mean ½', () => {
    const rng = createRng(1);
    for (const s of draws(rng, 100)) assert.ok(Number.isSafeInteger(s));
    const u = Array.from({ length: 20000 }, () => rng.uniform());
    assert.ok(u.every((x) => x >= 0 && x < 1));
    const mean = u.reduce((a, b) => a + b) / u.length;
    const variance = u.reduce((a, b) => a + (b - mean) ** 2, 0) / u.length;
    assert.ok(Math.abs(mean - 0.5) < 0.01, `mean ${mean}`);
    assert.ok(Math.abs(variance - 1 / 12) < 0.003, `variance ${variance}`);
  });

  test('a restored state continues the same stream', () => {
    const rng = createRng(3);
    draws(rng, 5);
    const state = JSON.parse(JSON.stringify(rng.state()));
    assert.deepEqual(draws(restoreRng(state), 10), draws(rng, 10));
  });

  test('fork is fixed by its label and leaves the parent alone', () => {
    const [a, b] = [createRng(5), createRng(5)];
    const fork = draws(a.fork('sampling'), 5);
    assert.deepEqual(fork, draws(b.fork('sampling'), 5));
    assert.notDeepEqual(fork, draws(a.fork('training'), 5));
    assert.deepEqual(draws(a, 5), draws(createRng(5), 5));
  });

  test('split children differ from each other and the parent', () => {
    const rng = createRng(9);
    const [c1, c2] = [rng.split(), rng.split()];
    const streams = [draws(c1, 5), draws(c2, 5), draws(rng, 5)];
    assert.equal(new Set(streams.flat()).size, 15);
    assert.deepEqual(draws(createRng(9).split(), 5), streams[0]);
  });

  test('seeded tfjs draws repeat', () => {
    const [a, b] = [createRng(11), createRng(11)];
    const x = tf.randomNormal([64], 0, 1, 'float32', a.nextSeed());
    const y = tf.randomNormal([64], 0, 1, 'float32', b.nextSeed());
    assert.deepEqual(x.dataSync(), y.dataSync());
    tf.dispose([x, y]);
  });

  test('bad seeds and states name the argument and value', () => {
    assert.throws(() => createRng(-1), /createRng: seed .* got -1/);
    assert.throws(() => createRng(1.5), /createRng: seed .* got 1.5/);
    assert.throws(
      () => restoreRng({ key: 'xyz', counter: 0 }),
      /restoreRng: key .* got xyz/,
    );
    assert.throws(
      () => restoreRng({ key: 'ab', counter: -2 }),
      /restoreRng: counter .* got -2/,
    );
  });
});
