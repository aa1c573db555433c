// Shared set-up of the REST, fallback and sync tests: a contract server
// per test, temporary folders, and retry settings small enough that a
// test of the retry paths takes milliseconds.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { RetryOptions } from '../http-retry';
import { RestStore } from '../rest-store';
import type { RestStoreOptions } from '../rest-store';
import { ContractServer } from './contract-server';
import type { ContractServerOptions } from './contract-server';

export const FAST_RETRY: RetryOptions = {
  maxRetries: 4,
  backoffFactorMs: 5,
  backoffJitterMs: 5,
  maxBackoffMs: 50,
  timeoutMs: 2000,
  deadlineMs: 3000,
};

export async function startServer(
  t: TestContext,
  options: ContractServerOptions = {},
): Promise<ContractServer> {
  const server = await ContractServer.start(options);
  t.after(() => server.stop());
  return server;
}

export function restStore(
  server: ContractServer,
  options: RestStoreOptions = {},
): RestStore {
  return new RestStore(server.uri, {
    proxy: false,
    ...options,
    retry: { ...FAST_RETRY, ...options.retry },
  });
}

export function tempDir(t: TestContext, prefix = 'acsm-rest-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export const bytes = (text: string) => new TextEncoder().encode(text);
export const text = (data: Uint8Array) => new TextDecoder().decode(data);
