// Fully connected layers. Weights are [in, out] (x·W); PyTorch stores
// [out, in] (x·Wᵀ).
import * as tf from '@tensorflow/tfjs-core';
import { getParam, type ParamSpec, type Params } from '../params';
import type { Init } from '../params';
import type { WeightInit } from './conv';
import { torchDefault, xavierUniform } from './init';

/** A linear layer as data. */
export interface LinearLayer {
  /** Parameters are `${prefix}.weight` and `${prefix}.bias`. */
  readonly prefix: string;
  readonly inFeatures: number;
  readonly outFeatures: number;
}

/** Parameter specs of a linear layer (bias: PyTorch's default init). */
export function linearSpecs(layer: LinearLayer, init: WeightInit): ParamSpec[] {
  const { inFeatures: fanIn, outFeatures: fanOut } = layer;
  const weightInit: Init =
    init === 'torch' ? torchDefault(fanIn) : xavierUniform(fanIn, fanOut);
  return [
    {
      name: `${layer.prefix}.weight`,
      shape: [fanIn, fanOut],
      init: weightInit,
      trainable: true,
    },
    {
      name: `${layer.prefix}.bias`,
      shape: [fanOut],
      init: torchDefault(fanIn),
      trainable: true,
    },
  ];
}

/** x [N, in] → x·W + b [N, out]; `weight` overrides the stored one. */
export function applyLinear(
  params: Params,
  layer: LinearLayer,
  x: tf.Tensor2D,
  owner: string,
  weight?: tf.Tensor2D,
): tf.Tensor2D {
  const w =
    weight ??
    (getParam(params, `${layer.prefix}.weight`, owner) as tf.Tensor2D);
  const b = getParam(params, `${layer.prefix}.bias`, owner);
  return tf.add(tf.matMul(x, w), b);
}
