// Fetching a published file: streamed to a temporary name beside the
// destination, its MD5 compared with the published one, and renamed into
// place only when both the length and the MD5 are right.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';

export interface DownloadOptions {
  readonly url: string;
  /** Final path; nothing is written there unless the MD5 matches. */
  readonly dest: string;
  /** Published MD5 (hex) of the file. */
  readonly md5: string;
  /** Called after each chunk; `totalBytes` when the server sent it. */
  readonly onProgress?: (bytes: number, totalBytes?: number) => void;
  readonly signal?: AbortSignal;
}

/** MD5 (hex) of a file on disk, streamed. */
export async function fileMd5(path: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(path)) hash.update(chunk);
  return hash.digest('hex');
}

const reason = (error: unknown) => {
  const e = error as Error & { cause?: Error };
  return e.cause ? `${e.message}: ${e.cause.message}` : e.message;
};

async function get(url: string, signal?: AbortSignal): Promise<Response> {
  let response: Response;
  try {
    // identity: the MD5 is of the bytes as published, not re-encoded
    const headers = { 'accept-encoding': 'identity' };
    response = await fetch(url, { headers, signal });
  } catch (error) {
    throw new Error(`download: GET ${url} failed (${reason(error)})`);
  }
  if (!response.ok || !response.body) {
    throw new Error(
      `download: GET ${url} answered ${response.status} ` +
        `${response.statusText}`.trimEnd(),
    );
  }
  return response;
}

/** Streams the body to `tmp`; returns its length and MD5. */
async function save(
  response: Response,
  tmp: string,
  options: DownloadOptions,
): Promise<{ bytes: number; md5: string }> {
  const header = response.headers.get('content-length');
  const total = header === null ? undefined : Number(header);
  const hash = createHash('md5');
  const file = await open(tmp, 'w');
  let bytes = 0;
  try {
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      await file.write(chunk);
      bytes += chunk.length;
      options.onProgress?.(bytes, total);
    }
  } catch (error) {
    throw new Error(
      `download: ${options.url} broke off after ${bytes} bytes ` +
        `(${reason(error)})`,
    );
  } finally {
    await file.close();
  }
  if (total !== undefined && bytes !== total) {
    throw new Error(
      `download: ${options.url} sent ${bytes} of ${total} bytes (truncated)`,
    );
  }
  return { bytes, md5: hash.digest('hex') };
}

/**
 * Downloads `url` to `dest` through `dest`.<pid>.partial, checking the
 * length against Content-Length and the MD5 against `md5`; on any failure
 * the partial file is removed and `dest` is left as it was.
 */
export async function downloadVerified(
  options: DownloadOptions,
): Promise<void> {
  const { url, dest, md5 } = options;
  if (!/^[0-9a-f]{32}$/.test(md5)) {
    throw new Error(`download: md5 must be 32 hex digits, got ${md5}`);
  }
  const tmp = `${dest}.${process.pid}.partial`;
  try {
    const response = await get(url, options.signal);
    const got = await save(response, tmp, options);
    if (got.md5 !== md5) {
      throw new Error(
        `download: ${url} has MD5 ${got.md5} (${got.bytes} bytes), ` +
          `the published MD5 is ${md5}: damaged or not the published file`,
      );
    }
    await rename(tmp, dest);
  } finally {
    await rm(tmp, { force: true });
  }
}
