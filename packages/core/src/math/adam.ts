// Adam that also takes a negative β1 (the discriminator's (−0.5, 0.9)).
import * as tf from '@tensorflow/tfjs-core';

import { ADAM_UPDATE, type AdamUpdateAttrs } from '../backend/adam-update';
import { checkOpenInterval, checkPositive, fail } from './validate';

/** Options of `Adam`. */
export interface AdamOptions {
  /** Step size, default 1e-4 (PAPER.md §2, §6). */
  readonly learningRate?: number;
  /** β1 in (−1, 1), default 0.9; negative β1 is negative momentum. */
  readonly beta1?: number;
  /** β2 in [0, 1), default 0.999. */
  readonly beta2?: number;
  /** ε added to √v̂, default 1e-8. */
  readonly epsilon?: number;
  /**
   * Linear warm-up: update t (from 1) uses lr · min(1, t / warmup);
   * default 0, no warm-up (the paper's runs have none).
   */
  readonly warmup?: number;
}

/** The moments and step count, as plain arrays for a checkpoint. */
export interface AdamState {
  readonly step: number;
  readonly m: Record<string, Float32Array>;
  readonly v: Record<string, Float32Array>;
}

type Moments = Record<string, tf.Variable>;

function zerosLike(variables: Record<string, tf.Variable>): Moments {
  const out: Moments = {};
  for (const [k, v] of Object.entries(variables)) {
    out[k] = tf.tidy(() => tf.variable(tf.zerosLike(v), false));
  }
  return out;
}

function readMoments(moments: Moments): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries(moments)) {
    out[k] = Float32Array.from(v.dataSync());
  }
  return out;
}

function checkMoments(
  name: string,
  moments: Moments,
  saved: Record<string, Float32Array>,
): void {
  for (const [k, target] of Object.entries(moments)) {
    const got = saved?.[k]?.length;
    if (got !== target.size) {
      fail(
        'Adam.setState',
        `${name}.${k} needs ${target.size} values, ` + `got ${got}`,
      );
    }
  }
}

function writeMoments(
  moments: Moments,
  saved: Record<string, Float32Array>,
): void {
  for (const [k, target] of Object.entries(moments)) {
    tf.tidy(() => target.assign(tf.tensor(saved[k], target.shape)));
  }
}

/**
 * Adam (Kingma & Ba 2015, arXiv:1412.6980, Algorithm 1) on one named map
 * of variables: m ← β1 m + (1−β1) g, v ← β2 v + (1−β2) g²,
 * θ ← θ − lr · (m / (1 − β1^t)) / (√(v / (1 − β2^t)) + ε).
 * With β1 < 0 the correction 1 − β1^t alternates around 1 (1.5, 0.75,
 * 1.125, … for β1 = −0.5) and still makes m̂ = g for a constant g.
 * A variable without a gradient in a step keeps its value and moments.
 */
export class Adam {
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly warmup: number;
  private t = 0;
  private readonly m: Moments;
  private readonly v: Moments;

  constructor(
    private readonly variables: Record<string, tf.Variable>,
    options: AdamOptions = {},
  ) {
    const { learningRate = 1e-4, beta1 = 0.9 } = options;
    const { beta2 = 0.999, epsilon = 1e-8, warmup = 0 } = options;
    if (!(Number.isInteger(warmup) && warmup >= 0)) {
      fail('Adam', `warmup must be an integer >= 0, got ${warmup}`);
    }
    this.warmup = warmup;
    checkPositive('Adam', 'learningRate', learningRate);
    checkOpenInterval('Adam', 'beta1', beta1, [-1, 1]);
    if (!(beta2 >= 0 && beta2 < 1)) {
      fail('Adam', `beta2 must lie in [0, 1), got ${beta2}`);
    }
    checkPositive('Adam', 'epsilon', epsilon);
    [this.learningRate, this.beta1] = [learningRate, beta1];
    [this.beta2, this.epsilon] = [beta2, epsilon];
    this.m = zerosLike(variables);
    this.v = zerosLike(variables);
  }

