import * as tf from '@tensorflow/tfjs-core';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  geometricSigmas,
  numLevelsTechnique2,
  sigmaMaxFromData,
} from '@acsm/core';
import {
  contentChecksum,
  ensureCifar10,
  type ImageDataset,
  loadCifar10,
  loadLsun,
  loadMnist,
  stackedMnist,
  subset,
} from '@acsm/data';
import {
  DEFAULT_MNIST_CLASSIFIER_CONFIG,
  fidMnistClassifier,
  type ImageArray,
  isMnistClassifierCached,
  type MnistClassifier,
  type ReferenceStats,
  referenceStats,
  stackedMnistModes,
  trainOrLoadMnistClassifier,
} from '@acsm/eval';
import type { ExperimentConfig } from '../config';
import { createProgress } from '../progress';
import { type RunContext, timed } from './context';
import { InterruptedError } from '../train/loop';
import { inceptionEvaluator } from './inception';

/** One output's measurement: the cell's value and what it depends on. */
export interface Measurement {
  /** The cell's value, logged under the config's eval.metric. */
  value: number;
  /** Samples evaluated. */
  nGenerated: number;
  /** Further metrics of this output (e.g. inception_score). */
  metrics: Record<string, number>;
  /** Tags of this output's run (e.g. why a FID is not comparable). */
  tags?: Record<string, string>;
}

/**
 * A metric ready to measure samples: the feature extractor and the
 * reference statistics of the data, whatever the metric.
 */
export interface Evaluator {
  measure(images: ImageArray): Measurement;
  /** Metrics every cell logs with its value (n_reference, accuracy…). */
  metrics: Record<string, number>;
  /** Tags every cell carries: the extractor's identity, caveats. */
  tags: Record<string, string>;
  dispose(): void;
}

/** FID on the project's MNIST classifier's features. */
function classifierEvaluator(
  classifier: MnistClassifier,
  reference: ReferenceStats,
): Evaluator {
  return {
    measure: (images) => {
      const fid = fidMnistClassifier(classifier, images, reference);
      return { value: fid.value, nGenerated: fid.nGenerated, metrics: {} };
    },
    metrics: {
      n_reference: reference.n,
      classifier_test_accuracy: classifier.testAccuracy,
    },
    tags: {
      'acsm.fid.extractor': classifier.hash,
      'acsm.fid.note': 'FID on MNIST-classifier features, not Inception FID',
    },
    dispose: () => classifier.dispose(),
  };
}

/** Width of the FID classifier's features (fixed by its config). */
export const FID_FEATURE_DIM = DEFAULT_MNIST_CLASSIFIER_CONFIG.featureDim;

/** The data every cell of a table shares. */
export interface Prepared {
  train: ImageDataset;
  test: ImageDataset;
  sigmas: number[];
  /** How σ_1 and L were chosen. */
  scheduleNote: string;
  /**
   * The FID classifier (trained on first call unless cached; parallel
   * shards train it once) and the reference statistics. Deferred so that
   * a shard trains it while the other shards still train their models.
   */
  evaluator: () => Promise<Evaluator>;
  /** Whether `evaluator()` would return without training. */
  evaluatorReady: () => boolean;
  /** Frees the classifier if it was loaded. */
  dispose: () => Promise<void>;
}

/** The splits of a dataset: all of train, and test. */
interface Splits {
  fullTrain: ImageDataset;
  test: ImageDataset;
  /** Stacked MNIST: the MNIST digits it is built of (its classifier's). */
  digits?: { fullTrain: ImageDataset; test: ImageDataset };
}

/**
 * Stacked MNIST (PAPER.md §9): three independently shuffled training
 * digits as R, G and B, as many images as digits (one pass, as the
 * authors' dataset); the test split likewise of the test digits.
 */
function stackedMnistSplits(seed: number): Splits {
  const digits = { fullTrain: loadMnist('train'), test: loadMnist('test') };
  const stack = (d: ImageDataset) =>
    stackedMnist(d, { n: d.shape[0], seed }).dataset;
  return {
    fullTrain: stack(digits.fullTrain),
    test: stack(digits.test),
    digits,
  };
}

