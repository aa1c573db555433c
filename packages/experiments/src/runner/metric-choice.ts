// eval.metric = fid_auto: Inception FID and IS whenever the FID Inception
// weights are on this machine, the dataset's own metric otherwise. Chosen
// when the cells are resolved, so the concrete metric is part of every
// cell's configuration and hash: runs measured one way are never reused
// as the other.
import { join } from 'node:path';
import {
  FID_INCEPTION_FILE,
  FID_INCEPTION_SHA256,
  FID_INCEPTION_URL,
  findInceptionWeights,
  type FoundInceptionWeights,
  WEIGHTS_ENV,
} from '@acsm/eval';
import {
  ConfigError,
  type DatasetName,
  type ExperimentConfig,
  type MetricName,
} from '../config';

/** Where the runner and `acsm eval` keep the weights, in the cache. */
export function inceptionWeightsDir(cacheDir: string): string {
  return join(cacheDir, 'inception');
}

/** What to do when the weights cannot be found or downloaded. */
export function inceptionWeightsHelp(cacheDir: string): string {
  return (
    `download ${FID_INCEPTION_URL} (SHA-256 ${FID_INCEPTION_SHA256}) where ` +
    `the network allows, then set ${WEIGHTS_ENV}=<file> or put it at ` +
    join(inceptionWeightsDir(cacheDir), FID_INCEPTION_FILE)
  );
}

/**
 * The weights the runner would load without downloading (a .pth's
 * SHA-256 checked), or null; other weights than the published file are
 * named by ACSM_INCEPTION_SHA256. A named file that is missing or not the
 * weights is a ConfigError: fid_auto never falls back past a mistake.
 */
export function localInceptionWeights(
  cacheDir: string,
): FoundInceptionWeights | null {
  const sha256 = process.env['ACSM_INCEPTION_SHA256'] || undefined;
  try {
    return findInceptionWeights({
      cacheDir: inceptionWeightsDir(cacheDir),
      verify: true,
      ...(sha256 ? { sha256 } : {}),
    });
  } catch (error) {
    throw new ConfigError(
      `${(error as Error).message}; ${inceptionWeightsHelp(cacheDir)}`,
    );
  }
}

/** The metric fid_auto falls back to without the weights, per dataset. */
const FALLBACK: Record<DatasetName, MetricName> = {
  mnist: 'fid_mnist_classifier',
  // Only the Inception measures these; it is then downloaded or refused
  // by the preflight with instructions.
  'stacked-mnist': 'fid_inception',
  cifar10: 'fid_inception',
  'lsun-church': 'fid_inception',
};

/** The metric a cell is measured with, and why, for tags and notes. */
export interface MetricChoice {
  readonly metric: MetricName;
  readonly reason: string;
}

/**
 * fid_auto resolved against `found` (the local weights, or null); any
 * other metric is kept as configured.
 */
export function chooseMetric(
  config: ExperimentConfig,
  found: () => FoundInceptionWeights | null,
): MetricChoice {
  const asked = config.eval.metric;
  if (asked !== 'fid_auto') {
    return { metric: asked, reason: `eval.metric = ${asked}` };
  }
  const weights = found();
  if (weights) {
    return {
      metric: 'fid_inception',
      reason: `eval.metric = fid_auto: FID Inception weights found (${weights.path})`,
    };
  }
  const fallback = FALLBACK[config.data.dataset];
  return {
    metric: fallback,
    reason:
      `eval.metric = fid_auto: no FID Inception weights on this machine, ` +
      `so ${fallback}; with the weights (acsm eval stats downloads them, ` +
      `or set ACSM_INCEPTION_WEIGHTS) the cells use Inception FID and IS`,
  };
}

/** Cells that need the Inception (after fid_auto's choice). */
const needsInception = (cells: readonly { config: ExperimentConfig }[]) =>
  cells.some((c) => c.config.eval.metric === 'fid_inception');

/**
 * The dry run's line on the weights when a cell needs them: where they
 * are, or that a run will download them, or what is wrong; else null.
 */
export function inceptionWeightsStatus(
  cells: readonly { config: ExperimentConfig }[],
  cacheDir: string,
): string | null {
  if (!needsInception(cells)) return null;
  let found: FoundInceptionWeights | null;
  try {
    found = localInceptionWeights(cacheDir);
  } catch (error) {
    return `FID Inception weights: ${(error as Error).message}`;
  }
  return found
    ? `FID Inception weights: ${found.path}`
    : `FID Inception weights: not on this machine; a run downloads them ` +
        `before training from ${FID_INCEPTION_URL} (SHA-256 ` +
        `${FID_INCEPTION_SHA256}); offline, fetch that file elsewhere and ` +
        `set ${WEIGHTS_ENV}=<file> or put it at ` +
        join(inceptionWeightsDir(cacheDir), FID_INCEPTION_FILE);
}

/**
 * Gets the weights a run needs (found, or downloaded now) before any
 * work; returns what stops the run, for the preflight's list, or null.
 */
export async function inceptionWeightsProblem(
  cells: readonly { config: ExperimentConfig }[],
  cacheDir: string,
  load: () => Promise<{ dispose(): void }>,
): Promise<string | null> {
  if (!needsInception(cells)) return null;
  try {
    (await load()).dispose();
    return null;
  } catch (error) {
    return `${(error as Error).message}; ${inceptionWeightsHelp(cacheDir)}`;
  }
}
