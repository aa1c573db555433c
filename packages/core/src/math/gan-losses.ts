// Adversarial losses of hybrid training, behind one typed registry.
import * as tf from '@tensorflow/tfjs-core';

/** The adversarial losses supported (PAPER.md §6). */
export type GanLossKind = 'lsgan' | 'hinge' | 'ralsgan' | 'nsgan';

/**
 * A GAN loss on discriminator outputs (raw, no sigmoid): realOut = D(x),
 * fakeOut = D(fake), each [N] or [N, 1]. Both return a scalar to minimise.
 */
export interface GanLoss {
  discriminator(realOut: tf.Tensor, fakeOut: tf.Tensor): tf.Scalar;
  generator(realOut: tf.Tensor, fakeOut: tf.Tensor): tf.Scalar;
  /**
   * Whether generator() reads realOut (relativistic losses); when false a
   * caller may skip D(x) in the generator step and pass fakeOut for it.
   */
  readonly generatorUsesReal: boolean;
}

/** E[(d − target)²]. */
function meanSquare(d: tf.Tensor, target: number | tf.Tensor): tf.Scalar {
  return tf.mean(tf.square(tf.sub(d, target)));
}

/** E[max(0, 1 − d)]. */
function meanHinge(d: tf.Tensor): tf.Scalar {
  return tf.mean(tf.relu(tf.sub(1, d)));
}

/** E[softplus(−d)] = E[−log sigmoid(d)], the stable BCE for target 1. */
function meanSoftplusNeg(d: tf.Tensor): tf.Scalar {
  return tf.mean(tf.softplus(tf.neg(d)));
}

/** LSGAN with targets ±1 (Mao et al. 2017), the default of PAPER.md §6. */
const lsgan: GanLoss = {
  discriminator: (real, fake) =>
    tf.tidy(() => tf.add(meanSquare(real, 1), meanSquare(fake, -1))),
  generator: (_real, fake) => tf.tidy(() => meanSquare(fake, 1)),
  generatorUsesReal: false,
};

/** Hinge loss (Lim & Ye 2017; Miyato et al. 2018). */
const hinge: GanLoss = {
  discriminator: (real, fake) =>
    tf.tidy(() => tf.add(meanHinge(real), meanHinge(tf.neg(fake)))),
  generator: (_real, fake) => tf.tidy(() => tf.neg(tf.mean(fake) as tf.Scalar)),
  generatorUsesReal: false,
};

/** Relativistic average LSGAN (Jolicoeur-Martineau 2018, arXiv:1807.00734). */
const ralsgan: GanLoss = {
  discriminator: (real, fake) =>
    tf.tidy(() => {
      const realRel = tf.sub(real, tf.mean(fake)); // D(x) − E D(fake)
      const fakeRel = tf.sub(fake, tf.mean(real)); // D(fake) − E D(x)
      return tf.add(meanSquare(realRel, 1), meanSquare(fakeRel, -1));
    }),
  generator: (real, fake) =>
    tf.tidy(() => {
      const realRel = tf.sub(real, tf.mean(fake));
      const fakeRel = tf.sub(fake, tf.mean(real));
      return tf.add(meanSquare(realRel, -1), meanSquare(fakeRel, 1));
    }),
  generatorUsesReal: true,
};

/** Non-saturating GAN (Goodfellow et al. 2014) on logits. */
const nsgan: GanLoss = {
  discriminator: (real, fake) =>
    tf.tidy(() => tf.add(meanSoftplusNeg(real), meanSoftplusNeg(tf.neg(fake)))),
  generator: (_real, fake) => tf.tidy(() => meanSoftplusNeg(fake)),
  generatorUsesReal: false,
};

/** Every GAN loss by kind; a missing kind fails to compile. */
export const ganLosses: Readonly<Record<GanLossKind, GanLoss>> = Object.freeze({
  lsgan,
  hinge,
  ralsgan,
  nsgan,
});

/** The GAN loss of a kind; an unknown name fails with the known ones. */
export function ganLoss(kind: string): GanLoss {
  if (!Object.hasOwn(ganLosses, kind)) {
    const known = Object.keys(ganLosses).join(', ');
    throw new Error(`ganLoss: kind must be one of ${known}, got ${kind}`);
  }
  return ganLosses[kind as GanLossKind];
}
