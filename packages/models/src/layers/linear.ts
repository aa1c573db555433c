// Fully connected layers, x·W + b with W [in, out].
//
// NOTE: PyTorch stores Linear weights [out, in] (x·Wᵀ); transpose them.
import * as tf from '@tensorflow/tfjs-core';
import type { ParamScope, ParamSpec } from '../params';
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

/** x [N, in] → x·W + b [N, out], W from the scope. */
export function applyLinear(
  scope: ParamScope,
  layer: LinearLayer,
  x: tf.Tensor2D,
): tf.Tensor2D {
  const w = scope.weight(layer.prefix) as tf.Tensor2D;
  return tf.add(tf.matMul(x, w), scope.param(`${layer.prefix}.bias`));
}
