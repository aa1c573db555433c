// Figure 3 of the paper (PAPER.md §9, "the FID-versus-ε figure"): FID
// against the step size ε for ALS and CAS (nσ = 1), raw and denoised, our
// sweep beside the authors' released sweeps.
import type { ProfileName } from '../definitions';
import type { SamplerKind, TrainingKind } from '../config';
import { readSweep, type SweepRow } from '../references';
import { linePlot, type Series } from '../report/svg';

/** Which model a profile sweeps, over which ε, with how many samples. */
export interface Figure3Profile {
  /** The table2 block of the model (paper profile), or null. */
  block: string | null;
  training: TrainingKind;
  stepSizes: Record<SamplerKind, readonly number[]>;
  numSamples: number;
}

/** The released sweeps drawn beside ours (official-fid-sweeps, MIT). */
export const RELEASED = {
  label: 'released: CIFAR-10 UNet, adversarial, nσ = 1, 2k-sample FID',
  // The UNet's, not NCSNv2's: the CIFAR-10 NCSNv2 config always ran CAS,
  // so its "ALS" sweep is CAS too (PAPER.md §11).
  files: {
    als: 'cifar10_unet__nc_adv_n1_2k.csv',
    cas: 'cifar10_unet__c_adv_n1_2k.csv',
  } as Record<SamplerKind, string>,
};

const released = (s: SamplerKind) => readSweep(RELEASED.files[s]);

/** ε with 3 significant digits, as people write it. */
export const eps = (v: number): string => String(Number(v.toPrecision(3)));

export const FIGURE3 = { name: 'figure3' } as const;

/**
 * Per profile. cpu: the ε grids bracket table2's chosen ε (CAS inside
 * its interval (1 − γ)σ_L² < ε < (1 + γ)σ_L², γ = 0.672 for σ 16 → 0.3
 * over 11 levels). paper: the ε of the released sweeps, on the same
 * model (the UNet, hybrid), with their sample count.
 */
export function figure3Profile(profile: ProfileName): Figure3Profile {
  switch (profile) {
    case 'smoke':
      // σ_1 ≈ 23, σ_L = 0.01, L = 6: CAS needs 7.9e-5 < ε < 1.21e-4.
      return {
        block: null,
        training: 'dsm',
        stepSizes: { cas: [9e-5, 1e-4, 1.1e-4], als: [1e-5, 1e-4, 1e-3] },
        numSamples: 150,
      };
    case 'cpu':
      return {
        block: null,
        training: 'dsm',
        stepSizes: {
          cas: [0.036, 0.054, 0.072, 0.09, 0.108, 0.135],
          als: [0.018, 0.036, 0.072, 0.135, 0.27, 0.54],
        },
        numSamples: 200,
      };
    case 'paper':
      return {
        block: 'cifar10-unet',
        training: 'hybrid',
        stepSizes: {
          cas: released('cas').map((r) => r.stepSize),
          als: released('als').map((r) => r.stepSize),
        },
        numSamples: 2000,
      };
  }
}

/** One sampler's measured sweep. */
export interface Figure3Sweep {
  sampler: SamplerKind;
  rows: readonly SweepRow[];
}

function series(sweeps: readonly Figure3Sweep[]): Series[] {
  return sweeps.flatMap(({ sampler, rows }) => {
    const name = sampler.toUpperCase();
    const sorted = [...rows].sort((a, b) => a.stepSize - b.stepSize);
    return [
      {
        name: `${name} raw`,
        points: sorted.map((r) => [r.stepSize, r.fidRaw]),
      },
      {
        name: `${name} denoised`,
        points: sorted.map((r) => [r.stepSize, r.fidDenoised]),
      },
    ] as Series[];
  });
}

/** The released sweeps, ALS then CAS. */
export function releasedSweeps(): Figure3Sweep[] {
  return (['als', 'cas'] as const).map((sampler) => ({
    sampler,
    rows: released(sampler),
  }));
}

/** Two panels: our sweep, and the released one, FID against ε. */
export function figure3Svg(
  ours: readonly Figure3Sweep[],
  o: { title: string; metric: string },
): string {
  const plot = (s: Series[], title: string, yLabel: string) =>
    linePlot(s, {
      title,
      xLabel: 'step size ε',
      yLabel,
      logX: true,
      logY: true,
      markers: true,
      width: 560,
      height: 340,
    });
  const left = plot(series(ours), o.title, o.metric);
  const right = plot(series(releasedSweeps()), RELEASED.label, 'Inception FID');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="1140" height="350">` +
    `<rect width="1140" height="350" fill="white"/>` +
    `<g>${left}</g><g transform="translate(580,0)">${right}</g></svg>`
  );
}

/** One row per sampler, output and ε. */
export function figure3Csv(ours: readonly Figure3Sweep[]): string {
  const lines = ['source,sampler,output,step_size,fid'];
  const emit = (source: string, sweeps: readonly Figure3Sweep[]) => {
    for (const { sampler, rows } of sweeps) {
      for (const r of rows) {
        lines.push(`${source},${sampler},raw,${r.stepSize},${r.fidRaw}`);
        lines.push(
          `${source},${sampler},denoised,${r.stepSize},${r.fidDenoised}`,
        );
      }
    }
  };
  emit('ours', ours);
  emit('released', releasedSweeps());
  return lines.join('\n') + '\n';
}

/** The best ε of each sampler and output, ours and released. */
export function figure3Markdown(
  ours: readonly Figure3Sweep[],
  o: { title: string; metric: string; numSamples: number },
): string {
  const best = (rows: readonly SweepRow[], key: 'fidRaw' | 'fidDenoised') =>
    rows.reduce((a, b) => (b[key] < a[key] ? b : a));
  const lines = [
    `# ${o.title}`,
    '',
    '| source | sampler | output | best ε | FID at best ε | points |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  const emit = (source: string, sweeps: readonly Figure3Sweep[]) => {
    for (const { sampler, rows } of sweeps) {
      if (rows.length === 0) continue;
      for (const [output, key] of [
        ['raw', 'fidRaw'],
        ['denoised', 'fidDenoised'],
      ] as const) {
        const b = best(rows, key);
        lines.push(
          `| ${source} | ${sampler.toUpperCase()} | ${output} | ` +
            `${eps(b.stepSize)} | ${b[key].toFixed(2)} | ${rows.length} |`,
        );
      }
    }
  };
  emit(`ours (${o.metric}, ${o.numSamples} samples)`, ours);
  emit(RELEASED.label, releasedSweeps());
  lines.push(
    '',
    `- Released sweeps: AlexiaJM/AdversarialConsistentScoreMatching ` +
      `fids/${RELEASED.files.als.replace('.csv', '.npy')} and ` +
      `${RELEASED.files.cas.replace('.csv', '.npy')} (MIT).`,
    '',
  );
  return lines.join('\n');
}
