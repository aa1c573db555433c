import * as tf from '@tensorflow/tfjs-core';
import {
  type Adam,
  dsmLoss,
  type Ema,
  type GanLoss,
  type Rng,
} from '@acsm/core';
import type { AnyNetwork, Params } from '@acsm/models';

/** A network with its live weights and optimiser. */
export interface Trainee {
  network: AnyNetwork;
  params: Params;
  /** The trainable subset of params, updated by the optimiser. */
  trainable: Record<string, tf.Variable>;
  optimizer: Adam;
}

/** The loss terms of one iteration, as numbers. */
export type LossTerms = Record<string, number>;

/**
 * Gradients of f with respect to `vars`, keyed by our parameter names
 * (tf keys them by its internal variable names).
 */
function namedGrads(
  f: () => tf.Scalar,
  vars: Record<string, tf.Variable>,
): { value: tf.Scalar; grads: Record<string, tf.Tensor> } {
  const names = new Map(Object.entries(vars).map(([k, v]) => [v.name, k]));
  const { value, grads } = tf.variableGrads(f, Object.values(vars));
  const named: Record<string, tf.Tensor> = {};
  for (const [tfName, g] of Object.entries(grads)) {
    named[names.get(tfName) ?? tfName] = g;
  }
  return { value, grads: named };
}

/** Applies the gradients of `loss` to one trainee; returns loss values. */
function update(
  trainee: Trainee,
  loss: () => Record<string, tf.Scalar>,
  total: string,
): LossTerms {
  const terms: Record<string, tf.Scalar> = {};
  const { value, grads } = namedGrads(() => {
    const all = loss();
    for (const [k, v] of Object.entries(all)) {
      if (k !== total) terms[k] = tf.keep(v);
    }
    return all[total];
  }, trainee.trainable);
  trainee.optimizer.applyGradients(grads);
  tf.dispose(grads);
  const out: LossTerms = { [total]: value.dataSync()[0] };
  for (const [k, v] of Object.entries(terms)) out[k] = v.dataSync()[0];
  tf.dispose([value, ...Object.values(terms)]);
  return out;
}

const scoreFn = (t: Trainee) => (x: tf.Tensor4D) =>
  t.network.apply(t.params, x, { training: true }) as tf.Tensor4D;

/** One DSM update of the score network (PAPER.md §2), then the EMA. */
export function dsmStep(
  score: Trainee,
  ema: Ema,
  batch: tf.Tensor4D,
  options: { sigmas: readonly number[]; rng: Rng },
): LossTerms {
  const terms = update(
    score,
    () => {
      // The rest of r is freed by variableGrads' scope after backprop.
      return { dsm_loss: dsmLoss(scoreFn(score), batch, options).loss };
    },
    'dsm_loss',
  );
  ema.update(score.params);
  return terms;
}

export interface HybridOptions {
  sigmas: readonly number[];
  rng: Rng;
  gan: GanLoss;
  discriminatorSteps: number;
  lambdaDsm: number;
  lambdaGenerator: number;
  /**
   * The range fakes are clamped to: the data's (default [0, 1], images);
   * null for data without bounds (the 2-D toys).
   */
  fakeRange?: readonly [number, number] | null;
}

/** Fakes clamp(H(x̃, σ), 0, 1) = clamp(x̃ + σ f(x̃), 0, 1) (PAPER.md §6). */
function fakes(
  r: { xNoisy: tf.Tensor; sigma: tf.Tensor; output: tf.Tensor },
  range: HybridOptions['fakeRange'] = [0, 1],
) {
  const h = tf.add(r.xNoisy, tf.mul(r.sigma, r.output));
  return range ? tf.clipByValue(h, range[0], range[1]) : h;
}

/** D_steps discriminator updates on fresh noise, score network frozen. */
function discriminatorSteps(
  score: Trainee,
  d: Trainee,
  batch: tf.Tensor4D,
  o: HybridOptions,
): number {
  let last = NaN;
  for (let k = 0; k < o.discriminatorSteps; k++) {
    const fake = tf.tidy(() => {
      const r = dsmLoss(scoreFn(score), batch, o);
      return fakes(r, o.fakeRange) as tf.Tensor4D;
    });
    const terms = update(
      d,
      () => {
        const real = d.network.apply(d.params, batch, { training: true });
        const fakeOut = d.network.apply(d.params, fake, { training: true });
        return { discriminator_loss: o.gan.discriminator(real, fakeOut) };
      },
      'discriminator_loss',
    );
    fake.dispose();
    last = terms.discriminator_loss;
  }
  return last;
}

/**
 * One hybrid iteration (PAPER.md §6): D_steps updates of D, then one
 * score update on λ_DSM·L_DSM + λ_G·L_G whose fake comes from the DSM
 * forward pass (D frozen), then the EMA.
 */
export function hybridStep(
  score: Trainee,
  d: Trainee,
  ema: Ema,
  batch: tf.Tensor4D,
  o: HybridOptions,
): LossTerms {
  const discriminatorLoss = discriminatorSteps(score, d, batch, o);
  const terms = update(
    score,
    () => {
      const r = dsmLoss(scoreFn(score), batch, o);
      const fake = fakes(r, o.fakeRange) as tf.Tensor4D;
      const fakeOut = d.network.apply(d.params, fake, {
        training: true,
      });
      // D(x) only for a loss that reads it (the relativistic ones).
      const real = o.gan.generatorUsesReal
        ? d.network.apply(d.params, batch, { training: true })
        : fakeOut;
      const generator = o.gan.generator(real, fakeOut);
      const total = tf.add(
        tf.mul(r.loss, o.lambdaDsm),
        tf.mul(generator, o.lambdaGenerator),
      ) as tf.Scalar;
      return { score_loss: total, dsm_loss: r.loss, generator_loss: generator };
    },
    'score_loss',
  );
  ema.update(score.params);
  return { ...terms, discriminator_loss: discriminatorLoss };
}
