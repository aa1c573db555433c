// Figure 1 of the paper (PAPER.md §4): the noise std a sampler keeps with
// a perfect score, on the CIFAR-10 schedule. ALS for nσ = 1, 2, 5, 20
// lags above the schedule; CAS follows it. Closed form (core) beside a
// Monte Carlo run of the real samplers on an analytic score.
import {
  alsNoiseStd,
  annealedLangevin,
  casNoiseStd,
  consistentAnnealed,
  createRng,
  geometricSigmas,
} from '@acsm/core';
import * as tf from '@tensorflow/tfjs-core';
import type { ProfileName } from '../definitions';
import { linePlot } from '../report/svg';

/** The CIFAR-10 schedule and the CIFAR-10 NCSNv2 step sizes (PAPER.md §8, §9). */
export const FIGURE1 = {
  name: 'figure1',
  title:
    'Figure 1: noise std during sampling with a perfect score (CIFAR-10 schedule)',
  sigmaMax: 50,
  sigmaMin: 0.01,
  numLevels: 232,
  /** ALS nσ = 1 of the CIFAR-10 NCSNv2 runs; ε/nσ for more steps (§9). */
  alsStepSize: 1.8e-5,
  alsSteps: [1, 2, 5, 20],
  /** CAS nσ = 1 of the CIFAR-10 NCSNv2 runs. */
  casStepSize: 5.6e-6,
  source:
    'PAPER.md §4 (closed form), §8 (CIFAR-10 schedule σ 50 → 0.01, L = 232), ' +
    '§9 (ε of the CIFAR-10 NCSNv2 runs: ALS 1.8e-5, ε/nσ for nσ > 1; CAS 5.6e-6)',
} as const;

/** Monte Carlo size per profile: [chains, H, W, C] of Gaussian noise. */
export const FIGURE1_PROFILES: Record<
  ProfileName,
  { shape: [number, number, number, number]; description: string }
> = {
  smoke: {
    shape: [1, 16, 16, 3],
    description: 'one 16×16×3 chain per curve: seconds, for CI',
  },
  cpu: {
    shape: [4, 32, 32, 3],
    description: 'four CIFAR-sized chains per curve (12 288 values)',
  },
  paper: {
    shape: [4, 32, 32, 3],
    description: 'as cpu: the figure needs no training',
  },
};

export interface Figure1Curve {
  name: string;
  sampler: 'als' | 'cas';
  stepsPerLevel: number;
  stepSize: number;
  /** Std before the first step and after each step. */
  closed: Float64Array;
  monteCarlo: Float64Array;
  /**
   * The std the schedule asks for at the same points: σ_1 first, then the
   * level just sampled (ALS) or the next level of the grid (CAS), σ_L last.
   */
  target: Float64Array;
}

function alsTarget(sigmas: number[], stepsPerLevel: number): Float64Array {
  return Float64Array.from([
    sigmas[0],
    ...sigmas.flatMap((s) => Array<number>(stepsPerLevel).fill(s)),
  ]);
}

function casTarget(grid: number[]): Float64Array {
  return Float64Array.from([grid[0], ...grid.slice(1), grid[grid.length - 1]]);
}

/** The exact score of a point at 0 blurred by σ, as f = σ·∇log p_σ. */
const perfectScore = (x: tf.Tensor4D, sigma: number) =>
  tf.div(tf.neg(x), sigma) as tf.Tensor4D;

const stdOf = (x: tf.Tensor) =>
  tf.tidy(() => Math.sqrt(tf.mean(tf.square(x)).dataSync()[0]));

/** Runs one sampler from noise of std σ_1 and records the noise std. */
function monteCarlo(
  sampler: 'als' | 'cas',
  sigmas: number[],
  stepSize: number,
  stepsPerLevel: number,
  shape: [number, number, number, number],
  seed: number,
): Float64Array {
  const rng = createRng(seed);
  const x0 = tf.mul(
    tf.randomNormal(shape, 0, 1, 'float32', rng.nextSeed()),
    sigmas[0],
  ) as tf.Tensor4D;
  const stds: number[] = [];
  const onStep = ({ x }: { x: tf.Tensor4D }) => stds.push(stdOf(x));
  const options = { stepSize, stepsPerLevel, rng, onStep };
  const result =
    sampler === 'als'
      ? annealedLangevin(perfectScore, x0, sigmas, options)
      : consistentAnnealed(perfectScore, x0, sigmas, options);
  stds.push(stdOf(result.raw));
  tf.dispose([x0, result.raw, result.denoised]);
  return Float64Array.from(stds);
}

