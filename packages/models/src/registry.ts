// Network kinds → constructors, so a {kind, config} read from a checkpoint
// or an experiment becomes a network; a missing entry fails to compile.
import { bigganDiscriminator } from './biggan-discriminator';
import type { BigGANDiscriminatorConfig } from './biggan-discriminator';
import { ncsnv2, ncsnv2Deeper, type NCSNv2Config } from './ncsnv2';
import type { AnyNetwork, NetworkDescription } from './network';
import { toyMlp, type ToyMlpConfig } from './toy-mlp';
import { unet, type UNetConfig } from './unet';

/** The config type of each network kind. */
export interface NetworkConfigs {
  ncsnv2: NCSNv2Config;
  'ncsnv2-deeper': NCSNv2Config;
  'biggan-discriminator': BigGANDiscriminatorConfig;
  'toy-mlp': ToyMlpConfig;
  unet: UNetConfig;
}

/** Every network kind. */
export type NetworkKind = keyof NetworkConfigs;

const FACTORIES: {
  readonly [K in NetworkKind]: (config: NetworkConfigs[K]) => AnyNetwork;
} = {
  ncsnv2: (c) => ncsnv2(c),
  'ncsnv2-deeper': (c) => ncsnv2Deeper(c),
  'biggan-discriminator': (c) => bigganDiscriminator(c),
  'toy-mlp': (c) => toyMlp(c),
  unet: (c) => unet(c),
};

/** The registered kinds, in a stable order. */
export const NETWORK_KINDS = Object.freeze(
  Object.keys(FACTORIES) as NetworkKind[],
);

/**
 * Builds the network a descriptor names (e.g. from JSON), failing with the
 * known kinds for an unknown kind and with the fields for a config that
 * has fields the network does not know.
 */
export function createNetwork(descriptor: NetworkDescription): AnyNetwork {
  const { kind, config } = descriptor;
  if (!isNetworkKind(kind)) {
    throw new Error(
      `createNetwork: unknown kind '${kind}', known: ` +
        NETWORK_KINDS.join(', '),
    );
  }
  if (typeof config !== 'object' || config === null) {
    throw new Error(`createNetwork(${kind}): config must be an object`);
  }
  const factory = FACTORIES[kind] as (c: unknown) => AnyNetwork;
  const network = factory(config);
  const unknown = Object.keys(config).filter((k) => !(k in network.config));
  if (unknown.length > 0) {
    throw new Error(
      `createNetwork(${kind}): unknown config fields ${unknown.join(', ')}`,
    );
  }
  return network;
}

/** The descriptor of a network: its kind and full config. */
export function describeNetwork(network: AnyNetwork): NetworkDescription {
  return { kind: network.kind, config: network.config };
}

function isNetworkKind(kind: string): kind is NetworkKind {
  return Object.prototype.hasOwnProperty.call(FACTORIES, kind);
}
