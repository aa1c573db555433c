import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createProgress, formatDuration } from './progress';

/** A non-TTY stream that keeps what is written. */
function captured() {
  const lines: string[] = [];
  const stream = {
    isTTY: false,
    write: (text: string) => lines.push(text.trimEnd()),
  } as unknown as NodeJS.WriteStream;
  return { lines, stream };
}

test('progress: no ETA until a rate is measured, then the rate’s', () => {
  const { lines, stream } = captured();
  let t = 100;
  const progress = createProgress('train', 100, {
    stream,
    plainEverySeconds: 0,
    now: () => t,
  });
  progress.tick(10); // the first tick (a resumed run): no rate yet
  t += 20;
  progress.tick(20); // 10 steps in 20 s: 80 left take 160 s
  assert.deepEqual(lines, [
    'train 10/100 10% 0:00 elapsed',
    'train 20/100 20% 0:20 elapsed, ETA 2:40',
  ]);
});

test('formatDuration: m:ss, h:mm:ss, ? when unknown', () => {
  assert.equal(formatDuration(65), '1:05');
  assert.equal(formatDuration(3725), '1:02:05');
  assert.equal(formatDuration(NaN), '?');
});
