// `acsm eval stats` and `acsm eval fid`: Inception reference statistics
// of a declared split, and FID / IS of sample files against them.
import { basename, join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { initBackend } from '@acsm/core';
import {
  CIFAR10_DIR,
  CIFAR10_URL,
  describeCifar10Source,
  ensureCifar10,
  loadCifar10,
  loadLsun,
  loadMnist,
  type ImageShape,
} from '@acsm/data';
import {
  checkMeasurable,
  describeStats,
  FID_INCEPTION_FILE,
  FID_INCEPTION_SHA256,
  FID_INCEPTION_URL,
  type FidInception,
  inceptionReferenceStats,
  type InceptionImages,
  type InceptionMeasurement,
  type InceptionProgress,
  inceptionStatsFileName,
  loadFidInception,
  loadInceptionStats,
  loadSamples,
  measureInception,
  type ReferenceSplit,
  saveInceptionStats,
  WEIGHTS_ENV,
} from '@acsm/eval';
import { ConfigError } from '../config';
import { defaultCacheDir } from '../runner/context';
import { inceptionWeightsDir } from '../runner/metric-choice';
import type { Logger } from './logger';
import { once } from './options';

/** The variable naming a mirror of the weights' published address. */
export const WEIGHTS_URL_ENV = 'ACSM_INCEPTION_URL';

/** The variable naming the SHA-256 of other weights (as the runner). */
export const WEIGHTS_SHA256_ENV = 'ACSM_INCEPTION_SHA256';

/** An input problem (a file, a flag) as a one-line user error (exit 2). */
async function asUserError<T>(work: () => Promise<T> | T): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError((error as Error).message);
  }
}

/** The split's images and what is known of the split. */
interface SplitImages {
  readonly images: InceptionImages;
  readonly splitSize: number;
  readonly dataSha256?: string;
}

interface DatasetEntry {
  readonly splits: readonly string[];
  /** Fails when the data cannot be found or fetched, before any work. */
  check?(): void;
  load(split: string, logger: Logger): Promise<SplitImages>;
}

/** CIFAR-10 needs a data folder to find or download it in. */
function checkCifar10Folder(): void {
  if (describeCifar10Source().state !== 'missing') return;
  if (process.env['ACSM_DATA_DIR']) return; // downloaded there
  throw new ConfigError(
    `eval stats: CIFAR-10 needs ACSM_DATA_DIR: set it to a folder; acsm ` +
      `downloads CIFAR-10 there from ${CIFAR10_URL} when the network ` +
      `allows, or put ${CIFAR10_DIR}/ there`,
  );
}

/** The datasets `acsm eval stats --dataset` knows (PAPER.md §8). */
const EVAL_DATASETS: Record<string, DatasetEntry> = {
  cifar10: {
    splits: ['train', 'test'],
    check: checkCifar10Folder,
    async load(split, logger) {
      await ensureCifar10({
        download: true,
        onProgress: (p) =>
          p.bytes === 0 && logger.info(`CIFAR-10: ${p.phase}…`),
      });
      const data = loadCifar10({ split: split as 'train' | 'test' });
      const { images, shape, checksum } = data;
      return {
        images: { images, shape },
        splitSize: shape[0],
        dataSha256: checksum,
      };
    },
  },
  mnist: {
    splits: ['train', 'test'],
    async load(split) {
      const data = loadMnist(split as 'train' | 'test');
      const { images, shape, checksum } = data;
      return {
        images: { images, shape },
        splitSize: shape[0],
        dataSha256: checksum,
      };
    },
  },
  'lsun-church': {
    splits: ['train'],
    async load(_split, logger) {
      let shown = -1;
      const data = await loadLsun({
        onProgress: (p) => {
          const pct = Math.floor((100 * p.done) / p.total);
          if (pct % 10 === 0 && pct !== shown) {
            shown = pct;
            logger.info(`LSUN church_outdoor: ${p.phase} ${pct}%`);
          }
        },
      });
      const { images, shape, checksum } = data;
      return {
        images: { bytes: images, shape },
        splitSize: shape[0],
        dataSha256: checksum,
      };
    },
  },
};

