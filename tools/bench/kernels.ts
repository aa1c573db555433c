// Kernels of a tf.profile, per name: which kernel ran inside which, the
// time of each without the kernels it ran, and a table of them.
//
// A kernel that runs other kernels (this project's wasm training kernels)
// is listed with its own time only, and the kernels it runs as
// `Kernel > Inner`; an op scope (`name__op`, a custom gradient) adds its
// inner kernels under their own names. An Identity inside a kernel is the
// tape keeping a tensor for the gradient: `Identity (saved)`.
import * as tf from '@tensorflow/tfjs-core';

/** A kernel as tf.profile lists it. */
export type ProfiledKernel = Awaited<
  ReturnType<typeof tf.profile>
>['kernels'][number];

/** Calls and milliseconds of one kernel name. */
export interface KernelRow {
  readonly name: string;
  readonly calls: number;
  readonly ms: number;
}

/**
 * Makes the active profile record, for each kernel it lists, the kernel
 * depth it ran at: 0 at the top, d + 1 inside a kernel of depth d. Call
 * inside the function that tf.profile runs.
 */
export function recordDepths(depths: number[]): void {
  const state = tf.engine().state;
  const kernels = state.activeProfile.kernels;
  const push = kernels.push.bind(kernels);
  kernels.push = (...items) => {
    for (let i = 0; i < items.length; i++) depths.push(state.kernelDepth);
    return push(...items);
  };
}

/**
 * The index of the kernel that ran each kernel (-1 at depth 0). Kernels
 * are listed as they finish, so a parent is the first kernel after its
 * child one level up.
 */
export function parents(depths: readonly number[]): number[] {
  return depths.map((d, i) => {
    if (d === 0) return -1;
    let p = i + 1;
    while (p < depths.length && depths[p] !== d - 1) p++;
    if (p === depths.length) {
      throw new Error(`parents: kernel ${i} at depth ${d} has no parent`);
    }
    return p;
  });
}

/**
 * Milliseconds and calls by name, slowest first. A kernel's time excludes
 * that of the kernels it ran, which are named `Parent > Inner` (plain
 * `Inner` when the parent is an op scope `name__op`; `Identity (saved)`
 * for a clone that the tape keeps).
 */
export function kernelRows(
  kernels: readonly { name: string; kernelTimeMs: number | object }[],
  depths: readonly number[],
): KernelRow[] {
  const up = parents(depths);
  const names = kernels.map((k) => k.name);
  const ms = kernels.map((k) => k.kernelTimeMs as number);
  kernels.forEach((k, i) => {
    const p = up[i];
    if (p < 0) return;
    ms[p] -= k.kernelTimeMs as number; // its total, not its own
    if (k.name === 'Identity') names[i] = 'Identity (saved)';
    else if (!kernels[p].name.endsWith('__op')) {
      names[i] = `${kernels[p].name} > ${k.name}`;
    }
  });
  const rows = new Map<string, { calls: number; ms: number }>();
  names.forEach((name, i) => {
    const row = rows.get(name) ?? { calls: 0, ms: 0 };
    row.calls += 1;
    row.ms += ms[i];
    rows.set(name, row);
  });
  return [...rows.entries()]
    .map(([name, r]) => ({ name, ...r }))
    .sort((a, b) => b.ms - a.ms);
}

/** The rows as a Markdown table: calls, ms, share of the total, ms/call. */
export function formatRows(rows: readonly KernelRow[], limit: number): string {
  const total = rows.reduce((s, r) => s + r.ms, 0) || 1;
  const lines = [
    '| kernel | calls | ms | % | ms/call |',
    '| --- | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows.slice(0, limit)) {
    const cells = [
      r.name,
      String(r.calls),
      r.ms.toFixed(1),
      ((100 * r.ms) / total).toFixed(1),
      (r.ms / r.calls).toFixed(2),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  const rest = rows.slice(limit);
  if (rest.length > 0) {
    const ms = rest.reduce((s, r) => s + r.ms, 0);
    const calls = rest.reduce((s, r) => s + r.calls, 0);
    const share = ((100 * ms) / total).toFixed(1);
    lines.push(
      `| ${rest.length} others | ${calls} | ${ms.toFixed(1)} | ${share} | |`,
    );
  }
  return lines.join('\n');
}
