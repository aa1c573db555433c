import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LockHolder, withEntryLock } from './classifier-cache';

const folder = () => mkdtempSync(join(tmpdir(), 'acsm-lock-'));
const tick = () => new Promise((r) => setTimeout(r, 20));

test('withEntryLock: a second caller waits until the first is done', async () => {
  const dir = folder();
  const events: string[] = [];
  let waitedFor: LockHolder | undefined;
  const first = withEntryLock(dir, 'h', async () => {
    events.push('first start');
    await tick();
    await tick();
    events.push('first end');
    return 1;
  });
  const second = withEntryLock(
    dir,
    'h',
    async () => {
      events.push('second start');
      return 2;
    },
    { pollSeconds: 0.01, onWait: (h) => (waitedFor = h) },
  );
  assert.deepEqual(await Promise.all([first, second]), [1, 2]);
  assert.deepEqual(events, ['first start', 'first end', 'second start']);
  assert.equal(waitedFor?.pid, process.pid);
  assert.equal(waitedFor?.host, hostname());
  assert.equal(existsSync(join(dir, 'h.lock')), false);
  rmSync(dir, { recursive: true });
});

test('withEntryLock: a lock left by a dead process is taken over', async () => {
  const dir = folder();
  const child = spawnSync(process.execPath, ['-e', '']);
  const dead = { pid: child.pid, host: hostname(), since: 'then' };
  writeFileSync(join(dir, 'h.lock'), JSON.stringify(dead));
  let waited = false;
  const value = await withEntryLock(
    dir,
    'h',
    async () => JSON.parse(readFileSync(join(dir, 'h.lock'), 'utf8')).pid,
    { pollSeconds: 0.01, onWait: () => (waited = true) },
  );
  assert.equal(value, process.pid);
  assert.equal(waited, false);
  rmSync(dir, { recursive: true });
});

test('withEntryLock: a live holder on another host is waited for; abort stops the wait', async () => {
  const dir = folder();
  const other = { pid: 1, host: `not-${hostname()}`, since: 'now' };
  writeFileSync(join(dir, 'h.lock'), JSON.stringify(other));
  const controller = new AbortController();
  let ran = false;
  const waiting = withEntryLock(
    dir,
    'h',
    async () => {
      ran = true;
    },
    {
      pollSeconds: 0.01,
      signal: controller.signal,
      onWait: () => setTimeout(() => controller.abort(new Error('stop')), 30),
    },
  );
  await assert.rejects(waiting, /stop/);
  assert.equal(ran, false);
  assert.equal(
    existsSync(join(dir, 'h.lock')),
    true,
    "the holder's lock stays",
  );
  rmSync(dir, { recursive: true });
});

test('withEntryLock: the lock is released when the work throws', async () => {
  const dir = folder();
  await assert.rejects(
    withEntryLock(dir, 'h', async () => {
      throw new Error('broken');
    }),
    /broken/,
  );
  assert.equal(existsSync(join(dir, 'h.lock')), false);
  rmSync(dir, { recursive: true });
});
