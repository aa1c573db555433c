import type { CommandModule } from 'yargs';
import { openStore } from '@acsm/tracking';
import { ConfigError } from '../config';
import { DEFINITIONS } from '../definitions';
import type { Logger } from './logger';

const date = (ms: number | null) =>
  ms ? new Date(ms).toISOString().replace('T', ' ').slice(0, 19) : '—';

type Store = Awaited<ReturnType<typeof openStore>>;

async function experimentRuns(store: Store, experiment: string) {
  const exp = await store.getExperimentByName(experiment);
  if (!exp) throw new ConfigError(`no experiment named '${experiment}'`);
  const { runs } = await store.searchRuns({
    experimentIds: [exp.experimentId],
  });
  return runs.sort((a, b) => a.info.startTime - b.info.startTime);
}

/** The FID of a cell run, the final loss of a training run. */
function headline(metrics: Record<string, number>): string {
  for (const key of ['fid_mnist_classifier', 'dsm_loss']) {
    if (Number.isFinite(metrics[key])) {
      return `${key} ${metrics[key].toFixed(key === 'dsm_loss' ? 3 : 2)}`;
    }
  }
  return '';
}

async function list(logger: Logger, experiment: string) {
  const store = await openStore(process.env.MLFLOW_TRACKING_URI);
  const runs = await experimentRuns(store, experiment);
  const rows = runs.map((r) => [
    r.info.runId.slice(0, 12),
    r.info.status,
    r.data.tags['acsm.kind'] ?? '?',
    date(r.info.startTime),
    headline(r.data.metrics),
    r.info.runName,
  ]);
  const header = [
    'run id',
    'status',
    'kind',
    'started (UTC)',
    'metric',
    'name',
  ];
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => r[i].length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i < cells.length - 1 ? c.padEnd(widths[i]) : c))
      .join('  ');
  logger.result(line(header));
  for (const row of rows) logger.result(line(row));
  logger.result(
    `${runs.length} runs in '${experiment}'; ids shortened to 12 ` +
      'characters (any unique prefix works for `acsm runs show`)',
  );
}

/** The experiments this tool writes, searched for an id prefix. */
const KNOWN_EXPERIMENTS = [
  ...Object.keys(DEFINITIONS),
  'figure1',
  'figure3',
  'toy',
];

/**
 * The run with this id, or the one run it prefixes in `experiment` and
 * the other experiments this tool writes (those that exist).
 */
export async function findRun(store: Store, id: string, experiment: string) {
  if (/^[0-9a-f]{32}$/.test(id)) return store.getRun(id);
  const names = [
    experiment,
    ...KNOWN_EXPERIMENTS.filter((e) => e !== experiment),
  ];
  const matches = [];
  for (const name of names) {
    const exp = await store.getExperimentByName(name);
    if (!exp) continue;
    const { runs } = await store.searchRuns({
      experimentIds: [exp.experimentId],
    });
    matches.push(...runs.filter((r) => r.info.runId.startsWith(id)));
  }
  if (matches.length === 1) return matches[0];
  if (matches.length === 0) {
    throw new ConfigError(
      `no run id of experiments ${names.join(', ')} starts with '${id}'`,
    );
  }
  throw new ConfigError(
    `'${id}' starts ${matches.length} run ids ` +
      `(${matches.map((r) => r.info.runId.slice(0, 12)).join(', ')}); give more characters`,
  );
}

async function show(logger: Logger, id: string, experiment: string) {
  const store = await openStore(process.env.MLFLOW_TRACKING_URI);
  const run = await findRun(store, id, experiment);
  const runId = run.info.runId;
  const section = (title: string, values: Record<string, unknown>) => {
    logger.result(`${title}:`);
    for (const [k, v] of Object.entries(values).sort()) {
      logger.result(`  ${k} = ${v}`);
    }
  };
  logger.result(`run ${run.info.runId} (${run.info.runName})`);
  logger.result(
    `status ${run.info.status}, started ${date(run.info.startTime)}, ended ${date(run.info.endTime)}`,
  );
  section('metrics (latest)', run.data.metrics);
  section('params', run.data.params);
  section('tags', run.data.tags);
  const artifacts = await store.listArtifacts(runId);
  logger.result(
    `artifacts: ${artifacts.map((a) => a.path).join(', ') || 'none'}`,
  );
}

/** `acsm runs list|show`: reads the tracking store. */
export function runsCommand(logger: Logger): CommandModule {
  return {
    command: 'runs [action] [id]',
    describe: 'list the runs of an experiment, or show one run',
    builder: (y) =>
      y
        .positional('action', { choices: ['list', 'show'] })
        .positional('id', {
          type: 'string',
          describe: 'run id or a unique prefix of one (show)',
        })
        .option('experiment', {
          type: 'string',
          default: 'table2',
          describe: 'experiment whose runs to list or search',
        }),
    handler: async (args) => {
      if (args.action === undefined) {
        throw new ConfigError('name a runs command: list, show');
      }
      if (args.action === 'list') return list(logger, String(args.experiment));
      if (!args.id)
        throw new ConfigError('acsm runs show <run-id>: give a run id');
      return show(logger, String(args.id), String(args.experiment));
    },
  };
}
