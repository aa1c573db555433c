import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PickleGlobal, unpickle } from './unpickle';

const bytes = (...parts: (number | string)[]) =>
  new Uint8Array(
    parts.flatMap((p) => (typeof p === 'string' ? [...Buffer.from(p)] : [p])),
  );

test('unpickle: numbers, strings, containers and the memo', () => {
  // pickle.dumps({'a': (1, -2, 300, 2.5, None, True), 'b': [x, x]}, 2)
  // with x = 'hi' memoised and fetched back.
  // prettier-ignore
  const p = bytes(
    0x80, 2, '}', 'q', 0, '(', // PROTO 2, EMPTY_DICT, BINPUT 0, MARK
    'X', 1, 0, 0, 0, 'a', '(', // BINUNICODE 'a', MARK
    'K', 1, // BININT1 1
    'J', 0xfe, 0xff, 0xff, 0xff, // BININT -2
    'M', 0x2c, 0x01, // BININT2 300
    'G', 0x40, 0x04, 0, 0, 0, 0, 0, 0, 'N', 0x88, 't', // 2.5, None, True
    'X', 1, 0, 0, 0, 'b', // BINUNICODE 'b'
    ']', '(', 0x8c, 2, 'hi', 'q', 1, 'h', 1, 'e', // [x, x] via the memo
    'u', '.', // SETITEMS, STOP
  );
  const { value, end } = unpickle(p, { globals: {} });
  assert.equal(end, p.length);
  assert.deepEqual(
    value,
    new Map<string, unknown>([
      ['a', [1, -2, 300, 2.5, null, true]],
      ['b', ['hi', 'hi']],
    ]),
  );
});

test('unpickle: LONG1 beyond 2^53 is a bigint, small ones numbers', () => {
  // 0x1950a86a20f9469cfc6c, torch's legacy magic number (10 bytes)
  const magic = [0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];
  const big = unpickle(bytes(0x80, 2, 0x8a, 10, ...magic, '.'), {
    globals: {},
  });
  assert.equal(big.value, 0x1950a86a20f9469cfc6cn);
  const neg = unpickle(bytes(0x8a, 2, 0x00, 0xff, '.'), { globals: {} });
  assert.equal(neg.value, -256);
});

test('unpickle: allowed globals are called, others refused', () => {
  const call = bytes(0x80, 2, 'cm\nf\n', 'K', 3, 0x85, 'R', '.');
  const seen: unknown[][] = [];
  const { value } = unpickle(call, {
    globals: { 'm.f': (args) => (seen.push(args), 'made') },
  });
  assert.equal(value, 'made');
  assert.deepEqual(seen, [[3]]);
  assert.throws(
    () => unpickle(call, { globals: { 'm.g': null } }),
    /opcode 0x63 at byte 2: global 'm\.f' is not allowed \(allowed: m\.g\)/,
  );
  assert.throws(
    () => unpickle(call, { globals: { 'm.f': null } }),
    /global 'm\.f' is not callable/,
  );
  const asValue = unpickle(bytes('cm\nf\n', '.'), { globals: { 'm.f': null } });
  assert.ok(asValue.value instanceof PickleGlobal);
});

test('unpickle: persistent ids go to persistentLoad', () => {
  const p = bytes('(', 'X', 1, 0, 0, 0, 'k', 'K', 9, 't', 'Q', '.');
  const { value } = unpickle(p, {
    globals: {},
    persistentLoad: (pid) => ({ pid }),
  });
  assert.deepEqual(value, { pid: ['k', 9] });
  assert.throws(() => unpickle(p, { globals: {} }), /without a persistentLoad/);
});

test('unpickle: truncation and unknown opcodes fail with the offset', () => {
  assert.throws(
    () => unpickle(bytes(0x80, 2, 'X', 9, 0, 0, 0, 'ab'), { globals: {} }),
    /opcode 0x58 at byte 2: pickle truncated: needs 9 bytes at 7, has 2/,
  );
  assert.throws(
    () => unpickle(bytes(0x80, 2, 'i'), { globals: {} }),
    /opcode 0x69 at byte 2: unsupported or unknown opcode/,
  );
  assert.throws(() => unpickle(bytes('.'), { globals: {} }), /underflow/);
});

test('unpickle: starts at an offset and reports where it stopped', () => {
  const two = bytes('K', 1, '.', 'K', 2, '.');
  const first = unpickle(two, { globals: {} });
  const second = unpickle(two, { globals: {}, start: first.end });
  assert.deepEqual([first.value, second.value, second.end], [1, 2, 6]);
});
