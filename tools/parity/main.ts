// Forward parity with the authors' PyTorch models, as a table:
//
//   ACSM_AUTHORS_CODE=<checkout> npm run parity [-- --only ID,ID]
//       [--keep DIR]
//
// <checkout> is a checkout of AlexiaJM/AdversarialConsistentScoreMatching;
// Debian's /usr/bin/python3 with python3-torch runs it (ACSM_PARITY_PYTHON
// names another interpreter). --keep writes the export to DIR and leaves
// it there. Exit code 1 when a difference reaches the bound or a
// parameter count differs (theirs less the entry's ignored ones).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { initBackend } from '@acsm/core';
import { selectNetworks } from './networks';
import {
  AUTHORS_ENV,
  DEFAULT_PYTHON,
  PARITY_BATCH,
  PARITY_BOUND,
  PARITY_SEED,
  formatTable,
  rowPasses,
  runParity,
} from './parity';

function option(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  if (i >= 0 && (argv[i + 1] === undefined || argv[i + 1].startsWith('--'))) {
    throw new Error(`parity: --${name} needs a value`);
  }
  return i < 0 ? undefined : argv[i + 1];
}

async function main(argv: string[]): Promise<number> {
  const authorsDir = process.env[AUTHORS_ENV];
  if (!authorsDir) {
    process.stderr.write(
      `parity: set ${AUTHORS_ENV} to a checkout of ` +
        'AlexiaJM/AdversarialConsistentScoreMatching\n',
    );
    return 2;
  }
  const only = option(argv, 'only');
  const networks = selectNetworks(only ? only.split(',') : []);
  const keep = option(argv, 'keep');
  const outDir = keep
    ? resolve(keep)
    : await mkdtemp(join(tmpdir(), 'acsm-parity-'));
  const backend = await initBackend();
  const python = process.env.ACSM_PARITY_PYTHON || DEFAULT_PYTHON;
  process.stdout.write(
    `backend ${backend.name} (${backend.threads} threads); batch ` +
      `${PARITY_BATCH}, seed ${PARITY_SEED}; max rel = max|ours − ` +
      `theirs| / max|theirs|, bound ${PARITY_BOUND}\n`,
  );
  try {
    const { manifest, rows } = await runParity({
      authorsDir: resolve(authorsDir),
      outDir,
      networks,
      python,
      onNetwork: (r) => process.stderr.write(`done: ${r[0].network}\n`),
    });
    process.stdout.write(`torch ${manifest.torch}\n${formatTable(rows)}\n`);
    process.stdout.write(
      'eval: both sides take one spectral-norm power step from the stored ' +
        'u0 and leave it unchanged; train: one training-mode pass, both ' +
        'store the new u0 (compared as "train u0 after").\n',
    );
    return rows.every(rowPasses) ? 0 : 1;
  } finally {
    if (!keep) await rm(outDir, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : e}\n`);
    process.exit(1);
  },
);
