import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OutputKind, SamplerKind, TrainingKind } from './config';

/**
 * Reference values with their sources. The only released numbers are the
 * authors' step-size sweeps (reference/official-fid-sweeps, MIT): partial
 * FIDs on few samples, read here, never typed in by hand.
 */
export interface Reference {
  value: number | null;
  /** Where the value comes from, or why there is none. */
  source: string;
}

export const SWEEP_DIR = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  'reference',
  'official-fid-sweeps',
);

const REPO = 'AlexiaJM/AdversarialConsistentScoreMatching';

export interface SweepRow {
  stepSize: number;
  fidRaw: number;
  fidDenoised: number;
}

/** Reads one released sweep (`step_lr,fid_raw,fid_denoised` rows). */
export function readSweep(file: string): SweepRow[] {
  const lines = readFileSync(join(SWEEP_DIR, file), 'utf8').trim().split('\n');
  const header = lines[0].trim();
  if (header !== 'step_lr,fid_raw,fid_denoised') {
    throw new Error(`readSweep: ${file} has header ${header}`);
  }
  return lines.slice(1).map((line) => {
    const [stepSize, fidRaw, fidDenoised] = line.split(',').map(Number);
    return { stepSize, fidRaw, fidDenoised };
  });
}

export interface SweepKey {
  model: 'cifar10_ncsnv2' | 'cifar10_unet' | 'churches_ncsnv2';
  training: TrainingKind;
  sampler: SamplerKind;
  stepsPerLevel: number;
}

/** The released sweep files that match a cell, largest sample count first. */
export function sweepFiles(key: SweepKey, files: string[]): string[] {
  const c = key.sampler === 'cas' ? 'c' : 'nc';
  const adv = key.training === 'hybrid' ? 'adv' : 'nadv';
  const prefix = `${key.model}__${c}_${adv}_n${key.stepsPerLevel}_`;
  return files
    .filter((f) => f.startsWith(prefix) && f.endsWith('k.csv'))
    .sort((a, b) => sampleThousands(b) - sampleThousands(a));
}

function sampleThousands(file: string): number {
  return Number(/_(\d+)k\.csv$/.exec(file)?.[1] ?? 0);
}

/**
 * The released sweep value at the cell's step size (a row within 1% of ε),
 * or null with the reason.
 */
export function sweepReference(
  key: SweepKey,
  stepSize: number,
  output: OutputKind,
  files: string[],
): Reference {
  const matching = sweepFiles(key, files);
  if (matching.length === 0) {
    return { value: null, source: 'none: no released sweep for this cell' };
  }
  for (const file of matching) {
    const row = readSweep(file).find(
      (r) => Math.abs(r.stepSize - stepSize) <= 0.01 * stepSize,
    );
    if (row) {
      const value = output === 'raw' ? row.fidRaw : row.fidDenoised;
      const n = sampleThousands(file);
      return {
        value,
        source:
          `${REPO} fids/${file.replace(/\.csv$/, '.npy')}, step_lr=` +
          `${row.stepSize}, ${n}k-sample FID (not the paper's 10k)`,
      };
    }
  }
  return {
    value: null,
    source: `none: released sweep ${matching[0]} has no row at ε=${stepSize}`,
  };
}
