import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { paramCount } from '@acsm/models';
import { MODEL_PRESETS } from './models';

test('models: every paper network has the count of PAPER.md §7', () => {
  for (const [name, preset] of Object.entries(MODEL_PRESETS)) {
    const count = paramCount(preset.build());
    assert.ok(count > 0, name);
    if (preset.paper) {
      const millions = (count / 1e6).toFixed(2);
      assert.equal(`${millions} M`, preset.paper, name);
    }
  }
});

test('acsm models summary prints layers, shapes and the count', () => {
  const root = join(import.meta.dirname, '..', '..', '..', '..');
  const run = (args: string[]) =>
    spawnSync(process.execPath, ['bin/acsm.mjs', 'models', ...args], {
      cwd: root,
      encoding: 'utf8',
    });
  const ok = run(['summary', 'ncsnv2-cifar10']);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(
    ok.stdout,
    /^begin_conv +3584 +weight \[3, 3, 3, 128\], bias \[128\]$/m,
  );
  assert.match(
    ok.stdout,
    /^total: 29,694,083 parameters, 0 buffer values\nPAPER\.md §7 gives 29\.69 M$/m,
  );
  const u = run(['summary', 'unet-cifar10']);
  assert.equal(u.status, 0, u.stderr);
  assert.match(
    u.stdout,
    /^downblocks\.5\.Q +65792 +weights \[256, 256\], bias \[256\]$/m,
  );
  assert.match(
    u.stdout,
    /^total: 32,856,707 parameters, 0 buffer values\nPAPER\.md §7 gives 32\.86 M$/m,
  );
  assert.equal(u.stdout.match(/32,856,707/g)?.length, 1, 'total once');
  const none = run([]);
  assert.equal(none.status, 2);
  assert.equal(
    none.stderr.trim(),
    'acsm: name a models command: list, summary',
  );
  const bad = run(['summary', 'resnet']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown model 'resnet'; known: ncsnv2-cifar10, /);
});
