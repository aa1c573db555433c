import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { TrackingError } from '@acsm/tracking';
import { ConfigError, parseOverride } from '../config';
import { InterruptedError } from '../train/loop';
import { DEFINITIONS, type ProfileName, PROFILES } from '../definitions';
import { evalCommand } from './eval';
import { createLogger } from './logger';
import { modelsCommand } from './models';
import { once } from './options';
import { runsCommand } from './runs';
import { runFigure3 } from './run-figure3';
import { syncCommand } from './sync';
import {
  AuditMismatchError,
  auditTarget,
  collectTable,
  IncompleteTableError,
  reportTarget,
  runFigure1,
  runToy,
  parseJobs,
  runTarget,
  sweepTarget,
} from './run-target';
import { parseShard, shardFromEnvironment } from '../runner/shards';

function parseStepSizes(text: string): number[] {
  const values = text.split(',').map((v) => Number(v.trim()));
  const bad = values.find((v) => !(v > 0 && Number.isFinite(v)));
  if (bad !== undefined || values.length === 0) {
    throw new ConfigError(
      `--step-sizes must be positive numbers separated by commas, got ${text}`,
    );
  }
  return values;
}

/** Options several commands share. */
const profileOption = (describe: string) => ({
  choices: PROFILES,
  requiresArg: true,
  coerce: once<string>('profile'),
  describe,
});
const setOption = (describe: string) => ({
  type: 'string' as const,
  array: true as const,
  default: [] as string[],
  describe,
});
const resultsDirOption = (describe: string) => ({
  type: 'string' as const,
  default: 'results',
  requiresArg: true,
  coerce: once<string>('results-dir'),
  describe,
});
const experimentOption = (describe: string) => ({
  type: 'string' as const,
  default: 'table2',
  requiresArg: true,
  coerce: once<string>('experiment'),
  describe,
});

