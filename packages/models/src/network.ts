// The functional network interface: parameters live outside the network,
// so the same network applies to the live weights and to the EMA weights.
import type * as tf from '@tensorflow/tfjs-core';
import { paramCount, sizeOf, type ParamSpec, type Params } from './params';

/** Options of `Network.apply`. */
export interface ApplyOptions {
  /**
   * Training forward pass: spectral-norm buffers advance one power
   * iteration. Default false.
   */
  readonly training?: boolean;
}

/**
 * A network as a pure function of (params, x). `X` is the input type
 * (images [N, H, W, C] unless stated), `Y` the output type.
 */
export interface Network<
  C = unknown,
  X extends tf.Tensor = tf.Tensor4D,
  Y extends tf.Tensor = tf.Tensor,
> {
  /** The registry kind, e.g. 'ncsnv2'. */
  readonly kind: string;
  /** The full config, defaults filled in; JSON data. */
  readonly config: C;
  /** Every parameter and buffer, in a stable order. */
  specs(): readonly ParamSpec[];
  /** Fresh variables for `specs()`, deterministic in seed. */
  init(seed: number): Params;
  /** The forward pass; disposes its intermediates. */
  apply(params: Params, x: X, options?: ApplyOptions): Y;
}

/** A network as JSON data, e.g. in a checkpoint manifest. */
export interface NetworkDescription {
  readonly kind: string;
  readonly config: unknown;
}

/** A network of any config and input type. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyNetwork = Network<any, any, tf.Tensor>;

/**
 * A table of the network's layers (a name without its last component),
 * each with its parameter shapes and count, then the totals; buffers are
 * marked and not counted as parameters (PyTorch convention).
 */
export function summary(network: AnyNetwork): string {
  const rows = new Map<string, { shapes: string[]; count: number }>();
  for (const spec of network.specs()) {
    const cut = spec.name.lastIndexOf('.');
    const layer = cut < 0 ? spec.name : spec.name.slice(0, cut);
    const row = rows.get(layer) ?? { shapes: [], count: 0 };
    const leaf = spec.name.slice(cut + 1);
    const mark = spec.trainable ? '' : ' (buffer)';
    row.shapes.push(`${leaf} [${spec.shape.join(', ')}]${mark}`);
    if (spec.trainable) row.count += sizeOf(spec.shape);
    rows.set(layer, row);
  }
  const width = Math.max(5, ...[...rows.keys()].map((k) => k.length));
  const lines = [`${network.kind} ${JSON.stringify(network.config)}`];
  for (const [layer, row] of rows) {
    const count = String(row.count).padStart(10);
    lines.push(`${layer.padEnd(width)} ${count}  ${row.shapes.join(', ')}`);
  }
  const trainable = paramCount(network);
  const buffers = paramCount(network, { includeBuffers: true }) - trainable;
  const grouped = (n: number) => n.toLocaleString('en-US');
  lines.push(
    `total: ${grouped(trainable)} parameters, ${grouped(buffers)} ` +
      'buffer values',
  );
  return lines.join('\n');
}

/** Fails unless x is [N, imageSize, imageSize, channels] with N >= 1. */
export function checkImageInput(
  owner: string,
  x: tf.Tensor,
  expected: { readonly imageSize: number; readonly channels: number },
): void {
  const { imageSize: size, channels } = expected;
  const [n, h, w, c] = x.shape;
  const ok = x.rank === 4 && n >= 1 && h === size && w === size;
  if (!ok || c !== channels) {
    throw new Error(
      `${owner}: input must be [N, ${size}, ${size}, ${channels}], ` +
        `got [${x.shape.join(', ')}]`,
    );
  }
}
