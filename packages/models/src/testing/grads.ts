// Test helpers: gradients of a scalar loss with respect to every trainable
// variable of a network, and the names whose gradient is zero or not finite.
import * as tf from '@tensorflow/tfjs-core';
import type { AnyNetwork } from '../network';
import { trainableNames, type Params } from '../params';

/** Names whose gradient of Σ f(x)·r (r fixed random) is 0 or non-finite. */
export function badGradients(
  network: AnyNetwork,
  params: Params,
  x: tf.Tensor,
  options: { readonly training?: boolean } = {},
): string[] {
  const training = options.training ?? false;
  const names = trainableNames(params);
  const { value, grads } = tf.variableGrads(
    () => {
      const y = network.apply(params, x, { training });
      const r = tf.randomNormal(y.shape, 0, 1, 'float32', 11);
      return tf.sum(tf.mul(y, r)) as tf.Scalar;
    },
    names.map((n) => params[n]),
  );
  const bad = names.filter((n) => {
    const g = grads[params[n].name].dataSync();
    return !g.every(Number.isFinite) || !g.some((v) => v !== 0);
  });
  value.dispose();
  tf.dispose(grads);
  return bad;
}