/** Every curve of the figure, closed form and Monte Carlo. */
export function figure1Curves(
  profile: ProfileName,
  seed = 2021,
): Figure1Curve[] {
  const f = FIGURE1;
  const sigmas = geometricSigmas(f.sigmaMax, f.sigmaMin, f.numLevels);
  const { shape } = FIGURE1_PROFILES[profile];
  const curves: Figure1Curve[] = f.alsSteps.map((n, i) => {
    const stepSize = f.alsStepSize / n;
    return {
      name: `ALS nσ=${n}`,
      sampler: 'als',
      stepsPerLevel: n,
      stepSize,
      closed: alsNoiseStd(sigmas, { stepSize, stepsPerLevel: n }),
      monteCarlo: monteCarlo('als', sigmas, stepSize, n, shape, seed + i),
      target: alsTarget(sigmas, n),
    };
  });
  curves.push({
    name: 'CAS nσ=1',
    sampler: 'cas',
    stepsPerLevel: 1,
    stepSize: f.casStepSize,
    closed: casNoiseStd(sigmas, { stepSize: f.casStepSize, stepsPerLevel: 1 }),
    monteCarlo: monteCarlo('cas', sigmas, f.casStepSize, 1, shape, seed + 99),
    target: casTarget(sigmas),
  });
  return curves;
}

/** Largest |Monte Carlo / closed form − 1| over a curve's steps. */
export const maxRelativeGap = (c: Figure1Curve) =>
  c.closed.reduce(
    (m, v, k) => Math.max(m, Math.abs(c.monteCarlo[k] / v - 1)),
    0,
  );

/**
 * values[k] against the fraction of steps at the end of every level (k a
 * multiple of nσ: within a level ALS creeps toward its fixed point, a
 * saw-tooth that hides the lag), at most ~400 points.
 */
function atLevelEnds(
  values: (k: number) => number,
  c: Figure1Curve,
): [number, number][] {
  const last = c.closed.length - 1;
  const every =
    c.stepsPerLevel * Math.max(1, Math.floor(last / c.stepsPerLevel / 400));
  const points: [number, number][] = [];
  for (let k = 0; k <= last; k += every) points.push([k / last, values(k)]);
  if (last % every !== 0) points.push([1, values(last)]);
  return points;
}

/**
 * Two SVG plots: the std over the std the schedule asks for (closed
 * form), and the Monte Carlo std over the closed form.
 */
export function figure1Svg(curves: Figure1Curve[]): string {
  const panel = (
    ratio: (c: Figure1Curve, k: number) => number,
    o: { title: string; yLabel: string; legendTop: number },
  ) =>
    linePlot(
      curves.map((c) => ({
        name: c.name,
        points: atLevelEnds((k) => ratio(c, k), c),
      })),
      { ...o, xLabel: 'fraction of sampling steps', width: 560, height: 340 },
    );
  const lag = panel((c, k) => c.closed[k] / c.target[k], {
    title: 'noise std / schedule σ at the end of each level (closed form)',
    yLabel: 'std / σ',
    legendTop: 0.35,
  });
  const check = panel((c, k) => c.monteCarlo[k] / c.closed[k], {
    title: 'Monte Carlo std / closed form',
    yLabel: 'ratio',
    legendTop: 0.55,
  });
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="1140" height="350">` +
    `<rect width="1140" height="350" fill="white"/>` +
    `<g>${lag}</g><g transform="translate(580,0)">${check}</g></svg>`
  );
}

/** One row per curve and step. */
export function figure1Csv(curves: Figure1Curve[]): string {
  const lines = [
    'curve,sampler,steps_per_level,step_size,step,fraction,schedule_sigma,std_closed_form,std_monte_carlo',
  ];
  for (const c of curves) {
    const last = c.closed.length - 1;
    for (let k = 0; k <= last; k++) {
      const t = k / last;
      lines.push(
        [
          c.name,
          c.sampler,
          c.stepsPerLevel,
          c.stepSize,
          k,
          t,
          c.target[k],
          c.closed[k],
          c.monteCarlo[k],
        ].join(','),
      );
    }
  }
  return lines.join('\n') + '\n';
}

/** The summary table: where each curve ends against σ_L. */
export function figure1Markdown(
  curves: Figure1Curve[],
  profile: ProfileName,
): string {
  const f = FIGURE1;
  const rows = curves.map((c) => {
    const last = c.closed.length - 1;
    return (
      `| ${c.name} | ${c.stepSize.toPrecision(3)} | ${last} | ` +
      `${(c.closed[last] / f.sigmaMin).toFixed(4)} | ` +
      `${(c.monteCarlo[last] / f.sigmaMin).toFixed(4)} | ` +
      `${(100 * maxRelativeGap(c)).toFixed(2)}% |`
    );
  });
  return [
    `# ${f.title} (profile ${profile})`,
    '',
    '| curve | ε | steps | final std / σ_L, closed form | final std / σ_L, Monte Carlo | largest MC gap |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    `- Source: ${f.source}.`,
    `- Monte Carlo: the package's samplers on the exact score of a point blurred by σ, ${FIGURE1_PROFILES[profile].description}; noise added after each ALS step; CAS ends without noise, at (1 − η)·σ_L.`,
    '',
  ].join('\n');
}
