/**
 * A restricted unpickler: the binary opcodes of pickle protocols 2–4 that
 * a PyTorch state_dict uses (Python's `pickletools` documents each one).
 * It executes nothing: a global resolves only if the caller lists it, and
 * calling one (REDUCE, NEWOBJ) runs the caller's TypeScript function.
 * Anything else fails with the opcode, its offset and the name.
 *
 * Python values map to: None → null, bool → boolean, int → number (bigint
 * beyond 2^53), float → number, str → string, bytes → Uint8Array, tuple
 * and list → array, dict → Map.
 */

/** A global named by the pickle (module.name), allowed by the caller. */
export class PickleGlobal {
  constructor(readonly name: string) {}
}

/** What a listed global does when the pickle calls it. */
export type PickleCallable = (args: unknown[]) => unknown;

export interface UnpickleOptions {
  /**
   * The globals the pickle may name, by 'module.name'. A function is what
   * REDUCE/NEWOBJ on it returns; null allows the name as a value only
   * (e.g. a storage type inside a persistent id).
   */
  readonly globals: Readonly<Record<string, PickleCallable | null>>;
  /** Resolves a persistent id (BINPERSID); without it they fail. */
  readonly persistentLoad?: (pid: unknown) => unknown;
  /** Byte offset where the pickle starts (default 0). */
  readonly start?: number;
}

/** The value and the offset just after the STOP opcode. */
export interface Unpickled {
  readonly value: unknown;
  readonly end: number;
}

const MARK = Symbol('mark');

/** Reads one pickle from `bytes` (from `options.start`). */
export function unpickle(
  bytes: Uint8Array,
  options: UnpickleOptions,
): Unpickled {
  return new Machine(bytes, options).run();
}

class Machine {
  private pos: number;
  private stack: unknown[] = [];
  private marks: number[] = [];
  private memo = new Map<number, unknown>();
  private readonly view: DataView;
  private readonly bytes: Uint8Array;

  constructor(
    input: Uint8Array,
    private readonly options: UnpickleOptions,
  ) {
    // A plain view, also of a Buffer, whose slice() copies.
    this.bytes = new Uint8Array(input.buffer, input.byteOffset, input.length);
    this.pos = options.start ?? 0;
    this.view = new DataView(input.buffer, input.byteOffset, input.length);
  }

  run(): Unpickled {
    for (;;) {
      const at = this.pos;
      const op = this.u8();
      if (op === 0x2e) return { value: this.pop(), end: this.pos }; // STOP
      try {
        this.step(op);
      } catch (error) {
        const message = (error as Error).message;
        throw new Error(
          `unpickle: opcode 0x${op.toString(16)} at byte ${at}: ${message}`,
        );
      }
    }
  }

  private step(op: number): void {
    const handler = OPCODES[op];
    if (!handler) throw new Error('unsupported or unknown opcode');
    handler(this);
  }

  // --- reading the byte stream