/** CIFAR-10, downloaded (MD5 checked) and extracted on first use. */
async function cifar10Splits(ctx: RunContext): Promise<Splits> {
  let progress: ReturnType<typeof createProgress> | undefined;
  await ensureCifar10({
    download: true,
    signal: ctx.signal,
    onProgress: (p) => {
      if (p.totalBytes === undefined) return;
      progress ??= createProgress(`CIFAR-10 ${p.phase}`, p.totalBytes);
      progress.tick(p.bytes);
    },
  });
  progress?.finish();
  return {
    fullTrain: loadCifar10({ split: 'train' }),
    test: loadCifar10({ split: 'test' }),
  };
}

/**
 * LSUN church_outdoor (decoded once to a 1.55 GB byte cache) as float32
 * in [0, 1]: 6.2 GB in memory. LSUN has no test split for this use; the
 * reference statistics are of the training split (PAPER.md §10).
 */
async function lsunSplits(): Promise<Splits> {
  let progress: ReturnType<typeof createProgress> | undefined;
  const lsun = await loadLsun({
    onProgress: (p) => {
      progress ??= createProgress(`LSUN ${p.phase}`, p.total);
      progress.tick(p.done);
    },
  });
  progress?.finish();
  const [n] = lsun.shape;
  const images = new Float32Array(lsun.images.length);
  for (let i = 0; i < images.length; i++) images[i] = lsun.images[i] / 255;
  const labels = new Uint8Array(n);
  const fullTrain: ImageDataset = {
    images,
    labels,
    shape: lsun.shape,
    source: lsun.source,
    split: 'train',
    checksum: contentChecksum(images, labels),
    sourceChecksum: lsun.sourceChecksum,
  };
  return { fullTrain, test: fullTrain };
}

async function splitsOf(
  ctx: RunContext,
  config: ExperimentConfig,
): Promise<Splits> {
  const dataset = config.data.dataset;
  switch (dataset) {
    case 'mnist':
      return { fullTrain: loadMnist('train'), test: loadMnist('test') };
    case 'stacked-mnist':
      return stackedMnistSplits(config.seed);
    case 'cifar10':
      return cifar10Splits(ctx);
    case 'lsun-church':
      return lsunSplits();
  }
}

/**
 * Loads the splits: `train` is what the score network sees (capped by
 * data.maxTrainImages); the FID classifier and the reference statistics
 * always use the whole training split.
 */
async function loadData(
  ctx: RunContext,
  config: ExperimentConfig,
): Promise<Data> {
  const splits = await splitsOf(ctx, config);
  const { fullTrain } = splits;
  const cap = config.data.maxTrainImages;
  const capped = cap > 0 && cap < fullTrain.shape[0];
  const train = capped ? subset(fullTrain, 0, cap) : fullTrain;
  return { ...splits, train };
}

interface Data extends Splits {
  train: ImageDataset;
}

/** σ_1 over the whole training set, cached by the data's checksum. */
const sigmaCacheFile = (ctx: RunContext, train: ImageDataset) =>
  join(ctx.cacheDir, `sigma-max-${train.checksum.slice(0, 16)}.json`);

function cachedSigmaMax(ctx: RunContext, train: ImageDataset): number {
  const file = sigmaCacheFile(ctx, train);
  try {
    return JSON.parse(readFileSync(file, 'utf8')).sigmaMax as number;
  } catch {
    const [, h, w, c] = train.shape;
    const sigmaMax = sigmaMaxFromData(train.images, { dim: h * w * c });
    mkdirSync(ctx.cacheDir, { recursive: true });
    writeFileSync(file, JSON.stringify({ sigmaMax, n: train.shape[0] }));
    return sigmaMax;
  }
}

