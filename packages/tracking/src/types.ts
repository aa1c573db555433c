// The tracking store interface and its entities. The local file store,
// the REST store and the fallback store over both implement the same
// interface, so a caller cannot tell which one it holds. Names follow
// MLflow's REST API, in camelCase.

/** MLflow's `RunStatus` enum (service.proto); the file store keeps ints. */
export const RUN_STATUSES = [
  'RUNNING',
  'SCHEDULED',
  'FINISHED',
  'FAILED',
  'KILLED',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export type LifecycleStage = 'active' | 'deleted';

/** Which runs a search returns, by lifecycle stage. */
export type RunViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';

export interface Experiment {
  experimentId: string;
  name: string;
  /** Absolute URI, e.g. `file:///abs/mlruns/<id>`. */
  artifactLocation: string;
  lifecycleStage: LifecycleStage;
  /** Milliseconds since the epoch; null when the store did not record it. */
  creationTime: number | null;
  lastUpdateTime: number | null;
  tags: Record<string, string>;
}

export interface RunInfo {
  /** 32 hex chars (uuid4) for runs this package creates. */
  runId: string;
  experimentId: string;
  runName: string;
  userId: string;
  status: RunStatus;
  /** Milliseconds since the epoch. */
  startTime: number;
  endTime: number | null;
  artifactUri: string;
  lifecycleStage: LifecycleStage;
}

export interface RunData {
  /** Latest value per key: the largest (step, timestamp, value). */
  metrics: Record<string, number>;
  params: Record<string, string>;
  tags: Record<string, string>;
}

export interface Run {
  info: RunInfo;
  data: RunData;
}

export interface Metric {
  key: string;
  /** Any number, NaN and ±Infinity included. */
  value: number;
  /** Milliseconds since the epoch, an integer. */
  timestamp: number;
  /** An integer; 0 when the run has no notion of step. */
  step: number;
}

export interface KeyValue {
  key: string;
  value: string;
}

export interface LogBatchRequest {
  metrics?: Metric[];
  params?: KeyValue[];
  tags?: KeyValue[];
}

export interface CreateRunRequest {
  experimentId: string;
  /** Default: the `mlflow.runName` tag if given, else a generated name. */
  runName?: string;
  tags?: Record<string, string>;
  /** Milliseconds since the epoch; default now. */
  startTime?: number;
  /** Default: the OS user name; also written as the `mlflow.user` tag. */
  userId?: string;
}

export interface UpdateRunRequest {
  status?: RunStatus;
  endTime?: number;
  runName?: string;
}

/**
 * Equality filter of a run search: every listed tag and param must hold
 * exactly the given value, and the run must have the given status.
 */
export interface RunFilter {
  tags?: Record<string, string>;
  params?: Record<string, string>;
  status?: RunStatus;
}

export interface SearchRunsRequest {
  experimentIds: string[];
  filter?: RunFilter;
  /** Default 'ACTIVE_ONLY'. */
  runViewType?: RunViewType;
  /** Default 1000, at most 50000 (MLflow's limits). */
  maxResults?: number;
  /** The `nextPageToken` of the previous page. */
  pageToken?: string;
}

/** Newest first (start time descending, then run id ascending). */
export interface SearchRunsResult {
  runs: Run[];
  /** Absent on the last page. */
  nextPageToken?: string;
}

export interface ArtifactEntry {
  /** Relative to the run's artifact root, `/`-separated. */
  path: string;
  isDir: boolean;
  /** Bytes; absent for folders. */
  fileSize?: number;
}

/** What every tracking backend offers the runner. */
export interface TrackingStore {
  /**
   * The active experiment of that name, created with `tags` if missing
   * (an existing experiment's tags are left as they are). An experiment of
   * that name that was deleted is an error.
   */
  getOrCreateExperiment(
    name: string,
    tags?: Record<string, string>,
  ): Promise<Experiment>;
  /** Active or deleted; a missing id is an error. */
  getExperiment(experimentId: string): Promise<Experiment>;
  /** Active or deleted; null when no experiment has that name. */
  getExperimentByName(name: string): Promise<Experiment | null>;
  setExperimentTag(
    experimentId: string,
    key: string,
    value: string,
  ): Promise<void>;
  deleteExperiment(experimentId: string): Promise<void>;

  createRun(request: CreateRunRequest): Promise<RunInfo>;
  getRun(runId: string): Promise<Run>;
  searchRuns(request: SearchRunsRequest): Promise<SearchRunsResult>;
  updateRun(runId: string, update: UpdateRunRequest): Promise<RunInfo>;
  deleteRun(runId: string): Promise<void>;

  /**
   * At most 1000 metrics, 100 params, 100 tags, 1000 items in all. The
   * whole batch is validated before anything is written.
   */
  logBatch(runId: string, batch: LogBatchRequest): Promise<void>;
  setTag(runId: string, key: string, value: string): Promise<void>;
  /** Every logged value of one metric, in logging order. */
  getMetricHistory(runId: string, key: string): Promise<Metric[]>;

  /** Copies a file to `<artifactPath>/<basename>` in the run's artifacts. */
  logArtifact(
    runId: string,
    localPath: string,
    artifactPath?: string,
  ): Promise<void>;
  logArtifactBytes(
    runId: string,
    relPath: string,
    bytes: Uint8Array,
  ): Promise<void>;
  /** The entries directly under `path` (default: the artifact root). */
  listArtifacts(runId: string, path?: string): Promise<ArtifactEntry[]>;
  readArtifact(runId: string, relPath: string): Promise<Uint8Array>;
  /** Copies a file or folder to `destDir/<basename>`; returns that path. */
  downloadArtifact(
    runId: string,
    relPath: string,
    destDir: string,
  ): Promise<string>;
}
