// Forward parity with the authors' PyTorch models (README.md, "Tools"):
// their exporter builds each network of PARITY_NETWORKS from a checkout of
// their code, and ours must give the same outputs from the same weights.
// Skipped unless ACSM_AUTHORS_CODE names that checkout and Debian's
// python3 imports torch.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { initBackend } from '@acsm/core';
import { readExportManifest, type ExportManifest } from './export-format';
import { PARITY_NETWORKS } from './networks';
import {
  AUTHORS_ENV,
  DEFAULT_PYTHON,
  PARITY_BOUND,
  checkNetwork,
  exportAuthors,
  torchAvailable,
} from './parity';

const authors = process.env[AUTHORS_ENV];
const python = process.env.ACSM_PARITY_PYTHON || DEFAULT_PYTHON;

function skipReason(): string | false {
  if (!authors) {
    return (
      `${AUTHORS_ENV} is unset (a checkout of ` +
      'AlexiaJM/AdversarialConsistentScoreMatching)'
    );
  }
  if (!torchAvailable(python)) return `${python} cannot import torch`;
  return false;
}

const skip = skipReason();
let dir = '';
let exported: Promise<ExportManifest> | undefined;

/** One export of every network, on first use. */
function exportOnce(): Promise<ExportManifest> {
  exported ??= (async () => {
    await initBackend({ backend: 'wasm' });
    dir = await mkdtemp(join(tmpdir(), 'acsm-parity-'));
    const authorsDir = resolve(authors!);
    await exportAuthors({
      authorsDir,
      outDir: dir,
      networks: PARITY_NETWORKS,
      python,
    });
    return readExportManifest(dir);
  })();
  return exported;
}

after(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

for (const network of PARITY_NETWORKS) {
  test(`${network.id}: max rel diff < ${PARITY_BOUND}`, { skip }, async () => {
    const manifest = await exportOnce();
    const rows = await checkNetwork(dir, manifest, network);
    for (const r of rows) {
      const what = `${r.network} ${r.compared}`;
      assert.equal(
        r.ourParams,
        r.theirParams - r.ignoredParams,
        `${what}: parameter counts (theirs less ignored)`,
      );
      assert.ok(
        r.diff.maxRel < PARITY_BOUND,
        `${what}: max rel ${r.diff.maxRel}, max abs ${r.diff.maxAbs}`,
      );
    }
  });
}
