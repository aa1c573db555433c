// The toy-experiment MLPs of the authors' notebook (ToyGAN_G as the score
// network, ToyGAN_D as the discriminator): Linear layers with LeakyReLU
// 0.01 between them, PyTorch default init.
import * as tf from '@tensorflow/tfjs-core';
import { applyLinear, linearSpecs, type LinearLayer } from './layers/linear';
import type { Network } from './network';
import { initParams, paramScope } from './params';
import type { ParamScope, ParamSpec } from './params';

/** Config of a toy MLP. */
export interface ToyMlpConfig {
  /** Input features (2 for the 2-D toys). */
  readonly inputDim: number;
  /** Output features: inputDim for a score network, 1 for a discriminator. */
  readonly outputDim: number;
  /** Width of the hidden layers (512 in the paper). */
  readonly width: number;
  /** Number of hidden layers (3 in the paper). */
  readonly hiddenLayers: number;
  /** LeakyReLU slope for negative inputs (0.01 in the paper). */
  readonly negativeSlope: number;
}

/** Options of the toy constructors; defaults are the paper's. */
export interface ToyMlpOptions {
  /** Default 2. */
  readonly inputDim?: number;
  /** Default 512. */
  readonly width?: number;
  /** Default 3. */
  readonly hiddenLayers?: number;
  /** Default 0.01. */
  readonly negativeSlope?: number;
}

const KIND = 'toy-mlp';

/** Score network of the toys: [N, 2] → σ·score [N, 2] (2→512³→2). */
export function toyScoreNetwork(
  options: ToyMlpOptions = {},
): Network<ToyMlpConfig, tf.Tensor2D, tf.Tensor2D> {
  const inputDim = options.inputDim ?? 2;
  return toyMlp({ ...toyDefaults(options), inputDim, outputDim: inputDim });
}

/** Discriminator of the toys: [N, 2] → logits [N, 1] (2→512³→1). */
export function toyDiscriminator(
  options: ToyMlpOptions = {},
): Network<ToyMlpConfig, tf.Tensor2D, tf.Tensor2D> {
  return toyMlp({ ...toyDefaults(options), outputDim: 1 });
}

function toyDefaults(options: ToyMlpOptions): Omit<ToyMlpConfig, 'outputDim'> {
  return {
    inputDim: options.inputDim ?? 2,
    width: options.width ?? 512,
    hiddenLayers: options.hiddenLayers ?? 3,
    negativeSlope: options.negativeSlope ?? 0.01,
  };
}

/** A toy MLP from its full config (the registry's entry). */
export function toyMlp(
  config: ToyMlpConfig,
): Network<ToyMlpConfig, tf.Tensor2D, tf.Tensor2D> {
  const frozen = Object.freeze({ ...config });
  const layers = makeLayers(frozen);
  const specs = Object.freeze(layers.flatMap((l) => linearSpecs(l, 'torch')));
  return {
    kind: KIND,
    config: frozen,
    specs: () => specs as readonly ParamSpec[],
    init: (seed) => initParams(specs, seed),
    apply: (params, x) => {
      checkInput(frozen, x);
      const scope = paramScope(params, KIND);
      const plan = { layers, negativeSlope: frozen.negativeSlope };
      return tf.tidy(() => forward(scope, plan, x));
    },
  };
}

/** Linear layers named as nn.Sequential indices: net.0, net.2, … */
function makeLayers(config: ToyMlpConfig): LinearLayer[] {
  const { inputDim, outputDim, width, hiddenLayers } = config;
  const dims = [inputDim, ...Array(hiddenLayers).fill(width), outputDim];
  const ok = dims.every((d) => Number.isInteger(d) && d >= 1);
  if (!ok || hiddenLayers < 0 || !(config.negativeSlope >= 0)) {
    throw new Error(
      `${KIND}: dimensions must be positive integers and negativeSlope ` +
        `>= 0, got ${JSON.stringify(config)}`,
    );
  }
  return dims.slice(1).map((out, i) => ({
    prefix: `net.${2 * i}`,
    inFeatures: dims[i],
    outFeatures: out,
  }));
}

function checkInput(config: ToyMlpConfig, x: tf.Tensor): void {
  if (x.rank !== 2 || x.shape[1] !== config.inputDim) {
    throw new Error(
      `${KIND}: input must be [N, ${config.inputDim}], got [${x.shape}]`,
    );
  }
}

/** x [N, inputDim] → [N, outputDim]; LeakyReLU after every hidden layer. */
function forward(
  scope: ParamScope,
  plan: { layers: readonly LinearLayer[]; negativeSlope: number },
  x: tf.Tensor2D,
): tf.Tensor2D {
  const { layers, negativeSlope } = plan;
  let h = x;
  for (const [i, layer] of layers.entries()) {
    h = applyLinear(scope, layer, h);
    if (i < layers.length - 1) h = tf.leakyRelu(h, negativeSlope);
  }
  return h;
}
