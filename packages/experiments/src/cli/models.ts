import type { CommandModule } from 'yargs';
import { type AnyNetwork, createNetwork, summary } from '@acsm/models';
import { ConfigError } from '../config';
import { table2 } from '../definitions/table2';
import { resolveCells } from '../runner/resolve';
import { discriminatorOf, scoreNetworkOf } from '../train/networks';
import type { Logger } from './logger';

interface Preset {
  use: string;
  /** PAPER.md §7's count, when it gives one. */
  paper?: string;
  build: () => AnyNetwork;
}

const paperNet = (kind: string, config: object) => () =>
  createNetwork({ kind, config });

const cpuCell = () => resolveCells(table2, 'cpu', {})[0].config;

/** The networks of the paper (PAPER.md §7) and of this project's profiles. */
export const MODEL_PRESETS: Record<string, Preset> = {
  'ncsnv2-cifar10': {
    use: 'score network, CIFAR-10 32×32 (ngf 128)',
    paper: '29.69 M',
    build: paperNet('ncsnv2', {
      ngf: 128,
      channels: 3,
      imageSize: 32,
      dilation: true,
      depth: 4,
    }),
  },
  'ncsnv2-stacked-mnist': {
    use: 'score network, Stacked MNIST 28×28×3 (ngf 128)',
    build: paperNet('ncsnv2', {
      ngf: 128,
      channels: 3,
      imageSize: 28,
      dilation: true,
      depth: 4,
    }),
  },
  'ncsnv2-deeper-lsun': {
    use: 'score network, LSUN church_outdoor 64×64 (ngf 128)',
    paper: '83.45 M',
    build: paperNet('ncsnv2-deeper', {
      ngf: 128,
      channels: 3,
      imageSize: 64,
      dilation: true,
      depth: 5,
    }),
  },
  'unet-cifar10': {
    use: 'score network, CIFAR-10 32×32 (UNet, ch 128)',
    paper: '32.86 M',
    build: paperNet('unet', {
      ch: 128,
      chMult: [1, 2, 2, 2],
      numResBlocks: 2,
      attnResolutions: [16],
      groups: 32,
      channels: 3,
      imageSize: 32,
    }),
  },
  'biggan-d-32': {
    use: 'discriminator of hybrid runs, 32×32 (ch 64)',
    paper: '4.20 M',
    build: paperNet('biggan-discriminator', {
      ch: 64,
      channels: 3,
      imageSize: 32,
    }),
  },
  'biggan-d-64': {
    use: 'discriminator of hybrid runs, 64×64 (ch 64)',
    paper: '19.54 M',
    build: paperNet('biggan-discriminator', {
      ch: 64,
      channels: 3,
      imageSize: 64,
    }),
  },
  'table2-cpu': {
    use: "score network of table2's cpu profile (MNIST 28×28)",
    build: () => scoreNetworkOf(cpuCell(), [28, 28, 1]),
  },
  'table2-cpu-d': {
    use: "discriminator of table2's cpu profile (MNIST 28×28)",
    build: () => discriminatorOf(cpuCell(), [28, 28, 1]),
  },
};

function show(logger: Logger, name: string) {
  const preset = MODEL_PRESETS[name];
  if (!preset) {
    throw new ConfigError(
      `unknown model '${name}'; known: ${Object.keys(MODEL_PRESETS).join(', ')}`,
    );
  }
  const network = preset.build();
  logger.result(`${name}: ${preset.use}`);
  logger.result(summary(network)); // ends with the total
  if (preset.paper) logger.result(`PAPER.md §7 gives ${preset.paper}`);
}

/** `acsm models list|summary <name>`. */
export function modelsCommand(logger: Logger): CommandModule {
  return {
    command: 'models [action] [name]',
    describe: 'list the known networks, or print one network’s layers',
    builder: (y) =>
      y
        .positional('action', { choices: ['list', 'summary'] })
        .positional('name', {
          type: 'string',
          describe: 'network (summary); see `acsm models list`',
        }),
    handler: (args) => {
      if (args.action === undefined) {
        throw new ConfigError('name a models command: list, summary');
      }
      if (args.action === 'list') {
        const width = Math.max(
          ...Object.keys(MODEL_PRESETS).map((k) => k.length),
        );
        for (const [name, p] of Object.entries(MODEL_PRESETS)) {
          logger.result(`${name.padEnd(width)}  ${p.use}`);
        }
        return;
      }
      if (!args.name) {
        throw new ConfigError('acsm models summary <name>: name a network');
      }
      show(logger, String(args.name));
    },
  };
}
