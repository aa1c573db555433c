import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-cpu';
import './grads.cjs';
import { registerWasmTrainingKernels } from '@acsm/core';
import { loadMnist } from '@acsm/data';
import { trainOrLoadMnistClassifier, referenceStats, fidFromFeatures, extractFeatures } from '@acsm/eval';

const backend = process.argv[2] ?? 'wasm';
const steps = Number(process.argv[3] ?? 3000);
await tf.setBackend(backend);
if (backend === 'wasm') registerWasmTrainingKernels();
const train = loadMnist('train');
const test = loadMnist('test');
const t0 = performance.now();
const clf = await trainOrLoadMnistClassifier({
  train, test, seed: 0, cacheDir: '.scratch-eval/cache', config: { steps },
  onProgress: (p) => console.log(`step ${p.step}/${p.steps} loss ${p.loss.toFixed(4)} t=${((performance.now() - t0) / 1000).toFixed(1)}s`),
});
console.log('fromCache', clf.fromCache, 'testAccuracy', clf.testAccuracy, 'trainSeconds', clf.trainSeconds.toFixed(1), 'call s', ((performance.now() - t0) / 1000).toFixed(2), 'hash', clf.hash);
const t1 = performance.now();
const ref = referenceStats(clf, train);
const fTest = extractFeatures(clf, test);
const fid = fidFromFeatures(fTest, ref);
console.log('FID test vs train', fid, 'seconds', ((performance.now() - t1) / 1000).toFixed(2));
console.log('tensors', tf.memory().numTensors);
