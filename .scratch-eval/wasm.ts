import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import './grads.cjs';
import '@tensorflow/tfjs-backend-wasm';
const backend = process.argv[2] ?? 'wasm';
await tf.setBackend(backend);
await tf.ready();
console.log('backend', tf.getBackend());
const x = tf.randomUniform([64, 28, 28, 1]);
const w1 = tf.variable(tf.randomNormal([3, 3, 1, 32], 0, 0.1));
const w2 = tf.variable(tf.randomNormal([3, 3, 32, 64], 0, 0.1));
const f = () => {
  const h = tf.maxPool(tf.relu(tf.conv2d(x, w1, 1, 'same')), 2, 2, 'valid');
  const g = tf.maxPool(tf.relu(tf.conv2d(h, w2, 1, 'same')), 2, 2, 'valid');
  return tf.mean(g) as tf.Scalar;
};
for (let i = 0; i < 3; i++) {
  const t = Date.now();
  tf.tidy(() => { const y = f(); y.dataSync(); });
  console.log('fwd ms', Date.now() - t);
}
try {
  for (let i = 0; i < 3; i++) {
    const t = Date.now();
    tf.tidy(() => { const { grads } = tf.variableGrads(f); Object.values(grads)[0].dataSync(); });
    console.log('fwd+bwd ms', Date.now() - t);
  }
} catch (e) { console.log('grad error', (e as Error).message); }
