// The UNet's self-attention block (`AttnBlock`; DDPM, Ho et al. 2020,
// arXiv:2006.11239, appendix B, after Wang et al. 2018 non-local blocks):
// GroupNorm, then single-head dot-product attention over all H·W
// positions, then a Nin, added to the input.
import * as tf from '@tensorflow/tfjs-core';
import type { ParamScope, ParamSpec } from '../params';
import { groupNorm, groupNormSpecs, type GroupNormLayer } from './group-norm';
import { applyNin, ninSpecs, type NinLayer } from './nin';

/** An attention block as data. */
export interface AttnBlockLayer {
  /** Parameters under `${prefix}.{Q,K,V,OUT,normalize}`. */
  readonly prefix: string;
  readonly channels: number;
  /** GroupNorm groups and ε. */
  readonly groups: number;
  readonly eps: number;
}

interface AttnLayers {
  readonly q: NinLayer;
  readonly k: NinLayer;
  readonly v: NinLayer;
  readonly out: NinLayer;
  readonly norm: GroupNormLayer;
}

function attnLayers(b: AttnBlockLayer): AttnLayers {
  const { prefix: p, channels: c } = b;
  const nin = (name: string, initScale: number): NinLayer => ({
    prefix: `${p}.${name}`,
    inChannels: c,
    outChannels: c,
    initScale,
  });
  return {
    q: nin('Q', 1),
    k: nin('K', 1),
    v: nin('V', 1),
    // Scale 1e-10: the block starts as (almost) the identity.
    out: nin('OUT', 1e-10),
    norm: {
      prefix: `${p}.normalize`,
      channels: c,
      groups: b.groups,
      eps: b.eps,
    },
  };
}

/** Specs in the authors' module order: Q, K, V, OUT, normalize. */
export function attnBlockSpecs(b: AttnBlockLayer): ParamSpec[] {
  const l = attnLayers(b);
  return [
    ...[l.q, l.k, l.v, l.out].flatMap(ninSpecs),
    ...groupNormSpecs(l.norm),
  ];
}

/**
 * x [N, H, W, C] → x + OUT(softmax(q·kᵀ/√C)·v) (arXiv:2006.11239,
 * appendix B), with q, k, v the Nin maps of GroupNorm(x) and the softmax
 * over the H·W key positions of each query position.
 */
export function attnBlock(
  scope: ParamScope,
  b: AttnBlockLayer,
  x: tf.Tensor4D,
): tf.Tensor4D {
  const l = attnLayers(b);
  const [n, h, w, c] = x.shape;
  return tf.tidy(() => {
    const hn = groupNorm(scope, l.norm, x);
    const flat = (t: tf.Tensor4D) =>
      tf.reshape(t, [n, h * w, c]) as tf.Tensor3D;
    const q = flat(applyNin(scope, l.q, hn));
    const k = flat(applyNin(scope, l.k, hn));
    const v = flat(applyNin(scope, l.v, hn));
    const scores = tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(c));
    const attended = tf.matMul(tf.softmax(scores), v); // [N, H·W, C]
    const out = applyNin(scope, l.out, tf.reshape(attended, [n, h, w, c]));
    return tf.add(x, out);
  });
}
