import type { CommandModule } from 'yargs';
import { openStore } from '@acsm/tracking';
import { ConfigError } from '../config';
import type { Logger } from './logger';

const date = (ms: number | null) =>
  ms ? new Date(ms).toISOString().replace('T', ' ').slice(0, 19) : '—';

async function list(logger: Logger, experiment: string) {
  const store = await openStore(process.env.MLFLOW_TRACKING_URI);
  const exp = await store.getExperimentByName(experiment);
  if (!exp) throw new ConfigError(`no experiment named '${experiment}'`);
  const { runs } = await store.searchRuns({
    experimentIds: [exp.experimentId],
  });
  for (const r of runs.sort((a, b) => a.info.startTime - b.info.startTime)) {
    const kind = r.data.tags['acsm.kind'] ?? '?';
    logger.result(
      `${r.info.runId}  ${r.info.status.padEnd(8)}  ${kind.padEnd(5)}  ` +
        `${date(r.info.startTime)}  ${r.info.runName}`,
    );
  }
}

async function show(logger: Logger, runId: string) {
  const store = await openStore(process.env.MLFLOW_TRACKING_URI);
  const run = await store.getRun(runId);
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
    command: 'runs <action> [id]',
    describe: 'list the runs of an experiment, or show one run',
    builder: (y) =>
      y
        .positional('action', { choices: ['list', 'show'], demandOption: true })
        .positional('id', { type: 'string', describe: 'run id (show)' })
        .option('experiment', { type: 'string', default: 'table2' }),
    handler: async (args) => {
      if (args.action === 'list') return list(logger, String(args.experiment));
      if (!args.id)
        throw new ConfigError('acsm runs show <run-id>: give a run id');
      return show(logger, String(args.id));
    },
  };
}