/** The acsm command line. Only this layer talks to people. */
async function main(argv: string[]): Promise<void> {
  const logger = createLogger();
  const targets = Object.keys(DEFINITIONS);
  const runnable = [...targets, 'figure1', 'figure3', 'toy'];
  await yargs(argv)
    .scriptName('acsm')
    .strict()
    .command(
      'run <target>',
      'run a table or figure of the paper',
      (y) =>
        y
          .positional('target', { choices: runnable, demandOption: true })
          .option(
            'profile',
            profileOption(
              'scale: smoke (CI), cpu (the default without a GPU), paper ' +
                '(the default with tfjs-node-gpu)',
            ),
          )
          .option(
            'set',
            setOption(
              'override a config key, e.g. --set training.iterations=500',
            ),
          )
          .option('dry-run', {
            type: 'boolean',
            default: false,
            describe: 'print every cell’s resolved plan and stop',
          })
          .option(
            'results-dir',
            resultsDirOption('where table.md and table.csv go'),
          )
          .option('shard', {
            type: 'string',
            requiresArg: true,
            coerce: once<string>('shard'),
            describe:
              'run only slice i of n of the cells (i/n), e.g. one per ' +
              'machine of a cluster; the run without --shard writes the table ' +
              '(default: from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX)',
          })
          .option('jobs', {
            type: 'string',
            default: 'auto',
            requiresArg: true,
            coerce: once<string>('jobs'),
            describe:
              'shards to run as parallel processes on this machine (auto: ' +
              'one per trained model up to the cores, on WebAssembly)',
          }),
      async (args) => {
        if (args.target === 'figure3') {
          if (args.set.length > 0 || args.shard !== undefined) {
            throw new ConfigError(
              'figure3 takes only --profile, --results-dir and --dry-run',
            );
          }
          return runFigure3({
            profile: args.profile as ProfileName | undefined,
            resultsDir: args['results-dir'],
            dryRun: args['dry-run'],
            logger,
          });
        }
        if (args.target === 'figure1') {
          const extra = (['set', 'shard'] as const).filter((k) =>
            k === 'set' ? args.set.length > 0 : args.shard !== undefined,
          );
          if (extra.length > 0 || args['dry-run']) {
            throw new ConfigError(
              `figure1 takes only --profile and --results-dir, got ` +
                [...extra, ...(args['dry-run'] ? ['dry-run'] : [])]
                  .map((k) => `--${k}`)
                  .join(', '),
            );
          }
          return runFigure1({
            profile: args.profile as ProfileName | undefined,
            resultsDir: args['results-dir'],
            logger,
          });
        }
        if (args.target === 'toy') {
          const extra = (['set', 'shard'] as const).filter((k) =>
            k === 'set' ? args.set.length > 0 : args.shard !== undefined,
          );
          if (extra.length > 0) {
            throw new ConfigError(
              'toy takes only --profile, --results-dir and --dry-run, got ' +
                extra.map((k) => `--${k}`).join(', '),
            );
          }
          return runToy({
            profile: args.profile as ProfileName | undefined,
            resultsDir: args['results-dir'],
            dryRun: args['dry-run'],
            logger,
          });
        }
        const overrides = Object.fromEntries(args.set.map(parseOverride));
        if (args.shard !== undefined && args.jobs !== 'auto') {
          throw new ConfigError('--shard and --jobs cannot be combined');
        }
        const fromEnv =
          args.shard === undefined
            ? shardFromEnvironment(process.env)
            : undefined;
        if (fromEnv && args.jobs !== 'auto') {
          throw new ConfigError(
            `--jobs cannot be combined with the shard of ${fromEnv.source}`,
          );
        }
        if (fromEnv) {
          logger.info(
            `shard ${fromEnv.shard.index}/${fromEnv.shard.count} from ${fromEnv.source}`,
          );
        }
        await runTarget({
          target: args.target as keyof typeof DEFINITIONS,
          profile: args.profile as ProfileName | undefined,
          overrides,
          dryRun: args['dry-run'],
          resultsDir: args['results-dir'],
          logger,
          shard:
            args.shard === undefined ? fromEnv?.shard : parseShard(args.shard),
          jobs: parseJobs(args.jobs),
        });
      },
    )
    .command(
      'sweep <target>',
      'FID against the step size ε for one sampler column',
      (y) =>
        y
          .positional('target', { choices: targets, demandOption: true })
          .option('profile', profileOption('scale of the model to sweep on'))
          .option('set', setOption('override a config key of the cell'))
          .option('training', {
            choices: ['dsm', 'hybrid'],
            default: 'dsm',
            requiresArg: true,
            coerce: once<string>('training'),
          })
          .option('sampler', {
            choices: ['als', 'cas'],
            demandOption: true,
            requiresArg: true,
            coerce: once<string>('sampler'),
          })
          .option('steps-per-level', {
            type: 'number',
            default: 1,
            requiresArg: true,
            coerce: once<number>('steps-per-level'),
          })
          .option('step-sizes', {
            type: 'string',
            demandOption: true,
            describe: 'comma-separated ε values, e.g. 1e-5,2e-5,5e-5',
            requiresArg: true,
            coerce: once<string>('step-sizes'),
          })
          .option('samples', {
            type: 'number',
            default: 500,
            requiresArg: true,
            coerce: once<number>('samples'),
          })
          .option('results-dir', resultsDirOption('where the sweep CSV goes')),
      async (args) => {
        const stepSizes = parseStepSizes(args['step-sizes']);
        await sweepTarget({
          target: args.target as keyof typeof DEFINITIONS,
          profile: args.profile as ProfileName | undefined,
          overrides: Object.fromEntries(args.set.map(parseOverride)),
          dryRun: false,
          resultsDir: args['results-dir'],
          logger,
          training: args.training as 'dsm' | 'hybrid',
          sampler: args.sampler as 'als' | 'cas',
          stepsPerLevel: args['steps-per-level'],
          stepSizes,
          numSamples: args.samples,
        });
      },
    )
    .command(
      'table <action> <target>',
      'collect: write a table from the tracking store once all its cells ' +
        'finished (after cluster shards); lists the missing cells otherwise',
      (y) =>
        y
          .positional('action', { choices: ['collect'], demandOption: true })
          .positional('target', { choices: targets, demandOption: true })
          .option('profile', profileOption('the profile the shards ran'))
          .option('set', setOption('the overrides the shards ran with'))
          .option(
            'results-dir',
            resultsDirOption('where table.md and table.csv go'),
          ),
      async (args) => {
        await collectTable({
          target: args.target as keyof typeof DEFINITIONS,
          profile: args.profile as ProfileName | undefined,
          overrides: Object.fromEntries(args.set.map(parseOverride)),
          resultsDir: args['results-dir'],
          logger,
        });
      },
    )
    .command(
      'audit <run-id>',
      're-run a logged cell from its logged config, seed and code, ' +
        'compare every metric, log the audit as a run',
      (y) =>
        y
          .positional('run-id', {
            type: 'string',
            demandOption: true,
            describe: 'a cell run id, or a unique prefix of one',
          })
          .option('from-checkpoint', {
            type: 'boolean',
            default: false,
            describe:
              'sample and evaluate from the logged checkpoint instead of ' +
              're-training the model',
          })
          .option('allow-code-change', {
            type: 'boolean',
            default: false,
            describe: 'audit a run made by another commit with this code',
          })
          .option('rtol', {
            type: 'number',
            default: 1e-6,
            requiresArg: true,
            coerce: once<number>('rtol'),
            describe: 'largest relative difference accepted per metric',
          })
          .option(
            'experiment',
            experimentOption('where to look up an id prefix'),
          ),
      async (args) => {
        const rtol = Number(args.rtol);
        if (!(rtol >= 0)) {
          throw new ConfigError(
            `--rtol must be a number >= 0, got ${args.rtol}`,
          );
        }
        await auditTarget({
          runId: String(args['run-id']),
          experiment: String(args.experiment),
          logger,
          options: {
            mode: args['from-checkpoint'] ? 'from-checkpoint' : 'retrain',
            allowCodeChange: args['allow-code-change'],
            rtol,
          },
        });
      },
    )
    .command(
      'report [subjects..]',
      'one self-contained HTML page of a table (measured vs reference, ' +
        'loss curves, sample grids, configs) or of chosen runs',
      (y) =>
        y
          .positional('subjects', {
            type: 'string',
            array: true,
            describe: 'a target (table2) or run ids / unique prefixes',
          })
          .option('out', {
            type: 'string',
            default: 'report.html',
            requiresArg: true,
            coerce: once<string>('out'),
            describe: 'the HTML file to write',
          })
          .option(
            'profile',
            profileOption('the profile of a target report (default cpu)'),
          )
          .option(
            'experiment',
            experimentOption('where to look up run id prefixes'),
          ),
      async (args) => {
        const subjects = ((args.subjects ?? []) as string[]).map(String);
        if (subjects.length === 0) {
          throw new ConfigError(
            'name what to report: a target (' +
              [...targets, 'figure1', 'figure3', 'toy'].join(', ') +
              ') or run ids (unique prefixes)',
          );
        }
        await reportTarget({
          subjects,
          profile: args.profile as ProfileName | undefined,
          experiment: String(args.experiment),
          out: String(args.out),
          logger,
        });
      },
    )
    .command(evalCommand(logger))
    .command(modelsCommand(logger))
    .command(runsCommand(logger))
    .command(syncCommand(logger))
    .demandCommand(
      1,
      'name a command: run, sweep, table, audit, report, eval, models, runs, ' +
        'sync',
    )
    .recommendCommands()
    .fail((message, error) => {
      if (error) throw error;
      // The same form as every other user error: "acsm: <what>", exit 2.
      const text =
        missingArgument(message, targets) ?? message.replace(/\s*\n\s*/g, ' ');
      process.stderr.write(
        `acsm: ${text}\n(acsm --help lists the commands; acsm <command> --help its options)\n`,
      );
      process.exit(2);
    })
    .help()
    .parseAsync();
}

