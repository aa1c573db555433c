// Inception FID and IS of the paper (PAPER.md §10) as a runner metric:
// the weights fetched before any training, reference statistics of the
// training split computed once and cached with their identity.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ImageDataset } from '@acsm/data';
import {
  type FidInception,
  inceptionReferenceStats,
  inceptionStatsFileName,
  type InceptionStats,
  loadFidInception,
  loadInceptionStats,
  measureInception,
  saveInceptionStats,
} from '@acsm/eval';
import type { ExperimentConfig } from '../config';
import { createProgress } from '../progress';
import { type RunContext, timed } from './context';
import { inceptionWeightsDir } from './metric-choice';
import type { Evaluator } from './prepare';

/** The paper's sample count: fewer is not comparable (PAPER.md §9). */
const PAPER_SAMPLES = 10_000;

/**
 * The FID Inception, its weights found locally or downloaded from their
 * published address (SHA-256 checked). Called before training, so a run
 * without the weights stops at once.
 */
export function fidInception(
  ctx: Pick<RunContext, 'cacheDir'>,
): Promise<FidInception> {
  // Other weights (a mirror, or test weights) need their own SHA-256;
  // their FIDs are then never marked comparable.
  const { ACSM_INCEPTION_SHA256: sha256, ACSM_INCEPTION_URL: url } =
    process.env;
  return loadFidInception({
    cacheDir: inceptionWeightsDir(ctx.cacheDir),
    download: true,
    ...(sha256 ? { sha256 } : {}),
    ...(url ? { url } : {}),
  });
}

function statsPath(
  ctx: RunContext,
  net: FidInception,
  dataset: string,
  data: ImageDataset,
): string {
  const name = inceptionStatsFileName({
    dataset,
    split: 'train',
    n: data.shape[0],
    weightsSha256: net.weightsSha256,
  } as Parameters<typeof inceptionStatsFileName>[0]);
  return join(ctx.cacheDir, 'inception-stats', name);
}

/** Training-split statistics: from the cache when they match the data. */
async function referenceStats(
  ctx: RunContext,
  net: FidInception,
  dataset: string,
  data: ImageDataset,
): Promise<InceptionStats> {
  const path = statsPath(ctx, net, dataset, data);
  if (existsSync(path)) {
    const stats = loadInceptionStats(path);
    if (stats.meta?.dataSha256 === data.checksum) return stats;
  }
  const [n] = data.shape;
  const progress = createProgress('Inception reference statistics', n);
  const stats = inceptionReferenceStats(
    net,
    data,
    { dataset, split: 'train', splitSize: n, dataSha256: data.checksum },
    { batchSize: 50, onProgress: (p) => progress.tick(p.done) },
  );
  progress.finish();
  saveInceptionStats(path, stats);
  ctx.logger.info(`Inception statistics of ${dataset} train: ${path}`);
  return stats;
}

/** Inception FID (the cell's value) and IS of samples. */
export async function inceptionEvaluator(
  ctx: RunContext,
  config: ExperimentConfig,
  train: ImageDataset,
): Promise<Evaluator> {
  const net = await timed(ctx, 'Inception', () => fidInception(ctx));
  try {
    const reference = await timed(ctx, 'reference statistics', () =>
      referenceStats(ctx, net, config.data.dataset, train),
    );
    return {
      measure: (images) => {
        const m = measureInception(net, images, reference, {
          seed: config.seed,
          batchSize: 50,
          paperSamples: PAPER_SAMPLES,
        });
        return {
          value: m.fid,
          nGenerated: m.nGenerated,
          metrics: {
            inception_score: m.inceptionScore.mean,
            inception_score_std: m.inceptionScore.std,
            fid_comparable: m.comparable ? 1 : 0,
          },
          tags: { 'acsm.fid.notes': m.notes.join('; ') || 'none' },
        };
      },
      metrics: { n_reference: reference.meta?.n ?? 0 },
      tags: {
        'acsm.fid.extractor': `fid-inception-2015-12-05 ${net.weightsSha256}`,
        'acsm.fid.reference': reference.meta?.sha256 ?? 'external',
      },
      dispose: () => net.dispose(),
    };
  } catch (error) {
    net.dispose();
    throw error;
  }
}