/** The first n images (all when n is undefined); at least 2. */
function firstImages(images: InceptionImages, n: number | undefined) {
  const [total, h, w, c] = images.shape;
  if (total < 2) {
    throw new ConfigError(`eval stats: need at least 2 images, got ${total}`);
  }
  if (n === undefined || n === total) return images;
  if (!(Number.isInteger(n) && n >= 2 && n <= total)) {
    throw new ConfigError(`--n must be an integer in [2, ${total}], got ${n}`);
  }
  const shape: ImageShape = [n, h, w, c];
  const size = n * h * w * c;
  return 'images' in images
    ? { images: images.images.subarray(0, size), shape }
    : { bytes: images.bytes.subarray(0, size), shape };
}

/** Logs progress every 10% (and at the end) with the rate. */
function progressLogger(logger: Logger, what: string) {
  const started = performance.now();
  let shown = -1;
  return ({ done, total }: InceptionProgress) => {
    const tenth = Math.floor((10 * done) / total);
    if (tenth === shown) return;
    shown = tenth;
    const seconds = (performance.now() - started) / 1000;
    const rate = done / Math.max(seconds, 1e-9);
    const left = (total - done) / rate;
    logger.info(
      `${what}: ${done}/${total} images, ${rate.toFixed(1)} img/s` +
        (done < total ? `, ~${Math.ceil(left / 60)} min left` : ''),
    );
  };
}

interface WeightsArgs {
  readonly weights?: string;
  readonly weightsSha256?: string;
}

/** What to do when the weights cannot be found or downloaded. */
function weightsHelp(cacheDir: string): string {
  return (
    `download ${FID_INCEPTION_URL} (SHA-256 ${FID_INCEPTION_SHA256}) where ` +
    `the network allows, then pass --weights <file>, set ${WEIGHTS_ENV}=` +
    `<file>, or put it at ${join(cacheDir, FID_INCEPTION_FILE)}`
  );
}

/**
 * The FID Inception: --weights, else $ACSM_INCEPTION_WEIGHTS, else the
 * converted cache, else the .pth in the cache, else a download from
 * $ACSM_INCEPTION_URL or the published address.
 */
async function loadNetwork(a: WeightsArgs, logger: Logger) {
  const backend = await initBackend();
  logger.info(`backend: ${backend.name}, ${backend.threads} thread(s)`);
  const cacheDir = inceptionWeightsDir(defaultCacheDir());
  const sha256 =
    a.weightsSha256 ?? (process.env[WEIGHTS_SHA256_ENV] || undefined);
  try {
    const net = await loadFidInception({
      weightsPath: a.weights,
      cacheDir,
      download: true,
      url: process.env[WEIGHTS_URL_ENV] || FID_INCEPTION_URL,
      sha256,
    });
    logger.info(
      `FID Inception weights ${net.weightsSha256} (${net.weightsSource})`,
    );
    return net;
  } catch (error) {
    const message = (error as Error).message;
    const missing = /cannot download|answered HTTP|not found/.test(message);
    throw new ConfigError(
      missing ? `${message}; ${weightsHelp(cacheDir)}` : message,
    );
  }
}

interface StatsArgs extends WeightsArgs {
  readonly dataset?: string;
  readonly split?: string;
  readonly images?: string;
  readonly n?: number;
  readonly out?: string;
  readonly batchSize: number;
}

/** The images to read and how the split is declared. */
type StatsInput = () => Promise<{
  images: InceptionImages;
  split: ReferenceSplit;
}>;

/** --images: any folder or .npz, named by --dataset and --split. */
function imagesInput(a: StatsArgs, path: string): StatsInput {
  return async () => {
    const { images } = await asUserError(() => loadSamples(path));
    const dataset = a.dataset ?? `images:${basename(path)}`;
    const split = a.split ?? 'all';
    return { images, split: { dataset, split, splitSize: images.shape[0] } };
  };
}

