// The IDX format of MNIST-style files (optionally gzipped): a magic of
// two zero bytes, a type byte (0x08 = unsigned byte), the number of
// dimensions, each dimension as a big-endian uint32, then the data.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

/** A decoded IDX file of unsigned bytes. */
export interface IdxArray {
  readonly dims: number[];
  readonly data: Uint8Array;
  /** sha256 (hex) of the decompressed file. */
  readonly sha256: string;
}

const UNSIGNED_BYTE = 0x08;

/** Decodes IDX bytes; `file` names the source in every error. */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  const fail = (what: string) => {
    throw new Error(`${file}: ${what}`);
  };
  if (bytes.length < 4)
    fail(`${bytes.length} bytes, too short for an IDX header`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    fail(`not an IDX file (magic ${bytes[0]}, ${bytes[1]}; expected 0, 0)`);
  }
  if (bytes[2] !== UNSIGNED_BYTE) {
    fail(
      `IDX type 0x${bytes[2].toString(16)}, only unsigned bytes (0x08) are read`,
    );
  }
  const rank = bytes[3];
  const header = 4 + 4 * rank;
  if (rank === 0 || bytes.length < header) {
    fail(`truncated IDX header (${rank} dimensions, ${bytes.length} bytes)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: rank }, (_, i) =>
    view.getUint32(4 + 4 * i),
  );
  const size = dims.reduce((a, b) => a * b, 1);
  if (bytes.length !== header + size) {
    fail(
      `${bytes.length - header} data bytes for dimensions [${dims}] ` +
        `(${size} expected): ${bytes.length < header + size ? 'truncated' : 'trailing bytes'}`,
    );
  }
  return {
    dims,
    data: bytes.slice(header),
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
}

/** Decodes the bytes of an IDX file as stored, gunzipping a `.gz` path. */
export function decodeIdxFile(stored: Uint8Array, path: string): IdxArray {
  let bytes = stored;
  if (path.endsWith('.gz')) {
    try {
      bytes = gunzipSync(stored);
    } catch (error) {
      throw new Error(
        `${path}: not a valid gzip file (${(error as Error).message})`,
      );
    }
  }
  return parseIdx(bytes, path);
}

/** Reads an IDX file, gunzipping it when its name ends in .gz. */
export function readIdxFile(path: string): IdxArray {
  return decodeIdxFile(readFileSync(path), path);
}
