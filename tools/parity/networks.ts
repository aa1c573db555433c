// The networks the parity check compares: one entry each, naming how the
// authors' code builds theirs (a config of theirs and a role) and ours at
// the same configuration. Adding a network is adding an entry.
import {
  bigganDiscriminator,
  ncsnv2,
  ncsnv2Deeper,
  type AnyNetwork,
} from '@acsm/models';
import type { ForwardMode } from './export-format';
import type { IgnoreRule, MappingRules } from './mapping';

/** How their output maps to ours: images NCHW → NHWC, or [N] → [N, 1]. */
export type OutputLayout = 'nchw' | 'vector';

/** One network compared with the authors'. */
export interface ParityNetwork extends MappingRules {
  /** Row name, and the file stem of its export. */
  readonly id: string;
  /**
   * Theirs: a YAML file of their configs/ (read over default.yml) and
   * which network of that run: the score network (their get_model) or
   * the discriminator (their TrainRunner._setup_discriminator).
   */
  readonly authors: {
    readonly config: string;
    readonly role: 'score' | 'discriminator';
  };
  /** Ours, at the configuration their config gives. */
  readonly ours: () => AnyNetwork;
  /** The forward passes compared, in this order, on both sides. */
  readonly modes: readonly ForwardMode[];
  readonly output: OutputLayout;
  /**
   * Their parameters that the exporter redraws from U(−0.05, 0.05) after
   * building (seeded), for a layer that starts at zero and would make the
   * output all zeros. Default none.
   */
  readonly redraw?: readonly string[];
}

/** BigGAN's SN keeps its last σ for logging; no forward reads it. */
const BIGGAN_IGNORE: readonly IgnoreRule[] = [
  { pattern: /\.sv\d+$/, reason: "BigGAN SN's logging-only last σ" },
];

/**
 * The discriminator in both modes: 'eval' (both sides take one power step
 * from the stored u without storing it), then one 'train' pass (both
 * store the new u, compared too).
 */
function discriminator(
  id: string,
  config: string,
  imageSize: number,
): ParityNetwork {
  return {
    id,
    authors: { config, role: 'discriminator' },
    ours: () => bigganDiscriminator({ ch: 64, channels: 3, imageSize }),
    modes: ['eval', 'train'],
    output: 'vector',
    ignore: BIGGAN_IGNORE,
  };
}

export const PARITY_NETWORKS: readonly ParityNetwork[] = [
  {
    id: 'ncsnv2-cifar10',
    authors: { config: 'cifar10_9999ema.yml', role: 'score' },
    ours: () => ncsnv2({ ngf: 128, channels: 3, imageSize: 32 }),
    modes: ['eval'],
    output: 'nchw',
  },
  {
    id: 'ncsnv2-deeper-church',
    authors: { config: 'church.yml', role: 'score' },
    ours: () => ncsnv2Deeper({ ngf: 128, channels: 3, imageSize: 64 }),
    modes: ['eval'],
    output: 'nchw',
  },
  discriminator('biggan-d-32', 'cifar10_9999ema.yml', 32),
  discriminator('biggan-d-64', 'church.yml', 64),
  // TODO(UNet): add the DDPM-style UNet once packages/models has it:
  // { id: 'unet-cifar10',
  //   authors: { config: 'cifar10_unet_9999_1e-4.yml', role: 'score' },
  //   ours: () => unet({ ... }), modes: ['eval'], output: 'nchw',
  //   ignore: [{ pattern: /^temb_dense\./,
  //              reason: 'time embedding, unused without t' }],
  //   layouts: [{ pattern: /\.weights$/, layout: ... }],
  //   redraw: ['out.weight'] },
  // Their `Nin.weights` [out, in] is no Conv2d/Linear weight, so it needs
  // a layout rule (a new TorchLayout if ours is a 1×1 conv); their `out`
  // conv starts at zero (init scale 0), hence the redraw.
];

/** The entries named in ids (all when ids is empty); fails on unknown ones. */
export function selectNetworks(ids: readonly string[]): ParityNetwork[] {
  const known = PARITY_NETWORKS.map((n) => n.id);
  const unknown = ids.filter((id) => !known.includes(id));
  if (unknown.length > 0) {
    throw new Error(
      `parity: unknown network(s) ${unknown.join(', ')}; known: ` +
        known.join(', '),
    );
  }
  return PARITY_NETWORKS.filter((n) => ids.length === 0 || ids.includes(n.id));
}