/** The geometric schedule of PAPER.md §1 and §8. */
function schedule(
  ctx: RunContext,
  config: ExperimentConfig,
  train: ImageDataset,
) {
  const { sigmaMin } = config.noise;
  const auto = config.noise.sigmaMax === 0;
  const sigmaMax = auto ? cachedSigmaMax(ctx, train) : config.noise.sigmaMax;
  const [, h, w, c] = train.shape;
  const levelsAuto = config.noise.numLevels === 0;
  const numLevels = levelsAuto
    ? numLevelsTechnique2({ dim: h * w * c, sigmaMax, sigmaMin }).numLevels
    : config.noise.numLevels;
  const note =
    `σ_1 = ${sigmaMax.toFixed(4)} (${auto ? 'largest pairwise distance over the training split' : 'from the config'}), ` +
    `σ_L = ${sigmaMin}, L = ${numLevels} (${levelsAuto ? 'Technique 2' : 'from the config'})`;
  return { sigmas: geometricSigmas(sigmaMax, sigmaMin, numLevels), note };
}

/** The classifier trains on MNIST digits: the data's, or its source's. */
const classifierOptions = (ctx: RunContext, data: Data) => ({
  train: (data.digits ?? data).fullTrain,
  test: (data.digits ?? data).test,
  seed: 0,
  cacheDir: ctx.cacheDir,
});

async function classifier(ctx: RunContext, data: Data) {
  let progress: ReturnType<typeof createProgress> | undefined;
  const model = await trainOrLoadMnistClassifier({
    ...classifierOptions(ctx, data),
    signal: ctx.signal,
    onWait: (h) =>
      ctx.logger.info(
        `FID classifier: process ${h.pid} on ${h.host} is training it ` +
          `(since ${h.since}); waiting for it`,
      ),
    onProgress: (p) => {
      progress ??= createProgress('classifier', p.steps);
      progress.tick(p.step, `loss ${p.loss.toFixed(4)}`);
    },
  }).catch((error: unknown) => {
    if (!ctx.signal.aborted) throw error;
    throw new InterruptedError(
      'interrupted while training the FID classifier (not checkpointed: it trains again from the start)',
    );
  });
  progress?.finish();
  if (model.testAccuracy < 0.98) {
    throw new Error(
      `the FID classifier reached ${(100 * model.testAccuracy).toFixed(2)}% ` +
        'test accuracy, below the 98% its features need',
    );
  }
  return model;
}

/** The schedule as resolved (σ_1 and L may be 'auto' in the config). */
export function resolvedSchedule(p: Prepared) {
  return {
    'schedule.sigmaMax': p.sigmas[0],
    'schedule.sigmaMin': p.sigmas[p.sigmas.length - 1],
    'schedule.numLevels': p.sigmas.length,
  };
}

/**
 * Stacked MNIST modes (PAPER.md §9): each channel of a sample classified
 * by the MNIST classifier (inference only: no dropout), each sample
 * counted once; the value is the modes covered of 1000, with KL(q ‖ U).
 */
function modesEvaluator(classifier: MnistClassifier): Evaluator {
  return {
    measure: ({ images, shape }) => {
      const labels = [0, 1, 2].map((c) =>
        channelLabels(classifier, images, shape, c),
      );
      const r = stackedMnistModes(labels[0], labels[1], labels[2]);
      return { value: r.modes, nGenerated: r.n, metrics: { kl: r.kl } };
    },
    metrics: { classifier_test_accuracy: classifier.testAccuracy },
    tags: {
      'acsm.modes.classifier': classifier.hash,
      'acsm.modes.note':
        'each sample counted once, classifier without dropout, q ' +
        'normalised by the samples given (unlike the released code)',
    },
    dispose: () => classifier.dispose(),
  };
}

/** Digits of channel c of [n, 28, 28, 3] images, by the classifier. */
function channelLabels(
  classifier: MnistClassifier,
  images: Float32Array,
  shape: ImageArray['shape'],
  c: number,
): Uint8Array {
  const [n, h, w] = shape;
  const plane = new Float32Array(n * h * w);
  for (let i = 0; i < plane.length; i++) plane[i] = images[3 * i + c];
  return tf.tidy(() => {
    const x = tf.tensor4d(plane, [n, h, w, 1]);
    return Uint8Array.from(classifier.predict(x).dataSync());
  });
}

