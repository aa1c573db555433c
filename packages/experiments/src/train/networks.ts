import {
  bigganDiscriminator,
  ncsnv2,
  ncsnv2Deeper,
  unet,
  type AnyNetwork,
} from '@acsm/models';
import type { ExperimentConfig } from '../config';

/** Image shape [H, W, C] of a dataset. */
export type ImageSize = readonly [number, number, number];

/** The score network a configuration names. */
export function scoreNetworkOf(
  config: ExperimentConfig,
  [size, , channels]: ImageSize,
): AnyNetwork {
  const { network, ngf, depth, dilation } = config.model;
  const image = { channels, imageSize: size };
  switch (network) {
    case 'ncsnv2':
      return ncsnv2({ ngf, depth, dilation, ...image });
    case 'ncsnv2-deeper':
      return ncsnv2Deeper({ ngf, depth, dilation, ...image });
    case 'unet':
      // The paper's UNet (PAPER.md §7): ngf is its base width ch.
      return unet({ ch: ngf, ...image });
  }
}

/** The discriminator of a hybrid run. */
export function discriminatorOf(
  config: ExperimentConfig,
  [size, , channels]: ImageSize,
): AnyNetwork {
  const ch = config.model.discriminatorCh;
  return bigganDiscriminator({ ch, channels, imageSize: size });
}
