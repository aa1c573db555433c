// eval.metric = fid_auto: Inception FID and IS whenever the FID Inception
// weights are on this machine, the dataset's own metric otherwise. Chosen
// when the cells are resolved, so the concrete metric is part of every
// cell's configuration and hash: runs measured one way are never reused
// as the other.
import { join } from 'node:path';
import { findInceptionWeights, type FoundInceptionWeights } from '@acsm/eval';
import type { DatasetName, ExperimentConfig, MetricName } from '../config';

/** Where the runner and `acsm eval` keep the weights, in the cache. */
export function inceptionWeightsDir(cacheDir: string): string {
  return join(cacheDir, 'inception');
}

/**
 * The weights the runner would load without downloading, or null; other
 * weights than the published file are named by ACSM_INCEPTION_SHA256.
 */
export function localInceptionWeights(
  cacheDir: string,
): FoundInceptionWeights | null {
  const sha256 = process.env['ACSM_INCEPTION_SHA256'] || undefined;
  return findInceptionWeights({
    cacheDir: inceptionWeightsDir(cacheDir),
    ...(sha256 ? { sha256 } : {}),
  });
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
