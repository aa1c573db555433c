import * as tf from '@tensorflow/tfjs-core';
import {
  type Adam,
  checkDsmArguments,
  drawDsmNoise,
  dsmLoss,
  dsmLossWithNoise,
  type DsmNoise,
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

/** A loss and its gradients by parameter name. */
export interface Gradients {
  value: tf.Scalar;
  grads: Record<string, tf.Tensor>;
}

/**
 * Gradients of f with respect to `vars`, keyed by our parameter names
 * (tf keys them by its internal variable names).
 */
function namedGrads(
  f: () => tf.Scalar,
  vars: Record<string, tf.Variable>,
): Gradients {
  const names = new Map(Object.entries(vars).map(([k, v]) => [v.name, k]));
  const { value, grads } = tf.variableGrads(f, Object.values(vars));
  const named: Record<string, tf.Tensor> = {};
  for (const [tfName, g] of Object.entries(grads)) {
    named[names.get(tfName) ?? tfName] = g;
  }
  return { value, grads: named };
}

/** Applies gradients to one trainee (freeing them); the loss values. */
function apply(
  trainee: Trainee,
  { value, grads }: Gradients,
  terms: Record<string, tf.Scalar>,
  total: string,
): LossTerms {
  trainee.optimizer.applyGradients(grads);
  tf.dispose(grads);
  const out: LossTerms = { [total]: value.dataSync()[0] };
  for (const [k, v] of Object.entries(terms)) out[k] = v.dataSync()[0];
  tf.dispose([value, ...Object.values(terms)]);
  return out;
}

/** Applies the gradients of `loss` to one trainee; returns loss values. */
function update(
  trainee: Trainee,
  loss: () => Record<string, tf.Scalar>,
  total: string,
): LossTerms {
  const terms: Record<string, tf.Scalar> = {};
  const gradients = namedGrads(() => {
    const all = loss();
    for (const [k, v] of Object.entries(all)) {
      if (k !== total) terms[k] = tf.keep(v);
    }
    return all[total];
  }, trainee.trainable);
  return apply(trainee, gradients, terms, total);
}

const scoreFn = (t: Trainee) => (x: tf.Tensor4D) =>
  t.network.apply(t.params, x, { training: true }) as tf.Tensor4D;

/** Options of `dsmStep` and `dsmGradients`. */
export interface DsmStepOptions {
  sigmas: readonly number[];
  rng: Rng;
  /**
   * Examples per forward and backward pass, default the whole batch. An
   * execution detail: the batch's noise is drawn first, so the random
   * stream, the loss and the update are the unsplit step's (up to float
   * rounding).
   */
  microBatch?: number;
}

/** Adds b into the sum a (either may be absent), freeing both. */
function addInto(a: tf.Tensor | undefined, b: tf.Tensor): tf.Tensor {
  if (!a) return b;
  const sum = tf.add(a, b);
  tf.dispose([a, b]);
  return sum;
}

/** Starts and sizes of near-equal parts of ≤ m of n examples. */
export function microBatches(n: number, m: number): [number, number][] {
  if (!Number.isInteger(m) || m < 1)
    throw new Error(`microBatches: m must be an integer ≥ 1, got ${m}`);
  const count = Math.ceil(n / m);
  return Array.from({ length: count }, (_, k) => {
    const start = Math.floor((k * n) / count);
    return [start, Math.floor(((k + 1) * n) / count) - start];
  });
}

/**
 * The DSM loss (arXiv:2009.05475, PAPER.md §2) of a batch on given noise
 * and its gradients, by parts of ≤ `microBatch` examples: the loss is a
 * mean of per-example terms (and the networks' norms are per example),
 * so Σ_k (n_k/N)·∇L_k = ∇L. Each part's activations are freed before the
 * next. batch: [N, H, W, C].
 */
export function dsmGradientsWithNoise(
  score: Trainee,
  batch: tf.Tensor4D,
  noise: DsmNoise,
  microBatch: number,
): Gradients {
  const n = batch.shape[0];
  let value: tf.Tensor | undefined;
  const grads: Record<string, tf.Tensor> = {};
  for (const [start, size] of microBatches(n, microBatch)) {
    const part = namedGrads(() => {
      const cut = (t: tf.Tensor4D) => tf.slice(t, start, size);
      const loss = dsmLossWithNoise(scoreFn(score), cut(batch), {
        sigma: cut(noise.sigma),
        z: cut(noise.z),
      }).loss;
      return tf.mul(loss, size / n);
    }, score.trainable);
    value = addInto(value, part.value);
    for (const [k, g] of Object.entries(part.grads))
      grads[k] = addInto(grads[k], g);
  }
  return { value: value as tf.Scalar, grads };
}

/**
 * The DSM loss of a batch (fresh noise from `rng`) and its gradients,
 * in micro-batches when `microBatch` is below the batch size.
 */
export function dsmGradients(
  score: Trainee,
  batch: tf.Tensor4D,
  options: DsmStepOptions,
): Gradients {
  const m = options.microBatch ?? batch.shape[0];
  if (m >= batch.shape[0]) {
    // The rest of r is freed by variableGrads' scope after backprop.
    const loss = () => dsmLoss(scoreFn(score), batch, options).loss;
    return namedGrads(loss, score.trainable);
  }
  checkDsmArguments('dsmGradients', batch, options);
  const { sigma, z } = drawDsmNoise(batch.shape, options);
  try {
    return dsmGradientsWithNoise(score, batch, { sigma, z }, m);
  } finally {
    tf.dispose([sigma, z]);
  }
}

/** One DSM update of the score network (PAPER.md §2), then the EMA. */
export function dsmStep(
  score: Trainee,
  ema: Ema,
  batch: tf.Tensor4D,
  options: DsmStepOptions,
): LossTerms {
  const gradients = dsmGradients(score, batch, options);
  const terms = apply(score, gradients, {}, 'dsm_loss');
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
 * NOTE: always the whole batch, never micro-batches: the discriminator's
 * spectral norm runs a power iteration per training forward pass and the
 * relativistic GAN losses compare batch means, so a sum over parts would
 * not be the batch's gradient.
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
