export { BACKEND_NAMES, type BackendInfo, type BackendName } from './loaders';
export { initBackend, parseBackendName, type BackendOptions } from './select';
export { registerTrainingGradients } from './gradients';
export {
  registerWasmTrainingKernels,
  type WasmTrainingKernel,
} from './wasm-kernels';
export {
  fusedInstanceNormPlus,
  hasFusedInstanceNormPlus,
} from './instance-norm-kernel';
export {
  guardWasmMalloc,
  HEAP_LIMIT,
  HEAP_MARGIN,
  wasmHeapMb,
} from './wasm-guard';
