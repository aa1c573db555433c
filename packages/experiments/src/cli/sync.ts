import { existsSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import { FileStore, openRestStore, syncToServer } from '@acsm/tracking';
import type { SyncedRun } from '@acsm/tracking';
import { ConfigError } from '../config';
import type { Logger } from './logger';

function describe(r: SyncedRun): string {
  const sent =
    `${r.metrics} metric point(s), ${r.params} param(s), ${r.tags} ` +
    `tag(s), ${r.artifacts} artifact file(s)` +
    (r.statusUpdated ? ', status' : '');
  const nothing =
    r.metrics + r.params + r.tags + r.artifacts === 0 && !r.statusUpdated;
  const what = r.created
    ? `created; ${sent}`
    : nothing
      ? 'already in sync'
      : `updated; ${sent}`;
  return `${r.experimentName}: ${r.localRunId} → ${r.remoteRunId} (${what})`;
}

async function sync(logger: Logger, from: string, to: string | undefined) {
  if (!to || !/^https?:\/\//i.test(to)) {
    throw new ConfigError(
      `sync: give the tracking server with --to http(s)://host:port ` +
        `or MLFLOW_TRACKING_URI (got '${to ?? ''}')`,
    );
  }
  if (!existsSync(from)) {
    throw new ConfigError(`sync: no local store at '${from}'`);
  }
  const local = await FileStore.open(from);
  const remote = openRestStore(to);
  logger.info(`syncing ${local.root} to ${to}`);
  const report = await syncToServer(local, remote, {
    onRun: (r) => logger.info(describe(r)),
  });
  for (const s of report.skipped) {
    logger.warn(`${s.experimentName}: ${s.localRunId} skipped: ${s.reason}`);
  }
  for (const f of report.failures) {
    logger.error(`${f.experimentName}: ${f.localRunId} failed: ${f.reason}`);
  }
  const created = report.runs.filter((r) => r.created).length;
  logger.result(
    `${report.runs.length} run(s) in sync (${created} created), ` +
      `${report.skipped.length} skipped, ${report.failures.length} failed`,
  );
  if (report.failures.length > 0) process.exitCode = 1;
}

/** `acsm sync`: copies runs of a local store to a tracking server. */
export function syncCommand(logger: Logger): CommandModule {
  return {
    command: 'sync',
    describe: 'copy the runs of a local store to an MLflow tracking server',
    builder: (y) =>
      y
        .option('from', {
          type: 'string',
          default: process.env.ACSM_OFFLINE_DIR || './mlruns',
          describe: 'the local store (ACSM_OFFLINE_DIR, else ./mlruns)',
        })
        .option('to', {
          type: 'string',
          default: process.env.MLFLOW_TRACKING_URI,
          describe: 'the server, http(s)://host:port (MLFLOW_TRACKING_URI)',
        }),
    handler: (args) =>
      sync(logger, String(args.from), args.to as string | undefined),
  };
}
