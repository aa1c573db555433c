// The UNet's resampling layers (DDPM, arXiv:2006.11239, appendix B, as in
// the authors' models/UNet.py): a stride-2 conv down, nearest-neighbour
// ×2 then a conv up. Weights [3, 3, C, C], names `${prefix}.weight|bias`.
import * as tf from '@tensorflow/tfjs-core';
import type { ParamScope } from '../params';
import { applyConv, type ConvLayer } from './conv';

/**
 * x [N, H, W, C] → [N, ⌈H/2⌉, ⌈W/2⌉, out]: a 3×3 conv with stride 2 and
 * zero padding 1 on each side (PyTorch's Conv2d(3, stride=2, padding=1)).
 */
export function downsampleConv(
  scope: ParamScope,
  layer: ConvLayer,
  x: tf.Tensor4D,
): tf.Tensor4D {
  const pads: Array<[number, number]> = [
    [0, 0],
    [1, 1],
    [1, 1],
    [0, 0],
  ];
  return tf.tidy(() =>
    tf.fused.conv2d({
      x: tf.pad(x, pads),
      filter: scope.weight(layer.prefix) as tf.Tensor4D,
      strides: 2,
      pad: 'valid',
      bias: layer.bias ? scope.param(`${layer.prefix}.bias`) : undefined,
    }),
  );
}

/**
 * x [N, H, W, C] → [N, 2H, 2W, out]: each pixel repeated 2×2
 * (nn.Upsample(scale_factor=2, mode='nearest')), then a same-size conv.
 */
export function upsampleConv(
  scope: ParamScope,
  layer: ConvLayer,
  x: tf.Tensor4D,
): tf.Tensor4D {
  const [, h, w] = x.shape;
  return tf.tidy(() =>
    applyConv(scope, layer, tf.image.resizeNearestNeighbor(x, [2 * h, 2 * w])),
  );
}
