import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeRgb } from './decode';
import { pythonLacks, runPython } from './testing/python';

// Encodes one noisy 67×45 picture in each mode and format below with PIL,
// and writes next to each file PIL's Image.open(f).convert('RGB') bytes.
const FORMATS: [string, string][] = [
  ['RGB', 'webp'],
  ['RGB', 'jpg'],
  ['RGB', 'png'],
  ['L', 'jpg'],
  ['L', 'png'],
  ['RGBA', 'png'],
  ['RGBA', 'webp'],
  ['LA', 'png'],
  ['P', 'png'],
];

const WRITE = String.raw`
import json, os, sys, numpy as np
from PIL import Image
out = sys.argv[1]
r = np.random.default_rng(5)
y, x = np.mgrid[0:45, 0:67]
a = np.stack([x * 3.0, y * 5.0, 100 + 60 * np.sin(x / 5.0)], -1)
a = np.clip(a + r.normal(0, 30, a.shape), 0, 255).astype(np.uint8)
base = Image.fromarray(a)
for mode, ext in json.loads(sys.argv[2]):
    im = base.convert(mode)
    if mode in ('RGBA', 'LA'):
        alpha = r.integers(0, 256, (45, 67), dtype=np.uint8)
        im.putalpha(Image.fromarray(alpha))
    path = os.path.join(out, '%s.%s' % (mode, ext))
    im.save(path, quality=85) if ext != 'png' else im.save(path)
    rgb = np.asarray(Image.open(path).convert('RGB'))
    rgb.tofile(path + '.rgb')
`;

test(
  'decodeRgb equals PIL convert("RGB") for WebP, JPEG, PNG in each mode',
  { skip: pythonLacks(['PIL', 'numpy']) },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'acsm-decode-'));
    try {
      runPython(WRITE, [dir, JSON.stringify(FORMATS)]);
      for (const [mode, ext] of FORMATS) {
        const path = join(dir, `${mode}.${ext}`);
        const image = await decodeRgb(readFileSync(path), path);
        assert.deepEqual([image.width, image.height], [67, 45]);
        const pil = new Uint8Array(readFileSync(`${path}.rgb`));
        assert.deepEqual(image.data, pil, `${mode} ${ext}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('decodeRgb: garbage and truncated bytes fail with the label', async () => {
  await assert.rejects(
    decodeRgb(new TextEncoder().encode('not an image'), 'x/key 42'),
    /^Error: x\/key 42: not a decodable image \(12 bytes\): /,
  );
  // a PNG signature and header chunk, cut before any image data
  const png = Uint8Array.from(
    Buffer.from(
      '89504e470d0a1a0a0000000d49484452000000100000001008020000009091683600',
      'hex',
    ),
  );
  await assert.rejects(decodeRgb(png, 'cut.png'), /cut\.png: not a decodable/);
});
