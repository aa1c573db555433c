/**
 * The MNIST classifier whose hidden layer gives the FID features:
 * conv 3×3 → ReLU → avg-pool 2 → conv 3×3 → ReLU → avg-pool 2 →
 * dense (the feature layer) → ReLU → dense 10. Parameters are plain
 * tf.Variables; `applyClassifier` is a pure function of them.
 *
 * NOTE: average rather than max pooling: the wasm backend's max-pool
 * gradient (built from slices) made a training step ~3× slower, and the
 * features only need to separate digits well (test accuracy ≥ 98%).
 */
import type { Rng } from '@acsm/core';
import * as tf from '@tensorflow/tfjs-core';

/** Layer widths of the classifier. */
export interface ClassifierArchitecture {
  /** Channels of the first 3×3 convolution, default 32. */
  readonly conv1Filters: number;
  /** Channels of the second 3×3 convolution, default 64. */
  readonly conv2Filters: number;
  /** Width of the feature layer (the FID feature dimension), default 128. */
  readonly featureDim: number;
}

/** The classifier's variables, by name. */
export type ClassifierParams = Record<ClassifierParamName, tf.Variable>;

export type ClassifierParamName =
  | 'conv1.weight'
  | 'conv1.bias'
  | 'conv2.weight'
  | 'conv2.bias'
  | 'features.weight'
  | 'features.bias'
  | 'logits.weight'
  | 'logits.bias';

export const IMAGE_SIDE = 28;
export const NUM_CLASSES = 10;
const POOLED_SIDE = IMAGE_SIDE / 4;

/** Shapes (TensorFlow layout: HWIO filters, [in, out] dense) by name. */
export function classifierShapes(
  arch: ClassifierArchitecture,
): Record<ClassifierParamName, number[]> {
  const { conv1Filters: c1, conv2Filters: c2, featureDim: f } = arch;
  const flat = POOLED_SIDE * POOLED_SIDE * c2;
  return {
    'conv1.weight': [3, 3, 1, c1],
    'conv1.bias': [c1],
    'conv2.weight': [3, 3, c1, c2],
    'conv2.bias': [c2],
    'features.weight': [flat, f],
    'features.bias': [f],
    'logits.weight': [f, NUM_CLASSES],
    'logits.bias': [NUM_CLASSES],
  };
}

/** Fan-in of a weight shape: all but the last axis. */
function fanIn(shape: number[]): number {
  return shape.slice(0, -1).reduce((a, b) => a * b, 1);
}

/**
 * He-normal weights, std √(2 / fan_in) (He et al. 2015, arXiv:1502.01852,
 * §2.2), zero biases; every draw seeded from `rng`, so the same stream
 * gives the same network on every backend.
 */
export function initClassifier(
  arch: ClassifierArchitecture,
  rng: Rng,
): ClassifierParams {
  const shapes = classifierShapes(arch);
  const params = {} as ClassifierParams;
  for (const name of Object.keys(shapes) as ClassifierParamName[]) {
    const shape = shapes[name];
    const seed = rng.nextSeed();
    const init = name.endsWith('.bias')
      ? tf.zeros(shape)
      : tf.randomNormal(shape, 0, Math.sqrt(2 / fanIn(shape)), 'float32', seed);
    params[name] = tf.variable(init, true);
    init.dispose();
  }
  return params;
}

/**
 * Forward pass. x: [N, 28, 28, 1] in [0, 1]. Returns the feature layer
 * after its ReLU, [N, featureDim], and the logits, [N, 10].
 */
export function applyClassifier(
  params: ClassifierParams,
  x: tf.Tensor4D,
): { features: tf.Tensor2D; logits: tf.Tensor2D } {
  return tf.tidy(() => {
    const conv = (h: tf.Tensor4D, layer: 'conv1' | 'conv2') =>
      tf.avgPool(
        tf.relu(
          tf.add(
            tf.conv2d(h, params[`${layer}.weight`] as tf.Tensor4D, 1, 'same'),
            params[`${layer}.bias`],
          ),
        ) as tf.Tensor4D,
        2,
        2,
        'valid',
      );
    const pooled = conv(conv(x, 'conv1'), 'conv2');
    const flat = tf.reshape(pooled, [x.shape[0], -1]) as tf.Tensor2D;
    const features = tf.relu(
      tf.add(
        tf.matMul(flat, params['features.weight']),
        params['features.bias'],
      ),
    ) as tf.Tensor2D;
    const logits = tf.add(
      tf.matMul(features, params['logits.weight']),
      params['logits.bias'],
    ) as tf.Tensor2D;
    return { features, logits };
  });
}

/** Mean softmax cross-entropy of logits [N, 10] against labels [N]. */
export function crossEntropy(
  logits: tf.Tensor2D,
  labels: tf.Tensor1D,
): tf.Scalar {
  return tf.tidy(() => {
    const onehot = tf.oneHot(labels, NUM_CLASSES);
    const logLikelihood = tf.sum(tf.mul(onehot, tf.logSoftmax(logits)), 1);
    return tf.neg(tf.mean(logLikelihood)) as tf.Scalar;
  });
}