/** The project's MNIST classifier, trained or loaded, with a log line. */
async function loggedClassifier(ctx: RunContext, data: Data) {
  const model = await timed(ctx, 'FID classifier', () => classifier(ctx, data));
  ctx.logger.info(
    `FID classifier ${model.hash.slice(0, 12)}: test accuracy ` +
      `${(100 * model.testAccuracy).toFixed(2)}%` +
      (model.fromCache
        ? ' (cached)'
        : ` (trained in ${model.trainSeconds.toFixed(0)} s)`),
  );
  return model;
}

/** FID on the classifier's features of the whole training split. */
async function classifierFid(ctx: RunContext, data: Data): Promise<Evaluator> {
  const model = await loggedClassifier(ctx, data);
  try {
    const reference = await timed(ctx, 'reference statistics', () =>
      referenceStats(model, data.fullTrain),
    );
    return classifierEvaluator(model, reference);
  } catch (error) {
    model.dispose();
    throw error;
  }
}

/**
 * `main` with `other`'s value logged beside it as the metric `name`
 * (its metrics and tags too, where main has none of the same name).
 */
export function withBeside(main: Evaluator, other: Evaluator, name: string) {
  return {
    measure: (images) => {
      const m = main.measure(images);
      const o = other.measure(images);
      return {
        ...m,
        metrics: { ...o.metrics, [name]: o.value, ...m.metrics },
        tags: { ...o.tags, ...m.tags },
      };
    },
    metrics: { ...other.metrics, ...main.metrics },
    tags: { ...other.tags, ...main.tags },
    dispose: () => {
      main.dispose();
      other.dispose();
    },
  } satisfies Evaluator;
}

/**
 * Inception FID and IS; on MNIST digits (grayscale, never comparable with
 * published FIDs) the classifier FID beside them, comparable with the
 * tables measured without the Inception weights.
 */
async function inceptionFid(
  ctx: RunContext,
  config: ExperimentConfig,
  data: Data,
): Promise<Evaluator> {
  const inception = await inceptionEvaluator(ctx, config, data.fullTrain);
  if (config.data.dataset !== 'mnist') return inception;
  try {
    const digits = await classifierFid(ctx, data);
    return withBeside(inception, digits, 'fid_mnist_classifier');
  } catch (error) {
    inception.dispose();
    throw error;
  }
}

/** The metric of the config, with its log lines. */
async function evaluator(
  ctx: RunContext,
  config: ExperimentConfig,
  data: Data,
): Promise<Evaluator> {
  const metric = config.eval.metric;
  switch (metric) {
    case 'fid_inception':
      return inceptionFid(ctx, config, data);
    case 'stacked_mnist_modes':
      return modesEvaluator(await loggedClassifier(ctx, data));
    case 'fid_mnist_classifier':
      return classifierFid(ctx, data);
    case 'fid_auto':
      throw new Error(
        'eval.metric fid_auto reached the evaluator unresolved: cells ' +
          'resolve it (resolveCells)',
      );
  }
}

/**
 * Phases shared by all cells: data and schedule now; the classifier and
 * statistics when first asked for.
 */
export async function prepare(
  ctx: RunContext,
  config: ExperimentConfig,
): Promise<Prepared> {
  const data = await timed(ctx, 'load data', () => loadData(ctx, config));
  if (
    config.noise.sigmaMax === 0 &&
    !existsSync(sigmaCacheFile(ctx, data.train))
  ) {
    ctx.logger.info(
      `noise schedule: computing σ_1 over ${data.train.shape[0]} training ` +
        'images (once; cached for later runs)',
    );
  }
  const { sigmas, note } = await timed(ctx, 'noise schedule', () =>
    schedule(ctx, config, data.train),
  );
  ctx.logger.info(`schedule: ${note}`);
  let loaded: Promise<Evaluator> | undefined;
  return {
    train: data.train,
    test: data.test,
    sigmas,
    scheduleNote: note,
    evaluator: () => (loaded ??= evaluator(ctx, config, data)),
    evaluatorReady: () =>
      loaded !== undefined ||
      config.eval.metric === 'fid_inception' ||
      isMnistClassifierCached(classifierOptions(ctx, data)),
    dispose: async () => {
      (await loaded?.catch(() => undefined))?.dispose();
    },
  };
}