  /** Number of updates applied so far. */
  get step(): number {
    return this.t;
  }

  /** The step size of update t (1-based), warm-up included. */
  learningRateAt(t: number): number {
    const ramp = this.warmup > 0 ? Math.min(1, t / this.warmup) : 1;
    return this.learningRate * ramp;
  }

  /**
   * One Adam update from gradients named as the variables: by the backend's
   * fused AdamUpdate kernel where it has one (wasm), else op by op; both
   * give the same float32 values.
   */
  applyGradients(grads: Record<string, tf.Tensor>): void {
    this.checkGradients(grads);
    this.t += 1;
    const attrs: AdamUpdateAttrs = {
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      correction1: 1 - this.beta1 ** this.t,
      correction2: 1 - this.beta2 ** this.t,
      learningRate: this.learningRateAt(this.t),
    };
    const fused = tf.getKernel(ADAM_UPDATE, tf.getBackend()) !== undefined;
    for (const [k, g] of Object.entries(grads)) {
      if (fused) this.updateFused(k, g, attrs);
      else this.updateOne(k, g, attrs);
    }
  }

  /** Op by op; adamStep (the fused kernel) rounds in the same order. */
  private updateOne(k: string, g: tf.Tensor, a: AdamUpdateAttrs): void {
    const { beta1: b1, beta2: b2, m, v } = this;
    tf.tidy(() => {
      m[k].assign(tf.add(tf.mul(m[k], b1), tf.mul(g, 1 - b1)));
      v[k].assign(tf.add(tf.mul(v[k], b2), tf.mul(tf.square(g), 1 - b2)));
      const mHat = tf.div(m[k], a.correction1);
      const vHat = tf.div(v[k], a.correction2);
      const delta = tf.div(mHat, tf.add(tf.sqrt(vHat), this.epsilon));
      const theta = this.variables[k];
      theta.assign(tf.sub(theta, tf.mul(delta, a.learningRate)));
    });
  }

  /** The fused kernel's new θ, m and v replace the variables' data. */
  private updateFused(k: string, g: tf.Tensor, a: AdamUpdateAttrs): void {
    const [m, v, theta] = [this.m[k], this.v[k], this.variables[k]];
    tf.tidy(() => {
      const inputs = { param: theta, grad: g, m, v };
      const attrs = a as unknown as tf.NamedAttrMap;
      const out = tf.engine().runKernel(ADAM_UPDATE, inputs, attrs);
      const [theta2, m2, v2] = out as tf.Tensor[];
      theta.assign(theta2);
      m.assign(m2);
      v.assign(v2);
    });
  }

  private checkGradients(grads: Record<string, tf.Tensor>): void {
    for (const [k, g] of Object.entries(grads)) {
      const theta = this.variables[k];
      if (theta === undefined) {
        fail('Adam.applyGradients', `no variable named ${k} to update`);
      }
      if (!tf.util.arraysEqual(g.shape, theta.shape)) {
        fail(
          'Adam.applyGradients',
          `gradient ${k} has shape ` +
            `[${g.shape}], variable has [${theta.shape}]`,
        );
      }
    }
  }

  /** The step count and moments, copied out for a checkpoint. */
  getState(): AdamState {
    return { step: this.t, m: readMoments(this.m), v: readMoments(this.v) };
  }

  /** Resumes from `getState()`; keys and sizes must match. */
  setState(state: AdamState): void {
    const { step, m, v } = state;
    if (!(Number.isInteger(step) && step >= 0)) {
      fail('Adam.setState', `step must be an integer >= 0, got ${step}`);
    }
    checkMoments('m', this.m, m);
    checkMoments('v', this.v, v);
    writeMoments(this.m, m);
    writeMoments(this.v, v);
    this.t = step;
  }

  /** Frees the moments (not the variables it updates). */
  dispose(): void {
    [...Object.values(this.m), ...Object.values(this.v)].forEach((x) =>
      x.dispose(),
    );
  }
}
