import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ConfigError, parseOverride } from '../config';
import { DEFINITIONS, type ProfileName, PROFILES } from '../definitions';
import { createLogger } from './logger';
import { runsCommand } from './runs';
import { runTarget } from './run-target';

/** The acsm command line. Only this layer talks to people. */
async function main(argv: string[]): Promise<void> {
  const logger = createLogger();
  const targets = Object.keys(DEFINITIONS);
  await yargs(argv)
    .scriptName('acsm')
    .strict()
    .command(
      'run <target>',
      'run a table or figure of the paper',
      (y) =>
        y
          .positional('target', { choices: targets, demandOption: true })
          .option('profile', {
            choices: PROFILES,
            describe: 'scale: smoke (CI), cpu (default without a GPU), paper',
          })
          .option('set', {
            type: 'string',
            array: true,
            default: [] as string[],
            describe:
              'override a config key, e.g. --set training.iterations=500',
          })
          .option('dry-run', {
            type: 'boolean',
            default: false,
            describe: 'print every cell’s resolved plan and stop',
          })
          .option('results-dir', { type: 'string', default: 'results' }),
      async (args) => {
        const overrides = Object.fromEntries(args.set.map(parseOverride));
        await runTarget({
          target: args.target as keyof typeof DEFINITIONS,
          profile: args.profile as ProfileName | undefined,
          overrides,
          dryRun: args['dry-run'],
          resultsDir: args['results-dir'],
          logger,
        });
      },
    )
    .command(runsCommand(logger))
    .demandCommand(1, 'name a command: run, runs')
    .recommendCommands()
    .fail((message, error, y) => {
      if (error) throw error;
      logger.error(`${message}\n\n${y.help()}`);
      process.exit(2);
    })
    .help()
    .parseAsync();
}

main(hideBin(process.argv)).catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`acsm: ${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(
    `acsm: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
