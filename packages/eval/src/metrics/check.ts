// Precondition checks for the metric functions. Each message names the
// function, the argument and the offending value; call them at entry only.

/** Flat numeric arrays the metrics accept. */
export type Floats = Float32Array | Float64Array;

/** Throws `fn: message` as an Error. */
export function fail(fn: string, message: string): never {
  throw new Error(`${fn}: ${message}`);
}

/** value must be an integer >= min. */
export function checkInteger(
  fn: string,
  name: string,
  value: number,
  min: number,
): void {
  if (!(Number.isInteger(value) && value >= min)) {
    fail(fn, `${name} must be an integer >= ${min}, got ${value}`);
  }
}

/** value must be a finite number > 0. */
export function checkPositive(fn: string, name: string, value: number): void {
  if (!(Number.isFinite(value) && value > 0)) {
    fail(fn, `${name} must be a finite number > 0, got ${value}`);
  }
}

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
