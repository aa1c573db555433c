/**
 * Test helper, not exported from the package: CIFAR-10 binary batches
 * with known content, written record by record from the format's spec.
 */
import { CIFAR10_RECORD_BYTES } from '../cifar10';

const PLANE = 1024;

/** Record i: label (i+3) mod 10, byte of channel c at pixel p. */
export function byteOf(i: number, c: number, p: number): number {
  return (i * 97 + c * 41 + p * 7) % 256;
}

/** A batch file in the binary format with `n` records, first one `from`. */
export function fakeBatch(n: number, from = 0): Uint8Array {
  const bytes = new Uint8Array(n * CIFAR10_RECORD_BYTES);
  for (let j = 0; j < n; j++) {
    const i = from + j;
    const rec = bytes.subarray(j * CIFAR10_RECORD_BYTES);
    rec[0] = (i + 3) % 10;
    for (let c = 0; c < 3; c++) {
      for (let p = 0; p < PLANE; p++) rec[1 + c * PLANE + p] = byteOf(i, c, p);
    }
  }
  return bytes;
}
