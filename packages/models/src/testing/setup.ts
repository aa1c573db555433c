// Test setup: the pure-JS cpu backend with the training gradients that
// @acsm/core registers (tfjs-core's, plus dilated conv2d).
import { initBackend } from '@acsm/core';

let ready: Promise<unknown> | null = null;

/** Selects the cpu backend and registers gradients, once per process. */
export async function useCpuBackend(): Promise<void> {
  ready ??= initBackend({ backend: 'cpu' });
  await ready;
}
