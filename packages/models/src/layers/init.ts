// Initialisers of the authors' PyTorch models, as `Init` data.
import type { Init } from '../params';

/**
 * PyTorch's default for Conv2d and Linear weights and biases:
 * kaiming_uniform(a = √5) = U(−1/√fan_in, 1/√fan_in) (torch.nn.init).
 */
export function torchDefault(fanIn: number): Init {
  return { kind: 'uniform', bound: 1 / Math.sqrt(fanIn) };
}

/** Glorot & Bengio 2010 uniform: U(±√(6/(fan_in + fan_out))). */
export function xavierUniform(fanIn: number, fanOut: number): Init {
  return { kind: 'uniform', bound: Math.sqrt(6 / (fanIn + fanOut)) };
}

/** N(mean, std²). */
export function normal(mean: number, std: number): Init {
  return { kind: 'normal', mean, std };
}

/** A constant. */
export function constant(value: number): Init {
  return { kind: 'constant', value };
}

/**
 * The UNet's `init_weights` and `Nin` initialiser: xavier_uniform with
 * gain √(scale/2), i.e. U(±√(3·scale/(fan_in + fan_out))).
 */
export function scaledXavierUniform(
  fanIn: number,
  fanOut: number,
  scale: number,
): Init {
  return { kind: 'uniform', bound: Math.sqrt((3 * scale) / (fanIn + fanOut)) };
}
