/**
 * Reads a PyTorch state_dict saved by `torch.save` without Python: the
 * ZIP format of torch ≥ 1.6 (`<archive>/data.pkl` plus one file per
 * storage under `<archive>/data/`) and the legacy format before it (five
 * concatenated pickles, then the raw storages). The pickle may build only
 * an OrderedDict of tensors (`torch._utils._rebuild_tensor_v2` over
 * persistent storages); any other global is refused, nothing is executed.
 */
import { isZip, readZipDirectory, readZipEntry, ZipEntry } from './zip';
import {
  PickleCallable,
  PickleGlobal,
  unpickle,
  UnpickleOptions,
} from './unpickle';

/** Element types of the storages we read. */
export type TorchDtype =
  | 'float32'
  | 'float64'
  | 'int64'
  | 'int32'
  | 'uint8'
  | 'bool';

const STORAGE_TYPES: Record<string, { dtype: TorchDtype; size: number }> = {
  'torch.FloatStorage': { dtype: 'float32', size: 4 },
  'torch.DoubleStorage': { dtype: 'float64', size: 8 },
  'torch.LongStorage': { dtype: 'int64', size: 8 },
  'torch.IntStorage': { dtype: 'int32', size: 4 },
  'torch.ByteStorage': { dtype: 'uint8', size: 1 },
  'torch.BoolStorage': { dtype: 'bool', size: 1 },
};

/** One storage named by a persistent id; its bytes are attached later. */
class TorchStorage {
  bytes?: Uint8Array;
  constructor(
    readonly key: string,
    readonly dtype: TorchDtype,
    readonly elementSize: number,
    readonly numel: number,
  ) {}

  /** The elements as a typed array over an aligned copy of the bytes. */
  values(): ArrayLike<number | bigint> {
    if (!this.bytes) throw new Error(`storage ${this.key} has no data`);
    const buffer = new Uint8Array(this.bytes).buffer; // copy: aligned
    switch (this.dtype) {
      case 'float32':
        return new Float32Array(buffer);
      case 'float64':
        return new Float64Array(buffer);
      case 'int64':
        return new BigInt64Array(buffer);
      case 'int32':
        return new Int32Array(buffer);
      case 'uint8':
      case 'bool':
        return new Uint8Array(buffer);
    }
  }
}

/** A tensor of the state_dict: a strided view of one storage. */
export class TorchTensor {
  constructor(
    private readonly storage: TorchStorage,
    readonly storageOffset: number,
    readonly shape: readonly number[],
    readonly stride: readonly number[],
  ) {}

  get dtype(): TorchDtype {
    return this.storage.dtype;
  }

