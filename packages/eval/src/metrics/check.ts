// Precondition checks for the metric functions. Each message names the
// function, the argument and the offending value; call them at entry only.
// The scalar checks are core's; the matrix check is the metrics' own.
import { fail } from '@acsm/core';

export { checkInteger, checkPositive, fail } from '@acsm/core';

/** Flat numeric arrays the metrics accept. */
export type Floats = Float32Array | Float64Array;

/** array must hold rows·cols finite values (a row-major [rows, cols]). */
export function checkMatrix(
  fn: string,
  name: string,
  array: Floats,
  rows: number,
  cols: number,
): void {
  if (array.length !== rows * cols) {
    fail(
      fn,
      `${name} must hold ${rows}·${cols} = ${rows * cols} values, ` +
        `got ${array.length}`,
    );
  }
  const bad = array.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) fail(fn, `${name}[${bad}] must be finite, got ${array[bad]}`);
}

/** Mean and population standard deviation (divided by the count). */
export function meanStd(values: ArrayLike<number>): {
  mean: number;
  std: number;
} {
  const count = values.length;
  let sum = 0;
  for (let i = 0; i < count; i++) sum += values[i];
  const mean = sum / count;
  let squares = 0;
  for (let i = 0; i < count; i++) squares += (values[i] - mean) ** 2;
  return { mean, std: Math.sqrt(squares / count) };
}