/** Checks --dataset and --split before any work; reads them when called. */
function statsInput(a: StatsArgs, logger: Logger): StatsInput {
  if (a.images !== undefined) return imagesInput(a, a.images);
  const entry = a.dataset === undefined ? undefined : EVAL_DATASETS[a.dataset];
  if (!entry) {
    throw new ConfigError(
      `eval stats: --dataset must be one of ` +
        `${Object.keys(EVAL_DATASETS).join(', ')} (or give --images), ` +
        `got ${a.dataset === undefined ? 'none' : `'${a.dataset}'`}`,
    );
  }
  const split = a.split ?? 'train';
  if (!entry.splits.includes(split)) {
    throw new ConfigError(
      `eval stats: ${a.dataset} has splits ${entry.splits.join(', ')}, ` +
        `got '${split}'`,
    );
  }
  entry.check?.();
  return async () => {
    const data = await asUserError(() => entry.load(split, logger));
    const declared: ReferenceSplit = {
      dataset: a.dataset!,
      split,
      splitSize: data.splitSize,
      ...(data.dataSha256 ? { dataSha256: data.dataSha256 } : {}),
    };
    return { images: data.images, split: declared };
  };
}

async function stats(a: StatsArgs, logger: Logger): Promise<void> {
  const input = await statsInput(a, logger)();
  const images = firstImages(input.images, a.n);
  const what = `${input.split.dataset}/${input.split.split}`;
  logger.info(`${what}: ${images.shape[0]} images [${images.shape}]`);
  const net = await loadNetwork(a, logger);
  try {
    const computed = inceptionReferenceStats(net, images, input.split, {
      batchSize: a.batchSize,
      onProgress: progressLogger(logger, what),
    });
    const name = inceptionStatsFileName(computed.meta!);
    const out = a.out ?? join(defaultCacheDir(), 'inception-stats', name);
    saveInceptionStats(out, computed);
    const back = loadInceptionStats(out); // the hash checks what was written
    logger.result(`wrote ${out}`);
    logger.result(describeStats(back));
  } finally {
    net.dispose();
  }
}

interface FidArgs extends WeightsArgs {
  readonly samples: string;
  readonly reference: string;
  readonly batchSize: number;
  readonly splits: number;
  readonly seed: number;
  readonly json: boolean;
}

const fixed = (v: number, digits: number) =>
  Number.isFinite(v) ? v.toFixed(digits) : String(v);

/** The measurement as the lines `acsm eval fid` prints. */
export function formatMeasurement(
  m: InceptionMeasurement,
  samples: string,
): string[] {
  const is = m.inceptionScore;
  const counts =
    `n_generated ${m.nGenerated}, n_reference ${m.nReference ?? 'unknown'}` +
    (m.rankDeficient ? '; rank-deficient' : '');
  return [
    `FID         ${fixed(m.fid, 4)} (${counts})`,
    `IS          ${fixed(is.mean, 4)} ± ${fixed(is.std, 4)} ` +
      `(${is.splits} splits, n ${is.n})`,
    `extractor   ${m.extractor.name}, weights SHA-256 ` +
      m.extractor.weightsSha256,
    `reference   ${m.reference.identity}`,
    `samples     ${samples}`,
    m.comparable
      ? 'comparable  yes: with published FID and IS of the same protocol'
      : `comparable  no: ${m.notes.join('; ')}`,
  ];
}

async function fid(a: FidArgs, logger: Logger): Promise<void> {
  const reference = await asUserError(() => loadInceptionStats(a.reference));
  const loaded = await asUserError(() => loadSamples(a.samples));
  const { shape } = loaded.images;
  logger.info(`samples: ${shape[0]} images [${shape}] from ${loaded.from}`);
  await asUserError(() =>
    checkMeasurable('eval fid', loaded.images, reference, a.splits),
  );
  const net: FidInception = await loadNetwork(a, logger);
  try {
    const m = await asUserError(() =>
      measureInception(net, loaded.images, reference, {
        seed: a.seed,
        splits: a.splits,
        batchSize: a.batchSize,
        onProgress: progressLogger(logger, 'samples'),
      }),
    );
    if (a.json) {
      logger.result(JSON.stringify({ ...m, samples: a.samples }, null, 1));
      return;
    }
    const described = `${a.samples} (${loaded.from}, [${shape}])`;
    for (const line of formatMeasurement(m, described)) logger.result(line);
  } finally {
    net.dispose();
  }
}

const weightsOptions = (y: Argv) =>
  y
    .option('weights', {
      type: 'string',
      requiresArg: true,
      coerce: once<string>('weights'),
      describe:
        `the FID Inception .pth (default $${WEIGHTS_ENV}, else the ` +
        'cache, else downloaded)',
    })
    .option('weights-sha256', {
      type: 'string',
      requiresArg: true,
      coerce: once<string>('weights-sha256'),
      describe:
        `expected SHA-256 of --weights (default $${WEIGHTS_SHA256_ENV}, ` +
        'else the published file’s); other weights give numbers marked ' +
        'not comparable',
    })
    .option('batch-size', {
      type: 'number',
      default: 50,
      requiresArg: true,
      coerce: once<number>('batch-size'),
      describe: 'images per forward pass',
    });

