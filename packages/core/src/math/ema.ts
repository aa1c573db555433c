// Exponential moving average of the weights (EMA weights).
import * as tf from '@tensorflow/tfjs-core';

import { fail } from './validate';

/** Fails unless source has exactly the keys and shapes of target. */
function checkSameVariables(
  fn: string,
  target: Record<string, tf.Variable>,
  source: Record<string, tf.Variable>,
): void {
  const [want, got] = [Object.keys(target), Object.keys(source)];
  const missing = want.filter((k) => !(k in source));
  const extra = got.filter((k) => !(k in target));
  if (missing.length || extra.length) {
    fail(fn, `variables differ: missing [${missing}], unknown [${extra}]`);
  }
  for (const k of want) {
    if (!tf.util.arraysEqual(target[k].shape, source[k].shape)) {
      fail(
        fn,
        `${k} has shape [${source[k].shape}], ` +
          `expected [${target[k].shape}]`,
      );
    }
  }
}

/**
 * EMA weights θ_ema ← μ θ_ema + (1 − μ) θ after every update, starting as
 * a copy of the weights (arXiv:2009.05475, PAPER.md §2; μ = decay).
 */
export class Ema {
  /** θ_ema by the same names as the source variables; not trainable. */
  readonly weights: Readonly<Record<string, tf.Variable>>;

  /** decay μ in [0, 1): 0.9999 for CIFAR-10, 0.999 otherwise. */
  constructor(
    source: Record<string, tf.Variable>,
    readonly decay: number,
  ) {
    if (!(decay >= 0 && decay < 1)) {
      fail('Ema', `decay must lie in [0, 1), got ${decay}`);
    }
    const weights: Record<string, tf.Variable> = {};
    for (const [k, v] of Object.entries(source)) {
      weights[k] = tf.variable(v, false); // a copy: tensors are immutable
    }
    this.weights = weights;
  }

  /** θ_ema ← μ θ_ema + (1 − μ) θ for every named variable. */
  update(source: Record<string, tf.Variable>): void {
    checkSameVariables('Ema.update', this.weights, source);
    const mu = this.decay;
    for (const [k, shadow] of Object.entries(this.weights)) {
      tf.tidy(() =>
        shadow.assign(tf.add(tf.mul(shadow, mu), tf.mul(source[k], 1 - mu))),
      );
    }
  }

  /** Frees the EMA weights. */
  dispose(): void {
    Object.values(this.weights).forEach((v) => v.dispose());
  }
}