/** Errors in what the user asked for: no stack trace, exit code 2. */
function isUserError(error: Error): boolean {
  return (
    error instanceof ConfigError ||
    // yargs re-throws an option's coerce error (our ConfigErrors) as this.
    error.name === 'YError' ||
    (error instanceof TrackingError &&
      error.code === 'RESOURCE_DOES_NOT_EXIST') ||
    /^initBackend: /.test(error.message)
  );
}

main(hideBin(process.argv)).catch((thrown: unknown) => {
  const error = thrown instanceof Error ? thrown : new Error(String(thrown));
  if (
    error instanceof IncompleteTableError ||
    error instanceof AuditMismatchError
  ) {
    process.stderr.write(`acsm: ${error.message}\n`);
    process.exit(1);
  }
  if (error instanceof InterruptedError) {
    process.stderr.write(
      `acsm: ${error.message}; run the same command again to resume ` +
        'from the last checkpoint\n',
    );
    process.exit(130);
  }
  const debug = Boolean(process.env.ACSM_DEBUG);
  const text = debug ? (error.stack ?? error.message) : error.message;
  process.stderr.write(`acsm: ${text}\n`);
  if (!isUserError(error) && !debug) {
    process.stderr.write('(set ACSM_DEBUG=1 for the stack trace)\n');
  }
  process.exit(isUserError(error) ? 2 : 1);
});

/**
 * yargs' "Not enough non-option arguments" for a command whose
 * positionals are missing, said as what to name; else undefined.
 */
function missingArgument(
  message: string,
  targets: readonly string[],
): string | undefined {
  if (!/^Not enough non-option arguments/.test(message)) return undefined;
  const command = process.argv[2];
  const needs: Record<string, string> = {
    run: `name a target: ${targets.join(', ')}, figure1, figure3, toy`,
    sweep: `name a target: ${targets.join(', ')}`,
    table: `name an action and a target: table collect <${targets.join('|')}>`,
    audit: 'name the run id (or a unique prefix) of a cell run',
  };
  return command === undefined ? undefined : needs[command];
}
