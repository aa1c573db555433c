// The full classifier training, run only with ACSM_INTEGRATION=1 (about
// 10 minutes on the wasm backend, once; later runs hit the cache under
// .cache/acsm). Checks the ≥ 98% test accuracy the FID features rely on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '@acsm/core';
import { loadMnist } from '@acsm/data';
import { trainOrLoadMnistClassifier } from './mnist-classifier';

const enabled = process.env.ACSM_INTEGRATION === '1';

test(
  'MNIST classifier reaches >= 98% on the test split',
  { skip: !enabled && 'set ACSM_INTEGRATION=1 to run' },
  async (t) => {
    const backend = await initBackend();
    const classifier = await trainOrLoadMnistClassifier({
      train: loadMnist('train'),
      test: loadMnist('test'),
      seed: 0,
    });
    t.diagnostic(
      `backend ${backend.name}, hash ${classifier.hash}, ` +
        `test accuracy ${classifier.testAccuracy}, ` +
        `trained in ${classifier.trainSeconds.toFixed(0)} s, ` +
        `from cache: ${classifier.fromCache}`,
    );
    assert.ok(classifier.testAccuracy >= 0.98, `${classifier.testAccuracy}`);
    classifier.dispose();
  },
);