const integerAtLeast =
  (name: string, min: number) => (value: number | number[]) => {
    const v = once<number>(name)(value);
    if (!(Number.isInteger(v) && v >= min)) {
      throw new ConfigError(`--${name} must be an integer >= ${min}, got ${v}`);
    }
    return v;
  };
const positiveInteger = (name: string) => integerAtLeast(name, 1);

const statsCommand = (logger: Logger): CommandModule => ({
  command: 'stats',
  describe: 'compute and write Inception reference statistics of a split',
  builder: (y) =>
    weightsOptions(y)
      .option('dataset', {
        type: 'string',
        requiresArg: true,
        coerce: once<string>('dataset'),
        describe:
          `${Object.keys(EVAL_DATASETS).join(', ')}; ` +
          'with --images, a name',
      })
      .option('split', {
        type: 'string',
        requiresArg: true,
        coerce: once<string>('split'),
        describe: 'train (default) or test; with --images, a name (all)',
      })
      .option('images', {
        type: 'string',
        requiresArg: true,
        coerce: once<string>('images'),
        describe: 'a folder of images or a .npz instead of a dataset',
      })
      .option('n', {
        type: 'number',
        requiresArg: true,
        coerce: integerAtLeast('n', 2),
        describe: 'only the first n images (recorded as a subset)',
      })
      .option('out', {
        type: 'string',
        requiresArg: true,
        coerce: once<string>('out'),
        describe: 'the .npz to write (default in $ACSM_CACHE_DIR)',
      }),
  handler: (args) =>
    stats(
      {
        dataset: args.dataset as string | undefined,
        split: args.split as string | undefined,
        images: args.images as string | undefined,
        n: args.n as number | undefined,
        out: args.out as string | undefined,
        weights: args.weights as string | undefined,
        weightsSha256: args['weights-sha256'] as string | undefined,
        batchSize: positiveInteger('batch-size')(args['batch-size'] as number),
      },
      logger,
    ),
});

const fidCommand = (logger: Logger): CommandModule => ({
  command: 'fid',
  describe: 'FID and Inception Score of samples against reference statistics',
  builder: (y) =>
    weightsOptions(y)
      .option('samples', {
        type: 'string',
        demandOption: true,
        requiresArg: true,
        coerce: once<string>('samples'),
        describe: 'a folder of images, or a .npz / .npy of [N, H, W, C]',
      })
      .option('reference', {
        type: 'string',
        demandOption: true,
        requiresArg: true,
        coerce: once<string>('reference'),
        describe: 'statistics from `acsm eval stats`, or a .npz of mu, sigma',
      })
      .option('splits', {
        type: 'number',
        default: 10,
        requiresArg: true,
        coerce: positiveInteger('splits'),
        describe: 'splits of the Inception Score',
      })
      .option('seed', {
        type: 'number',
        default: 0,
        requiresArg: true,
        coerce: once<number>('seed'),
        describe: 'seed of the Inception Score’s shuffle',
      })
      .option('json', {
        type: 'boolean',
        default: false,
        describe: 'print the whole measurement as JSON',
      }),
  handler: (args) =>
    fid(
      {
        samples: String(args.samples),
        reference: String(args.reference),
        weights: args.weights as string | undefined,
        weightsSha256: args['weights-sha256'] as string | undefined,
        batchSize: positiveInteger('batch-size')(args['batch-size'] as number),
        splits: args.splits as number,
        seed: args.seed as number,
        json: Boolean(args.json),
      },
      logger,
    ),
});

/** `acsm eval stats|fid`. */
export function evalCommand(logger: Logger): CommandModule {
  return {
    command: 'eval',
    describe: 'Inception reference statistics, FID and IS of sample files',
    builder: (y) =>
      y
        .command(statsCommand(logger))
        .command(fidCommand(logger))
        .demandCommand(1, 'name an eval command: stats, fid'),
    handler: () => undefined,
  };
}