  get size(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  /**
   * The values in row-major (C) order of `shape`, as float32: float64 and
   * integers are rounded to the nearest float32.
   */
  toFloat32(): Float32Array {
    return gather(this.storage.values(), this);
  }
}

/** Row-major copy of a strided view (any strides, any offset). */
function gather(
  src: ArrayLike<number | bigint>,
  t: Pick<TorchTensor, 'shape' | 'stride' | 'storageOffset' | 'size'>,
): Float32Array {
  const out = new Float32Array(t.size);
  const rank = t.shape.length;
  const index = new Array<number>(rank).fill(0);
  let at = t.storageOffset;
  for (let i = 0; i < out.length; i++) {
    out[i] = Number(src[at]);
    for (let d = rank - 1; d >= 0; d--) {
      at += t.stride[d];
      if (++index[d] < t.shape[d]) break;
      at -= t.stride[d] * t.shape[d];
      index[d] = 0;
    }
  }
  return out;
}

/** Parameter and buffer names → tensors, in the file's order. */
export type StateDict = Map<string, TorchTensor>;

const isIntList = (x: unknown): x is number[] =>
  Array.isArray(x) && x.every((v) => Number.isSafeInteger(v) && v >= 0);

/** torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...). */
function rebuildTensor(args: unknown[]): TorchTensor {
  const [storage, offset, shape, stride] = args;
  if (!(storage instanceof TorchStorage)) {
    throw new Error('_rebuild_tensor_v2: the first argument is no storage');
  }
  if (
    !Number.isSafeInteger(offset) ||
    !isIntList(shape) ||
    !isIntList(stride) ||
    shape.length !== stride.length
  ) {
    throw new Error(
      `_rebuild_tensor_v2: bad geometry offset=${offset} ` +
        `size=${JSON.stringify(shape)} stride=${JSON.stringify(stride)}`,
    );
  }
  const start = offset as number;
  const t = new TorchTensor(storage, start, shape, stride);
  const last = shape.reduce((s, n, d) => s + (n - 1) * stride[d], start);
  if (t.size > 0 && last >= storage.numel) {
    throw new Error(
      `_rebuild_tensor_v2: a [${shape}] view with stride [${stride}] at ` +
        `offset ${offset} reaches element ${last} of storage ` +
        `${storage.key}, which holds ${storage.numel}`,
    );
  }
  return t;
}

/** OrderedDict() (Python 3 pickles) or OrderedDict([[k, v], …]) (2). */
function orderedDict(args: unknown[]): Map<unknown, unknown> {
  const [pairs = []] = args;
  const ok =
    args.length <= 1 &&
    Array.isArray(pairs) &&
    pairs.every((p) => Array.isArray(p) && p.length === 2);
  if (!ok) {
    throw new Error('collections.OrderedDict: arguments not understood');
  }
  return new Map(pairs as [unknown, unknown][]);
}

/** The globals a state_dict pickle may name; all else is refused. */
const TORCH_GLOBALS: Record<string, PickleCallable | null> = {
  'collections.OrderedDict': orderedDict,
  'torch._utils._rebuild_tensor_v2': rebuildTensor,
  'torch._utils._rebuild_parameter': (args) => args[0],
  ...Object.fromEntries(Object.keys(STORAGE_TYPES).map((k) => [k, null])),
};

/** Storages by key, created from persistent ids as the pickle names them. */
function storageLoader(storages: Map<string, TorchStorage>) {
  return (pid: unknown): TorchStorage => {
    if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5) {
      throw new Error(`unknown persistent id ${String(pid)}`);
    }
    const [, type, key, , numel, view] = pid;
    const kind = type instanceof PickleGlobal && STORAGE_TYPES[type.name];
    if (!kind || typeof key !== 'string' || !Number.isSafeInteger(numel)) {
      throw new Error(`bad storage id (${String(pid)})`);
    }
    if (view !== undefined && view !== null) {
      throw new Error(`storage ${key} is a legacy storage view: unsupported`);
    }
    const known = storages.get(key);
    if (known) return known;
    const s = new TorchStorage(key, kind.dtype, kind.size, numel as number);
    storages.set(key, s);
    return s;
  };
}

/** Checks that the unpickled value is a dict of tensors. */
function asStateDict(value: unknown): StateDict {
  if (!(value instanceof Map)) {
    throw new Error(
      'readStateDict: the checkpoint holds no dict of tensors at its top ' +
        'level (save model.state_dict())',
    );
  }
  for (const [key, t] of value) {
    if (typeof key !== 'string' || !(t instanceof TorchTensor)) {
      throw new Error(
        `readStateDict: entry ${String(key)} is not a tensor: only a ` +
          'flat state_dict is read',
      );
    }
  }
  return value as StateDict;
}

function attach(storage: TorchStorage, bytes: Uint8Array): void {
  const need = storage.numel * storage.elementSize;
  if (bytes.length !== need) {
    throw new Error(
      `readStateDict: storage ${storage.key} has ${bytes.length} bytes, ` +
        `${storage.numel} ${storage.dtype} elements need ${need}`,
    );
  }
  storage.bytes = bytes;
}

