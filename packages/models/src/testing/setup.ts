// Test setup: the pure-JS cpu backend plus tfjs-core's gradient functions.
//
// NOTE: tfjs-core 4.22's CommonJS bundle, which Node loads, registers no
// gradients (the union package @tensorflow/tfjs does that), so tf.grads
// fails with "gradient function not found". Until @acsm/core registers
// them, tests import each config from tfjs-core's ESM files.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

let ready: Promise<void> | null = null;

/** Selects the cpu backend and registers gradients, once per process. */
export function useCpuBackend(): Promise<void> {
  ready ??= setUp();
  return ready;
}

async function setUp(): Promise<void> {
  await registerGradients();
  await tf.setBackend('cpu');
}

function isGradConfig(value: unknown): value is tf.GradConfig {
  const v = value as Partial<tf.GradConfig> | null;
  return typeof v?.kernelName === 'string' && typeof v.gradFunc === 'function';
}

async function registerGradients(): Promise<void> {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve('@tensorflow/tfjs-core/package.json'));
  const dir = join(root, 'dist', 'gradients');
  // Prod_grad imports the whole ESM package, which Node cannot resolve.
  const files = readdirSync(dir).filter(
    (f) => f.endsWith('_grad.js') && f !== 'Prod_grad.js',
  );
  for (const file of files) {
    const module = await import(pathToFileURL(join(dir, file)).href);
    for (const value of Object.values(module)) {
      if (isGradConfig(value)) tf.registerGradient(value);
    }
  }
}
