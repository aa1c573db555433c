// The files our side writes for the PyTorch side (torch_side.py) and the
// outputs both sides write back for the parity check, in one folder:
//
//   manifest.json     what is in bench.f32, the network config, the
//                     schedule and Adam's settings
//   bench.f32         weights and inputs, raw little-endian float32
//   ours-forward.f32  torch-forward.f32   the forward output, NHWC
//   ours-loss.f32     torch-loss.f32      (train) the DSM loss on fixed noise
//   ours-grads.f32    torch-grads.f32     (train) each trainable
//                                         parameter's gradient, our layout,
//                                         in the manifest's order
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { difference, type Difference } from '../parity/compare';
import type { StepKind } from './cases';

/** How a tensor of bench.f32 is laid out (torch_side.py converts it). */
export type Layout = 'hwio' | 'nhwc' | 'plain';

/** One tensor of bench.f32. */
export interface StoredTensor {
  readonly shape: readonly number[];
  /** In bytes from the start of bench.f32. */
  readonly offset: number;
  readonly layout: Layout;
}

/** A parameter of the network. */
export interface StoredParam extends StoredTensor {
  readonly name: string;
  readonly trainable: boolean;
}

/** manifest.json. */
export interface ExchangeManifest {
  readonly file: string;
  readonly kind: StepKind;
  readonly config: {
    readonly ngf: number;
    readonly depth: number;
    readonly dilation: boolean;
    readonly channels: number;
    readonly imageSize: number;
  };
  readonly params: readonly StoredParam[];
  /** x [N, H, W, C] in [0, 1]; σ [N, 1, 1, 1] and z of the parity loss. */
  readonly inputs: Record<'x' | 'sigma' | 'z', StoredTensor>;
  /** The schedule a training step draws its levels from. */
  readonly sigmas: readonly number[];
  readonly adam: {
    readonly lr: number;
    readonly beta1: number;
    readonly beta2: number;
    readonly eps: number;
  };
}

export const MANIFEST = 'manifest.json';
export const BLOB = 'bench.f32';

/** A side's output file for the parity check. */
export const outputFile = (
  side: 'ours' | 'torch',
  what: 'forward' | 'loss' | 'grads',
): string => `${side}-${what}.f32`;

/** The differences of our parity outputs from PyTorch's. */
export interface ParityCheck {
  readonly forward: Difference;
  /** The loss on fixed noise (train only). */
  readonly loss: Difference | null;
  /** The gradient with the largest maxRel, by name (train only). */
  readonly worstGrad: { name: string; diff: Difference } | null;
}

async function readF32(path: string): Promise<Float32Array> {
  const bytes = await readFile(path);
  const copy = new Uint8Array(bytes); // aligned for Float32Array
  return new Float32Array(copy.buffer, 0, copy.byteLength / 4);
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Splits the concatenated gradients by the trainable parameters' sizes. */
export function splitGrads(
  manifest: Pick<ExchangeManifest, 'params'>,
  flat: Float32Array,
): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  let at = 0;
  for (const p of manifest.params.filter((q) => q.trainable)) {
    out.set(p.name, flat.subarray(at, at + size(p.shape)));
    at += size(p.shape);
  }
  if (at !== flat.length) {
    throw new Error(
      `splitGrads: the parameters hold ${at} values, the file ${flat.length}`,
    );
  }
  return out;
}

/** Compares the outputs both sides wrote in `dir`. */
export async function checkParity(
  dir: string,
  manifest: ExchangeManifest,
): Promise<ParityCheck> {
  const read = (side: 'ours' | 'torch', what: 'forward' | 'loss' | 'grads') =>
    readF32(join(dir, outputFile(side, what)));
  const forward = difference(
    'forward',
    await read('ours', 'forward'),
    await read('torch', 'forward'),
  );
  if (manifest.kind === 'forward') {
    return { forward, loss: null, worstGrad: null };
  }
  const loss = difference(
    'loss',
    await read('ours', 'loss'),
    await read('torch', 'loss'),
  );
  const ours = splitGrads(manifest, await read('ours', 'grads'));
  const theirs = splitGrads(manifest, await read('torch', 'grads'));
  let worstGrad: ParityCheck['worstGrad'] = null;
  for (const [name, a] of ours) {
    const diff = difference(name, a, theirs.get(name) as Float32Array);
    if (!worstGrad || diff.maxRel > worstGrad.diff.maxRel) {
      worstGrad = { name, diff };
    }
  }
  return { forward, loss, worstGrad };
}
