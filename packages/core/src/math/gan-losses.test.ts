import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { ganLoss, ganLosses } from './gan-losses';
import type { GanLossKind } from './gan-losses';
import { assertNoLeak, assertRelClose, useCpu } from './test-helpers';

// D(x) = [0.5, −1], D(fake) = [0.2, 2]; E D(x) = −0.25, E D(fake) = 1.1.
const softplus = (v: number) => Math.log1p(Math.exp(v));
const expected: Record<GanLossKind, [number, number]> = {
  // ((0.5−1)² + (−1−1)²)/2 + ((0.2+1)² + (2+1)²)/2; ((0.2−1)² + (2−1)²)/2
  lsgan: [2.125 + 5.22, 0.82],
  // (0.5 + 2)/2 + (1.2 + 3)/2; −(0.2 + 2)/2
  hinge: [1.25 + 2.1, -1.1],
  // D(x) − E D(fake) = [−0.6, −2.1]; D(fake) − E D(x) = [0.45, 2.25]
  // L_D: ((−1.6)² + (−3.1)²)/2 + (1.45² + 3.25²)/2
  // L_G: (0.4² + (−1.1)²)/2 + ((−0.55)² + 1.25²)/2
  ralsgan: [6.085 + 6.3325, 0.685 + 0.9325],
  nsgan: [
    (softplus(-0.5) + softplus(1)) / 2 + (softplus(0.2) + softplus(2)) / 2,
    (softplus(-0.2) + softplus(-2)) / 2,
  ],
};

describe('ganLosses', () => {
  before(useCpu);

  for (const kind of Object.keys(expected) as GanLossKind[]) {
    test(`${kind} on a hand-computed example`, () => {
      const real = tf.tensor1d([0.5, -1]);
      const fake = tf.tensor2d([0.2, 2], [2, 1]);
      assertNoLeak(() => {
        const loss = ganLoss(kind);
        const d = loss.discriminator(real, fake);
        const g = loss.generator(real, fake);
        assertRelClose(d.dataSync()[0], expected[kind][0], 1e-6, 'L_D');
        assertRelClose(g.dataSync()[0], expected[kind][1], 1e-6, 'L_G');
        tf.dispose([d, g]);
      });
      tf.dispose([real, fake]);
    });
  }

  test('generatorUsesReal is true exactly when L_G depends on D(x)', () => {
    for (const kind of Object.keys(expected) as GanLossKind[]) {
      const loss = ganLoss(kind);
      const [a, b] = tf.tidy(() => {
        const fake = tf.tensor1d([0.2, 2]);
        const g = (real: number[]) =>
          loss.generator(tf.tensor1d(real), fake).dataSync()[0];
        return [g([0.5, -1]), g([3, 7])];
      });
      assert.equal(loss.generatorUsesReal, a !== b, kind);
    }
  });

  test('the registry holds every kind; an unknown one lists them', () => {
    assert.deepEqual(
      Object.keys(ganLosses).sort(),
      Object.keys(expected).sort(),
    );
    assert.throws(
      () => ganLoss('wgan-gp'),
      /ganLoss: kind must be one of lsgan, hinge, ralsgan, nsgan, got wgan-gp/,
    );
  });
});