function readZipCheckpoint(bytes: Uint8Array): StateDict {
  const entries = new Map<string, ZipEntry>(
    readZipDirectory(bytes).map((e) => [e.name, e]),
  );
  const pkl = [...entries.keys()].filter((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (pkl.length !== 1) {
    throw new Error(
      `readStateDict: expected one <archive>/data.pkl in the zip, found ` +
        `${pkl.length} (${[...entries.keys()].slice(0, 5).join(', ')})`,
    );
  }
  const prefix = pkl[0].slice(0, -'data.pkl'.length);
  const order = entries.get(`${prefix}byteorder`);
  const byteorder =
    order && new TextDecoder().decode(readZipEntry(bytes, order));
  if (byteorder && byteorder !== 'little') {
    throw new Error(`readStateDict: byte order '${byteorder}' unsupported`);
  }
  const storages = new Map<string, TorchStorage>();
  const { value } = unpickle(readZipEntry(bytes, entries.get(pkl[0])!), {
    globals: TORCH_GLOBALS,
    persistentLoad: storageLoader(storages),
  });
  for (const s of storages.values()) {
    const entry = entries.get(`${prefix}data/${s.key}`);
    if (!entry) throw new Error(`readStateDict: no data for storage ${s.key}`);
    attach(s, readZipEntry(bytes, entry));
  }
  return asStateDict(value);
}

/** The magic number torch's legacy format pickles first. */
const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL = 1001;

function readLegacyCheckpoint(bytes: Uint8Array): StateDict {
  let at = 0;
  const next = (o: Partial<UnpickleOptions> = {}) => {
    const r = unpickle(bytes, { globals: {}, ...o, start: at });
    at = r.end;
    return r.value;
  };
  if (next() !== LEGACY_MAGIC || next() !== LEGACY_PROTOCOL) {
    throw new Error('readStateDict: not a PyTorch legacy checkpoint');
  }
  const sysInfo = next();
  if (!(sysInfo instanceof Map) || sysInfo.get('little_endian') !== true) {
    throw new Error('readStateDict: big-endian legacy checkpoint unsupported');
  }
  const storages = new Map<string, TorchStorage>();
  const value = next({
    globals: TORCH_GLOBALS,
    persistentLoad: storageLoader(storages),
  });
  const keys = next();
  if (!Array.isArray(keys)) throw new Error('readStateDict: no storage keys');
  for (const key of keys) {
    const s = storages.get(key);
    if (!s) throw new Error(`readStateDict: unknown storage key ${key}`);
    at = readLegacyStorage(bytes, at, s);
  }
  return asStateDict(value);
}

/** One legacy storage record: int64 element count, then the elements. */
function readLegacyStorage(
  bytes: Uint8Array,
  at: number,
  s: TorchStorage,
): number {
  const end = at + 8 + s.numel * s.elementSize;
  if (end > bytes.length) {
    throw new Error(
      `readStateDict: file truncated: storage ${s.key} ends at byte ` +
        `${end}, the file has ${bytes.length}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, 8);
  const numel = Number(view.getBigInt64(0, true));
  if (numel !== s.numel) {
    throw new Error(
      `readStateDict: storage ${s.key} records ${numel} elements, its ` +
        `id says ${s.numel}`,
    );
  }
  attach(s, bytes.subarray(at + 8, end));
  return end;
}

function isTar(bytes: Uint8Array): boolean {
  const magic = new TextDecoder().decode(bytes.subarray(257, 262));
  return magic === 'ustar';
}

/**
 * The state_dict in a `torch.save` file's bytes: ZIP or legacy format,
 * little-endian storages of float32/float64/int64/int32/uint8/bool.
 */
export function readStateDict(input: Uint8Array): StateDict {
  // A plain view, also of a Buffer, whose slice() copies.
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.length);
  if (isZip(bytes)) return readZipCheckpoint(bytes);
  if (bytes[0] === 0x80) return readLegacyCheckpoint(bytes);
  if (isTar(bytes)) {
    throw new Error(
      'readStateDict: this is the tar format of torch < 0.4; load and ' +
        're-save it with a recent torch',
    );
  }
  throw new Error(
    `readStateDict: not a PyTorch checkpoint (${bytes.length} bytes, ` +
      'neither a zip archive nor a legacy pickle)',
  );
}
