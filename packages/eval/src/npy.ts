/**
 * NumPy's .npy array format (numpy.lib.format, versions 1.0, 2.0 and
 * 3.0): the magic "\x93NUMPY", a version, a header length (uint16 for
 * 1.0, uint32 after), then a Python dict literal with 'descr',
 * 'fortran_order' and 'shape', then the raw data. Only what metric files
 * hold is read: little-endian float32 and float64 and uint8, in C order.
 */
import { endianness } from 'node:os';

/** The element types read and written. */
export type NpyDtype = 'float32' | 'float64' | 'uint8';

/** One array: values in C (row-major) order. */
export interface NpyArray {
  readonly dtype: NpyDtype;
  readonly shape: readonly number[];
  readonly values: Float32Array | Float64Array | Uint8Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const DESCR: Readonly<Record<string, NpyDtype>> = {
  '<f4': 'float32',
  '<f8': 'float64',
  '|u1': 'uint8',
  '<u1': 'uint8',
  '>u1': 'uint8',
};

const DESCR_OF: Readonly<Record<NpyDtype, string>> = {
  float32: '<f4',
  float64: '<f8',
  uint8: '|u1',
};

const BYTES: Readonly<Record<NpyDtype, number>> = {
  float32: 4,
  float64: 8,
  uint8: 1,
};

function fail(label: string, why: string): never {
  throw new Error(`npy: ${label}: ${why}`);
}

/** The views below read host order: refuse a big-endian host outright. */
function checkHost(label: string): void {
  if (endianness() !== 'LE') {
    fail(label, 'this reader needs a little-endian host');
  }
}

/** Header text and where the data start, from the preamble. */
function header(bytes: Uint8Array, label: string) {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    fail(label, 'not a .npy array (no \\x93NUMPY magic)');
  }
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  if (major !== 1 && major !== 2 && major !== 3) {
    fail(label, `format version ${major}.${bytes[7]} is not 1, 2 or 3`);
  }
  const long = major >= 2;
  const length = long ? view.getUint32(8, true) : view.getUint16(8, true);
  const start = long ? 12 : 10;
  if (start + length > bytes.length) {
    fail(label, `header of ${length} bytes runs past the end`);
  }
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(
    bytes.subarray(start, start + length),
  );
  return { text, dataStart: start + length };
}

/** The value of one key of the header dict, as written by numpy. */
function field(text: string, key: string, label: string): string {
  const m = new RegExp(`['"]${key}['"]\\s*:\\s*`).exec(text);
  if (!m) fail(label, `header has no '${key}': ${text.trim()}`);
  const rest = text.slice(m.index + m[0].length);
  const value = /^('[^']*'|"[^"]*"|\([^)]*\)|True|False)/.exec(rest);
  if (!value) fail(label, `cannot read '${key}' in header ${text.trim()}`);
  return value[1];
}

function parseShape(tuple: string, label: string): number[] {
  const inner = tuple.slice(1, -1).trim();
  if (inner === '') return [];
  const parts = inner.split(',').map((s) => s.trim());
  if (parts[parts.length - 1] === '') parts.pop();
  return parts.map((p) => {
    if (!/^\d+L?$/.test(p)) fail(label, `bad shape ${tuple}`);
    return Number.parseInt(p, 10);
  });
}

function parseDtype(descr: string, label: string): NpyDtype {
  const dtype = DESCR[descr.slice(1, -1)];
  if (!dtype) {
    fail(
      label,
      `dtype ${descr} is not supported; expected little-endian float32 ` +
        `('<f4'), float64 ('<f8') or uint8 ('|u1')`,
    );
  }
  return dtype;
}

function typedArray(dtype: NpyDtype, data: Uint8Array) {
  // A copy: aligned, and not a view into a Buffer's shared pool.
  const buffer = new Uint8Array(data).buffer;
  switch (dtype) {
    case 'float32':
      return new Float32Array(buffer);
    case 'float64':
      return new Float64Array(buffer);
    case 'uint8':
      return new Uint8Array(buffer);
    default: {
      const unknown: never = dtype;
      throw new Error(`npy: unknown dtype ${unknown}`);
    }
  }
}

/**
 * Parses one .npy file. `label` names it in errors (a path, or an .npz
 * member). Fortran order, big-endian and other dtypes fail, naming what
 * the file holds; so does a data size that does not match the shape.
 */
export function parseNpy(bytes: Uint8Array, label: string): NpyArray {
  checkHost(label);
  const { text, dataStart } = header(bytes, label);
  const dtype = parseDtype(field(text, 'descr', label), label);
  if (field(text, 'fortran_order', label) !== 'False') {
    fail(label, 'Fortran-order arrays are not supported; save in C order');
  }
  const shape = parseShape(field(text, 'shape', label), label);
  const count = shape.reduce((a, b) => a * b, 1);
  const size = count * BYTES[dtype];
  if (bytes.length - dataStart !== size) {
    fail(
      label,
      `shape (${shape.join(', ')}) of ${dtype} needs ${size} data bytes, ` +
        `the file holds ${bytes.length - dataStart}`,
    );
  }
  const values = typedArray(dtype, bytes.subarray(dataStart));
  return { dtype, shape, values };
}

/** The dtype a typed array is written as. */
function dtypeOf(values: NpyArray['values']): NpyDtype {
  if (values instanceof Float64Array) return 'float64';
  if (values instanceof Float32Array) return 'float32';
  return 'uint8';
}

/**
 * Encodes an array as .npy version 1.0, C order, little-endian, the
 * header padded with spaces to a multiple of 64 bytes as numpy does.
 */
export function encodeNpy(
  values: NpyArray['values'],
  shape: readonly number[],
): Uint8Array {
  checkHost('encodeNpy');
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== values.length) {
    throw new Error(
      `encodeNpy: shape (${shape.join(', ')}) needs ${count} values, ` +
        `got ${values.length}`,
    );
  }
  const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict =
    `{'descr': '${DESCR_OF[dtypeOf(values)]}', 'fortran_order': False, ` +
    `'shape': ${tuple}, }`;
  const padded = dict.padEnd(Math.ceil((10 + dict.length + 1) / 64) * 64 - 11);
  const head = Buffer.from(`${padded}\n`, 'latin1');
  const out = new Uint8Array(10 + head.length + values.byteLength);
  out.set(MAGIC);
  out.set([1, 0], 6);
  new DataView(out.buffer).setUint16(8, head.length, true);
  out.set(head, 10);
  out.set(
    new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
    10 + head.length,
  );
  return out;
}
