// Test helpers: exports in the exporter's format written from TypeScript,
// so the loading side can be tested without PyTorch.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ParamSpec, Params } from '@acsm/models';
import {
  EXPORT_FORMAT,
  EXPORT_VERSION,
  type ExportedTensor,
  type ExportManifest,
  type ExportedNetworkEntry,
  type ForwardMode,
  type StateTensor,
  type TorchLayout,
} from './export-format';
import { permute, type HostTensor } from './layouts';

/** A tensor to write, with its name. */
export interface NamedHostTensor extends HostTensor {
  readonly name: string;
}

/** A state tensor to write. */
export interface FakeStateTensor extends NamedHostTensor {
  readonly kind: StateTensor['kind'];
  readonly layout: TorchLayout;
}

/** A network to write as if the exporter had. */
export interface FakeNetwork {
  readonly id: string;
  readonly paramCount: number;
  readonly state: readonly FakeStateTensor[];
  /** [N, C, H, W]. */
  readonly input: HostTensor;
  readonly runs: readonly {
    readonly mode: ForwardMode;
    readonly output: HostTensor;
    readonly buffersAfter: readonly NamedHostTensor[];
  }[];
}

/** Appends tensors to one byte array, remembering offsets. */
class BlobWriter {
  readonly chunks: Buffer[] = [];
  offset = 0;

  add(name: string, t: HostTensor): ExportedTensor {
    const entry = { name, shape: [...t.shape], offset: this.offset };
    const bytes = Buffer.from(
      t.data.buffer,
      t.data.byteOffset,
      t.data.byteLength,
    );
    this.chunks.push(Buffer.from(bytes));
    this.offset += t.data.byteLength;
    return entry;
  }
}

/** Writes manifest.json and one blob per network into dir. */
export async function writeFakeExport(
  dir: string,
  networks: readonly FakeNetwork[],
): Promise<ExportManifest> {
  const entries: ExportedNetworkEntry[] = [];
  for (const n of networks) {
    const blob = new BlobWriter();
    const state = n.state.map((t) => ({
      ...blob.add(t.name, t),
      kind: t.kind,
      layout: t.layout,
    }));
    const input = blob.add('input', n.input);
    const runs = n.runs.map((r) => ({
      mode: r.mode,
      output: blob.add('output', r.output),
      buffersAfter: r.buffersAfter.map((b) => blob.add(b.name, b)),
    }));
    const file = `${n.id}.f32`;
    await writeFile(join(dir, file), Buffer.concat(blob.chunks));
    entries.push({
      id: n.id,
      config: 'test.yml',
      role: 'score',
      className: 'Fake',
      seed: 0,
      paramCount: n.paramCount,
      file,
      byteLength: blob.offset,
      state,
      input,
      runs,
    });
  }
  const manifest: ExportManifest = {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    dtype: 'float32',
    byteOrder: 'little-endian',
    torch: 'none',
    standIns: [],
    networks: entries,
  };
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
  return manifest;
}

/**
 * Our parameters as PyTorch would hold them: conv weights HWIO → OIHW,
 * linear weights [in, out] → [out, in], the UNet's Nin `.weights` too but
 * tagged 'unknown' (as the exporter tags them), the rest as is.
 */
export function asTorchState(
  specs: readonly ParamSpec[],
  params: Params,
): FakeStateTensor[] {
  return specs.map((s) => {
    const ours = {
      shape: s.shape,
      data: params[s.name].dataSync() as Float32Array,
    };
    const weight = s.trainable && s.name.endsWith('.weight');
    const kind = s.trainable ? 'parameter' : 'buffer';
    if (weight && s.shape.length === 4) {
      return {
        name: s.name,
        kind,
        layout: 'oihw',
        ...permute(ours, [3, 2, 0, 1]),
      };
    }
    if (weight && s.shape.length === 2) {
      return { name: s.name, kind, layout: 'oi', ...permute(ours, [1, 0]) };
    }
    if (s.name.endsWith('.weights') && s.shape.length === 2) {
      const t = permute(ours, [1, 0]);
      return { name: s.name, kind, layout: 'unknown', ...t };
    }
    return { name: s.name, kind, layout: 'plain', ...ours };
  });
}
