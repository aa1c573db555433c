// @acsm/tracking: MLflow tracking for the runner. A TrackingStore (the
// local file store now, the REST API later) and an explicit run handle
// that batches what a run logs.

export type {
  ArtifactEntry,
  CreateRunRequest,
  Experiment,
  KeyValue,
  LifecycleStage,
  LogBatchRequest,
  Metric,
  Run,
  RunData,
  RunFilter,
  RunInfo,
  RunStatus,
  RunViewType,
  SearchRunsRequest,
  SearchRunsResult,
  TrackingStore,
  UpdateRunRequest,
} from './types';
export { RUN_STATUSES } from './types';
export { TrackingError } from './errors';
export type { TrackingErrorCode } from './errors';
export { LIMITS, validateKey } from './validation';
export type { KeyKind } from './validation';
export { FileStore } from './file-store';
export { openStore } from './open-store';
export { flattenParams } from './flatten';
export { splitBatches } from './batch';
export { RunHandle, resumeRun, startRun, withRun } from './run-handle';
export type { RunHandleOptions, StartRunOptions } from './run-handle';
export { endOpenRuns, openRunIds } from './open-runs';