  need(n: number): number {
    const at = this.pos;
    if (at + n > this.bytes.length) {
      throw new Error(
        `pickle truncated: needs ${n} bytes at ${at}, has ` +
          `${this.bytes.length - at}`,
      );
    }
    this.pos += n;
    return at;
  }
  u8(): number {
    return this.bytes[this.need(1)];
  }
  u16(): number {
    return this.view.getUint16(this.need(2), true);
  }
  i32(): number {
    return this.view.getInt32(this.need(4), true);
  }
  u32(): number {
    return this.view.getUint32(this.need(4), true);
  }
  u64(): number {
    const x = this.view.getBigUint64(this.need(8), true);
    if (x > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new Error(`length ${x} too large`);
    }
    return Number(x);
  }
  f64be(): number {
    return this.view.getFloat64(this.need(8), false);
  }
  raw(n: number): Uint8Array {
    const at = this.need(n);
    return this.bytes.slice(at, at + n);
  }
  utf8(n: number): string {
    const at = this.need(n);
    return new TextDecoder().decode(this.bytes.subarray(at, at + n));
  }
  latin1(n: number): string {
    return String.fromCharCode(...this.raw(n));
  }
  line(): string {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0) throw new Error('pickle truncated inside a text line');
    return this.latin1(end - this.pos + 1).slice(0, -1);
  }
  /** Little-endian two's complement integer of n bytes (LONG1/LONG4). */
  long(n: number): number | bigint {
    const b = this.raw(n);
    let x = 0n;
    for (let i = n - 1; i >= 0; i--) x = (x << 8n) | BigInt(b[i]);
    if (n > 0 && b[n - 1] & 0x80) x -= 1n << BigInt(8 * n);
    const safe = BigInt(Number.MAX_SAFE_INTEGER);
    return x <= safe && x >= -safe ? Number(x) : x;
  }

  // --- the stack

  push(x: unknown): void {
    this.stack.push(x);
  }
  pop(): unknown {
    if (this.stack.length === 0 || this.top() === MARK) {
      throw new Error('stack underflow');
    }
    return this.stack.pop();
  }
  top(): unknown {
    return this.stack[this.stack.length - 1];
  }
  mark(): void {
    this.marks.push(this.stack.length);
    this.stack.push(MARK);
  }
  /** The items pushed since the last MARK, removed with the mark. */
  popMark(): unknown[] {
    const at = this.marks.pop();
    if (at === undefined) throw new Error('no MARK on the stack');
    return this.stack.splice(at).slice(1);
  }
  put(index: number): void {
    this.memo.set(index, this.top());
  }
  /** MEMOIZE stores at the next free index: the memo's size. */
  memoize(): void {
    this.put(this.memo.size);
  }
  get(index: number): void {
    if (!this.memo.has(index)) throw new Error(`memo ${index} unset`);
    this.push(this.memo.get(index));
  }

  // --- globals and calls

  global(module: string, name: string): void {
    const full = `${module}.${name}`;
    if (!Object.hasOwn(this.options.globals, full)) {
      throw new Error(
        `global '${full}' is not allowed (allowed: ` +
          `${Object.keys(this.options.globals).join(', ')})`,
      );
    }
    this.push(new PickleGlobal(full));
  }
  call(target: unknown, args: unknown): void {
    if (!(target instanceof PickleGlobal) || !Array.isArray(args)) {
      throw new Error('REDUCE/NEWOBJ needs a global and an argument tuple');
    }
    const fn = this.options.globals[target.name];
    if (!fn) throw new Error(`global '${target.name}' is not callable`);
    this.push(fn(args));
  }
  persistent(pid: unknown): void {
    const load = this.options.persistentLoad;
    if (!load) throw new Error('persistent id without a persistentLoad');
    this.push(load(pid));
  }
  /** BUILD: only an object's attribute dict on a Map (e.g. _metadata). */
  build(state: unknown, target: unknown): void {
    if (!(target instanceof Map) || !(state instanceof Map)) {
      throw new Error('BUILD is supported only on a dict with a dict state');
    }
  }
}

function dictOf(target: unknown): Map<unknown, unknown> {
  if (!(target instanceof Map)) throw new Error('SETITEM(S) on a non-dict');
  return target;
}

function listOf(target: unknown): unknown[] {
  if (!Array.isArray(target)) throw new Error('APPEND(S) on a non-list');
  return target;
}

function setItems(m: Machine, items: unknown[]): void {
  const dict = dictOf(m.top());
  if (items.length % 2) throw new Error('odd number of dict items');
  for (let i = 0; i < items.length; i += 2) dict.set(items[i], items[i + 1]);
}

const code = (c: string) => c.charCodeAt(0);

