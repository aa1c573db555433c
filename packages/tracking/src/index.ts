// @acsm/tracking: MLflow tracking for the runner. A TrackingStore (the
// local file store, or MLflow's REST API with a local fallback) and an
// explicit run handle that batches what a run logs.

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
export {
  ServerUnavailableError,
  TrackingError,
  isServerUnavailable,
} from './errors';
export type { TrackingErrorCode } from './errors';
export { LIMITS, validateKey } from './validation';
export type { KeyKind } from './validation';
export { FileStore } from './file-store';
export { openRestStore, openStore } from './open-store';
export type { OpenStoreOptions } from './open-store';
export { RestStore } from './rest-store';
export type { RestStoreOptions } from './rest-store';
export type { RestAuth, RestClientOptions } from './rest-client';
export type { RetryOptions } from './http-retry';
export { DEFAULT_RETRY } from './http-retry';
export { FallbackStore, TAG_CONTINUED_OFFLINE } from './fallback-store';
export type { FallbackStoreOptions } from './fallback-store';
export { TAG_ORIGIN_RUN_ID, syncToServer } from './sync';
export type { SyncOptions, SyncProblem, SyncReport, SyncedRun } from './sync';
export { flattenParams } from './flatten';
export { splitBatches } from './batch';
export { RunHandle, resumeRun, startRun, withRun } from './run-handle';
export type { RunHandleOptions, StartRunOptions } from './run-handle';
export { endOpenRuns, openRunIds } from './open-runs';
