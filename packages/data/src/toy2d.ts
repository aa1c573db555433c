import { createRng, Rng } from '@acsm/core';

/** A set of 2-D points. */
export interface Toy2d {
  /** [n, 2] row-major: x0, y0, x1, y1, … */
  readonly points: Float32Array;
  readonly n: number;
}

export interface SwissRollOptions {
  /** Seed of the draws; same seed, same points. */
  readonly seed: number;
  /** Std of the isotropic Gaussian noise added to each point (default 0). */
  readonly noise?: number;
}

export interface TwentyFiveGaussiansOptions {
  /** Seed of the draws; same seed, same points. */
  readonly seed: number;
  /** Std of each mode (default 0.05). */
  readonly std?: number;
}

/** Divisor of the Swiss roll's (t cos t, t sin t); radius ≤ 4.5π/5 ≈ 2.83. */
export const SWISS_ROLL_SCALE = 5;

/** Centres of the 25 Gaussians: {−2, −1, 0, 1, 2} on each axis. */
export const TWENTY_FIVE_GRID: readonly number[] = [-2, -1, 0, 1, 2];

function checkCount(op: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new Error(`${op}: n must be an integer >= 1, got ${n}`);
  }
}

function checkScale(op: string, name: string, value: number): void {
  if (!(Number.isFinite(value) && value >= 0)) {
    throw new Error(`${op}: ${name} must be finite and >= 0, got ${value}`);
  }
}

/** Two independent N(0, 1) draws (Box–Muller, Ann. Math. Stat. 1958). */
function normalPair(rng: Rng): [number, number] {
  const r = Math.sqrt(-2 * Math.log(1 - rng.uniform())); // 1 − u ∈ (0, 1]
  const a = 2 * Math.PI * rng.uniform();
  return [r * Math.cos(a), r * Math.sin(a)];
}

/**
 * Swiss roll of the toy experiments (PAPER.md §9): t ~ U[1.5π, 4.5π],
 * point (t cos t, t sin t) / SWISS_ROLL_SCALE plus N(0, noise²·I).
 * NOTE: the paper gives no scale; /5 keeps the roll within radius ~2.83,
 * the range of the 25-Gaussians grid.
 */
export function swissRoll(n: number, options: SwissRollOptions): Toy2d {
  const { seed, noise = 0 } = options;
  checkCount('swissRoll', n);
  checkScale('swissRoll', 'noise', noise);
  const rng = createRng(seed).fork('swiss roll');
  const points = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const t = 1.5 * Math.PI * (1 + 2 * rng.uniform());
    const [z0, z1] = normalPair(rng);
    points[2 * i] = (t * Math.cos(t)) / SWISS_ROLL_SCALE + noise * z0;
    points[2 * i + 1] = (t * Math.sin(t)) / SWISS_ROLL_SCALE + noise * z1;
  }
  return { points, n };
}

/**
 * 25 Gaussians of the toy experiments (PAPER.md §9): a mode drawn
 * uniformly from the 5×5 grid {−2, −1, 0, 1, 2}² (unit spacing, not the
 * ×2 grid some code uses), plus N(0, std²·I).
 */
export function twentyFiveGaussians(
  n: number,
  options: TwentyFiveGaussiansOptions,
): Toy2d {
  const { seed, std = 0.05 } = options;
  checkCount('twentyFiveGaussians', n);
  checkScale('twentyFiveGaussians', 'std', std);
  const rng = createRng(seed).fork('25 gaussians');
  const points = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const mode = Math.min(24, Math.floor(25 * rng.uniform()));
    const [z0, z1] = normalPair(rng);
    points[2 * i] = TWENTY_FIVE_GRID[mode % 5] + std * z0;
    points[2 * i + 1] = TWENTY_FIVE_GRID[Math.floor(mode / 5)] + std * z1;
  }
  return { points, n };
}
