// The networks the parity check compares: one entry each, naming how the
// authors' code builds theirs (a config of theirs and a role) and ours at
// the same configuration. Adding a network is adding an entry.
import {
  bigganDiscriminator,
  ncsnv2,
  ncsnv2Deeper,
  unet,
  type AnyNetwork,
} from '@acsm/models';
import type { ForwardMode } from './export-format';
import type { IgnoreRule, LayoutRule, MappingRules } from './mapping';

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
   * building (seeded), for a layer that starts at or near zero and would
   * hide a term from the comparison. Default none.
   */
  readonly redraw?: readonly string[];
}

/** BigGAN's SN keeps its last σ for logging; no forward reads it. */
const BIGGAN_IGNORE: readonly IgnoreRule[] = [
  { pattern: /\.sv\d+$/, reason: "BigGAN SN's logging-only last σ" },
];

/**
 * Their UNet builds a time-embedding MLP that its forward reads only with
 * `conditional`, which no config sets; ours has none.
 */
const UNET_IGNORE: readonly IgnoreRule[] = [
  {
    pattern: /^temb_dense\./,
    reason: "the paper's UNet has no time embedding; built but unused",
  },
];

/** Their `Nin.weights` is [out, in] (W·x); ours [in, out], as a linear's. */
const UNET_LAYOUTS: readonly LayoutRule[] = [
  { pattern: /\.weights$/, layout: 'oi' },
];

/**
 * What the UNet entry redraws: the attention blocks' OUT weights, which
 * start at scale 1e-10 (|w| < 1e-6: as built, attention moves the output
 * by 6e-6 of its scale, under the bound), and every bias that starts at
 * zero (the Nin maps', the down path's convs', GroupNorm's), so that a
 * dropped or misplaced bias shows. Their output conv keeps PyTorch's
 * default init (their `init_weights(self.out, scale=0)` is a no-op).
 */
export function unetRedraw(): string[] {
  return unet()
    .specs()
    .filter(
      (s) =>
        s.name.endsWith('.OUT.weights') ||
        (s.name.endsWith('.bias') &&
          s.init.kind === 'constant' &&
          s.init.value === 0),
    )
    .map((s) => s.name);
}

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
  {
    id: 'unet-cifar10',
    authors: { config: 'cifar10_unet_9999_1e-4.yml', role: 'score' },
    ours: () => unet(),
    modes: ['eval'],
    output: 'nchw',
    ignore: UNET_IGNORE,
    layouts: UNET_LAYOUTS,
    redraw: unetRedraw(),
  },
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
