import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { ShardBoard } from './parallel';

/** A stream that records what is written; a terminal when `tty`. */
function recorder(tty: boolean) {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  }) as unknown as NodeJS.WriteStream & { chunks: string[] };
  Object.assign(stream, { isTTY: tty, columns: 60, chunks });
  return stream;
}

test('on a terminal: one live line per shard, redrawn under the output', () => {
  const err = recorder(true);
  const board = new ShardBoard(err, () => 0);
  board.progress('shard 1/2', { fraction: 0.5, text: 'train dsm 5/10' });
  board.progress('shard 2/2', { fraction: 0.1, text: 'train hybrid 1/10' });
  board.line(err, 'shard 1/2', 'a log line');
  board.progress('shard 1/2', { fraction: null, text: 'train dsm done' });
  board.close();
  const out = err.chunks.join('');
  // Each redraw first moves up over the lines drawn before and clears.
  assert.ok(out.includes('\x1b[2A\x1b[J[shard 1/2] a log line\n'), out);
  assert.match(out, /\[shard 1\/2\] \[#{12}\.{12}\] train dsm 5\/10\n/);
  assert.match(out, /\[shard 2\/2\] \[#{2}\.{22}\] train hybrid 1\/10\n/);
  assert.ok(out.includes('[shard 1/2] train dsm done\n'));
  // Finished shard 1: only shard 2's line is left, then close clears it.
  assert.ok(out.endsWith('\x1b[1A\x1b[J'), JSON.stringify(out.slice(-40)));
});

test('not on a terminal: plain progress lines, one per shard per 10 s', () => {
  const err = recorder(false);
  let now = 0;
  const board = new ShardBoard(err, () => now);
  const tick = (label: string, done: number) =>
    board.progress(label, { fraction: done / 10, text: `step ${done}` });
  tick('shard 1/2', 1);
  tick('shard 2/2', 1);
  now = 5;
  tick('shard 1/2', 2);
  now = 10;
  tick('shard 1/2', 3);
  board.progress('shard 2/2', { fraction: null, text: 'done' });
  assert.deepEqual(err.chunks, [
    '[shard 1/2] step 1\n',
    '[shard 2/2] step 1\n',
    '[shard 1/2] step 3\n',
    '[shard 2/2] done\n',
  ]);
  assert.ok(!err.chunks.join('').includes('\x1b'));
});
