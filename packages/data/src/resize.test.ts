import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  bilinearWeights,
  centerCrop,
  resizeBilinear,
  resizeCenterCrop,
  roundHalfEven,
  shorterSideSize,
  type RgbImage,
} from './resize';
import { pythonLacks, runPython } from './testing/python';

/** [width, height] in → [width, height] out, for PIL's resize. */
const CASES: [number, number, number, number][] = [
  [7, 5, 64, 64], // upscale
  [341, 256, 85, 64], // downscale, LSUN-like landscape
  [256, 341, 64, 85], // portrait
  [500, 333, 64, 64], // non-uniform downscale
  [33, 97, 13, 50], // down in x, up in y
  [100, 64, 64, 64], // one side kept: a single pass
  [64, 64, 64, 64], // identity
  [1, 3, 64, 64], // tiny
];

// For each case: a fixed random image (seed 3), PIL's resize BILINEAR of
// it, and torchvision's Resize(64) + CenterCrop(64) (or the same restated
// with PIL when torchvision is absent), each as raw RGB bytes.
const REFERENCE = String.raw`
import json, sys, numpy as np
from PIL import Image
try:
    import torchvision.transforms as T
    crop = T.Compose([T.Resize(64), T.CenterCrop(64)])
except ImportError:
    def crop(im):
        w, h = im.size
        nw, nh = (64, int(64 * h / w)) if w <= h else (int(64 * w / h), 64)
        im = im.resize((nw, nh), Image.BILINEAR)
        t, l = int(round((nh - 64) / 2.0)), int(round((nw - 64) / 2.0))
        return im.crop((l, t, l + 64, t + 64))
rng = np.random.default_rng(3)
with open(sys.argv[1], 'wb') as f:
    for w, h, ow, oh in json.loads(sys.argv[2]):
        a = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
        im = Image.fromarray(a)
        for x in (a, im.resize((ow, oh), Image.BILINEAR), crop(im)):
            f.write(np.asarray(x, dtype=np.uint8).tobytes())
`;

function maxAbs(a: Uint8Array, b: Uint8Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test(
  'resizeBilinear and resizeCenterCrop equal PIL (and torchvision)',
  { skip: pythonLacks(['PIL', 'numpy']) },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'acsm-resize-'));
    try {
      const file = join(dir, 'ref.bin');
      runPython(REFERENCE, [file, JSON.stringify(CASES)]);
      const bytes = new Uint8Array(readFileSync(file));
      let at = 0;
      const take = (n: number) => bytes.subarray(at, (at += n));
      for (const [w, h, ow, oh] of CASES) {
        const image = { width: w, height: h, data: take(w * h * 3) };
        const pil = take(ow * oh * 3);
        const cropped = take(64 * 64 * 3);
        const ours = resizeBilinear(image, ow, oh);
        assert.deepEqual([ours.width, ours.height], [ow, oh]);
        // measured: 0 on every case (required: at most 1 gray level)
        assert.equal(maxAbs(ours.data, pil), 0, `${w}×${h} → ${ow}×${oh}`);
        const crop = resizeCenterCrop(image, 64).data;
        assert.equal(maxAbs(crop, cropped), 0, `${w}×${h} crop`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('bilinearWeights: 4 → 2 widens the triangle to support 2', () => {
  // centre 1.0: taps at 0.5, 1.5, 2.5 weigh 0.75, 0.75, 0.25 → /1.75
  const { first, count, weights, taps } = bilinearWeights(4, 2);
  assert.deepEqual([...first], [0, 1]);
  assert.deepEqual([...count], [3, 3]);
  const one = 2 ** 22;
  const expected = [3 / 7, 3 / 7, 1 / 7].map((v) => Math.round(v * one));
  assert.deepEqual([...weights.subarray(0, 3)], expected);
  assert.deepEqual([...weights.subarray(taps, taps + 3)], expected.reverse());
});

test('resizeBilinear: known small answers', () => {
  const rgb = (w: number, h: number, v: number[]): RgbImage => ({
    width: w,
    height: h,
    data: new Uint8Array(v),
  });
  // 2 → 1 averages, and 11.5 rounds half up to 12
  const half = resizeBilinear(rgb(2, 1, [10, 0, 255, 13, 1, 254]), 1, 1);
  assert.deepEqual([...half.data], [12, 1, 255]);
  // 1 → 3 replicates (upscale of a constant row)
  const up = resizeBilinear(rgb(1, 1, [9, 8, 7]), 3, 1);
  assert.deepEqual([...up.data], [9, 8, 7, 9, 8, 7, 9, 8, 7]);
  // same size: an equal copy
  const same = rgb(1, 2, [1, 2, 3, 4, 5, 6]);
  const copy = resizeBilinear(same, 1, 2);
  assert.deepEqual(copy, same);
  assert.notEqual(copy.data, same.data);
  assert.throws(
    () => resizeBilinear(rgb(2, 2, [1, 2, 3]), 1, 1),
    /2×2 RGB needs 12 bytes, got 3/,
  );
  assert.throws(() => resizeBilinear(same, 0, 1), /width must be an integer/);
});

test('shorterSideSize: torchvision Resize(int) truncates the long side', () => {
  assert.deepEqual(shorterSideSize(341, 256, 64), { width: 85, height: 64 });
  assert.deepEqual(shorterSideSize(256, 383, 64), { width: 64, height: 95 });
  assert.deepEqual(shorterSideSize(40, 50, 64), { width: 64, height: 80 });
  assert.deepEqual(shorterSideSize(70, 70, 64), { width: 64, height: 64 });
});

test('roundHalfEven and centerCrop follow Python round()', () => {
  assert.deepEqual(
    [0.5, 1.5, 2.5, 10.5, 11.5, 2.4, 2.6].map(roundHalfEven),
    [0, 2, 2, 10, 12, 2, 3],
  );
  // 5 wide, crop 2: left = round(1.5) = 2; 4 high: top = round(1) = 1
  const data = Uint8Array.from({ length: 5 * 4 * 3 }, (_, i) => i);
  const out = centerCrop({ width: 5, height: 4, data }, 2);
  const px = (x: number, y: number) =>
    [0, 1, 2].map((c) => (y * 5 + x) * 3 + c);
  assert.deepEqual(
    [...out.data],
    [...px(2, 1), ...px(3, 1), ...px(2, 2), ...px(3, 2)],
  );
  // 4 wide, crop 1: left = round(1.5) = 2; 3 high: top = round(1) = 1
  const odd = centerCrop(
    { width: 4, height: 3, data: data.subarray(0, 36) },
    1,
  );
  assert.deepEqual([...odd.data], [18, 19, 20]);
  assert.throws(
    () => centerCrop({ width: 4, height: 3, data: data.subarray(0, 36) }, 4),
    /image 4×3 is smaller than the crop 4×4/,
  );
});