/** Handlers by opcode byte; the names are pickletools'. */
const OPCODES: Record<number, (m: Machine) => void> = {
  0x80: (m) => m.u8(), // PROTO
  0x95: (m) => m.u64(), // FRAME: framing is transparent here
  [code('(')]: (m) => m.mark(), // MARK
  [code('N')]: (m) => m.push(null), // NONE
  0x88: (m) => m.push(true), // NEWTRUE
  0x89: (m) => m.push(false), // NEWFALSE
  [code('K')]: (m) => m.push(m.u8()), // BININT1
  [code('M')]: (m) => m.push(m.u16()), // BININT2
  [code('J')]: (m) => m.push(m.i32()), // BININT
  0x8a: (m) => m.push(m.long(m.u8())), // LONG1
  0x8b: (m) => m.push(m.long(m.i32())), // LONG4
  [code('G')]: (m) => m.push(m.f64be()), // BINFLOAT
  [code('X')]: (m) => m.push(m.utf8(m.u32())), // BINUNICODE
  0x8c: (m) => m.push(m.utf8(m.u8())), // SHORT_BINUNICODE
  0x8d: (m) => m.push(m.utf8(m.u64())), // BINUNICODE8
  [code('T')]: (m) => m.push(m.latin1(m.u32())), // BINSTRING
  [code('U')]: (m) => m.push(m.latin1(m.u8())), // SHORT_BINSTRING
  [code('B')]: (m) => m.push(m.raw(m.u32())), // BINBYTES
  [code('C')]: (m) => m.push(m.raw(m.u8())), // SHORT_BINBYTES
  [code(')')]: (m) => m.push([]), // EMPTY_TUPLE
  [code('t')]: (m) => m.push(m.popMark()), // TUPLE
  0x85: (m) => m.push([m.pop()]), // TUPLE1
  0x86: (m) => {
    const b = m.pop();
    m.push([m.pop(), b]); // TUPLE2
  },
  0x87: (m) => {
    const c = m.pop();
    const b = m.pop();
    m.push([m.pop(), b, c]); // TUPLE3
  },
  [code(']')]: (m) => m.push([]), // EMPTY_LIST
  [code('l')]: (m) => m.push(m.popMark()), // LIST
  [code('a')]: (m) => {
    const x = m.pop();
    listOf(m.top()).push(x); // APPEND
  },
  [code('e')]: (m) => {
    const items = m.popMark();
    listOf(m.top()).push(...items); // APPENDS
  },
  [code('}')]: (m) => m.push(new Map()), // EMPTY_DICT
  [code('d')]: (m) => {
    const items = m.popMark();
    m.push(new Map());
    setItems(m, items); // DICT
  },
  [code('s')]: (m) => {
    const value = m.pop();
    const key = m.pop();
    dictOf(m.top()).set(key, value); // SETITEM
  },
  [code('u')]: (m) => setItems(m, m.popMark()), // SETITEMS
  [code('q')]: (m) => m.put(m.u8()), // BINPUT
  [code('r')]: (m) => m.put(m.u32()), // LONG_BINPUT
  0x94: (m) => m.memoize(), // MEMOIZE
  [code('h')]: (m) => m.get(m.u8()), // BINGET
  [code('j')]: (m) => m.get(m.u32()), // LONG_BINGET
  [code('c')]: (m) => m.global(m.line(), m.line()), // GLOBAL
  0x93: (m) => {
    const name = m.pop();
    const module = m.pop();
    if (typeof module !== 'string' || typeof name !== 'string') {
      throw new Error('STACK_GLOBAL needs two strings');
    }
    m.global(module, name); // STACK_GLOBAL
  },
  [code('R')]: (m) => {
    const args = m.pop();
    m.call(m.pop(), args); // REDUCE
  },
  0x81: (m) => {
    const args = m.pop();
    m.call(m.pop(), args); // NEWOBJ
  },
  [code('b')]: (m) => m.build(m.pop(), m.top()), // BUILD
  [code('Q')]: (m) => m.persistent(m.pop()), // BINPERSID
};
