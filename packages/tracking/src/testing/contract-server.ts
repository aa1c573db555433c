// A contract-test double of an MLflow tracking server, for the tests of
// the REST store, the offline fallback and sync. It follows MLflow 3.6
// with a SQL backend store and `--serve-artifacts` (shared/MLFLOW.md §1):
// the same routes, `{error_code, message}` error bodies with the same
// codes and statuses, log-batch limits, key rules, immutable params
// (checked for the whole batch before anything is written), metric points
// de-duplicated on (key, timestamp, step, value), silent truncation of
// over-long param and tag values, and `metrics/get-history` returning no
// metrics without `max_results` (pitfall 1). Only the parts of the search
// grammar the REST store sends are understood.
//
// It listens on 127.0.0.1 on an ephemeral port, keeps its state across
// stop() and restart() (a killed and restarted server with a database),
// records every request, and fails on demand: connection resets (before
// or after applying a request), error answers with Retry-After, slow
// answers.

import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Fault =
  /** Destroy the connection before reading the request. */
  | { kind: 'reset'; match?: string; times?: number }
  /** Apply the request, then destroy the connection without answering. */
  | { kind: 'reset-after-apply'; match?: string; times?: number }
  /** Answer with this status and an MLflow error body. */
  | {
      kind: 'status';
      status: number;
      errorCode?: string;
      message?: string;
      /** Seconds, sent as the Retry-After header. */
      retryAfter?: number;
      match?: string;
      times?: number;
    }
  /** Wait this long before handling the request. */
  | { kind: 'delay'; ms: number; match?: string; times?: number };

export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
}

export interface ContractServerOptions {
  /** The Authorization header every request must carry. */
  authorization?: string;
}

interface ExperimentRow {
  experiment_id: string;
  name: string;
  artifact_location: string;
  lifecycle_stage: 'active' | 'deleted';
  creation_time: number;
  last_update_time: number;
  tags: Map<string, string>;
}

interface MetricRow {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

interface RunRow {
  run_id: string;
  experiment_id: string;
  run_name: string;
  user_id: string;
  status: string;
  start_time: number;
  end_time: number | null;
  artifact_uri: string;
  lifecycle_stage: 'active' | 'deleted';
  params: Map<string, string>;
  tags: Map<string, string>;
  metrics: MetricRow[];
  metricIds: Set<string>;
}

/** Everything the server stores; it outlives stop() and restart(). */
export class ServerState {
  readonly experiments = new Map<string, ExperimentRow>();
  readonly runs = new Map<string, RunRow>();
  readonly artifacts = new Map<string, Buffer>();
  /** Values cut to the limits, as MLflow does with a warning only. */
  truncations = 0;
  /** Metric points received again and not stored (SQL de-duplication). */
  duplicatesIgnored = 0;
  private nextExperimentId = 1;

  constructor() {
    this.addExperiment('0', 'Default');
  }

  addExperiment(id: string, name: string): ExperimentRow {
    const now = Date.now();
    const row: ExperimentRow = {
      experiment_id: id,
      name,
      artifact_location: `mlflow-artifacts:/${id}`,
      lifecycle_stage: 'active',
      creation_time: now,
      last_update_time: now,
      tags: new Map(),
    };
    this.experiments.set(id, row);
    return row;
  }

  newExperimentId(): string {
    return String(this.nextExperimentId++);
  }

  /** Every stored point of one metric of one run. */
  history(runId: string, key: string): MetricRow[] {
    return this.runs.get(runId)?.metrics.filter((m) => m.key === key) ?? [];
  }
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const invalid = (m: string) => new ApiError(400, 'INVALID_PARAMETER_VALUE', m);
const missing = (m: string) => new ApiError(404, 'RESOURCE_DOES_NOT_EXIST', m);

const STATUSES = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'];
const KEY = /^[A-Za-z0-9_\-. :/]+$/;
const MAX_BODY = 64 * 1024 * 1024;
const API = '/api/2.0/mlflow/';
const AJAX = '/ajax-api/2.0/mlflow/';
const ARTIFACTS = '/api/2.0/mlflow-artifacts/artifacts';

function checkKey(kind: string, key: unknown): string {
  const ok =
    typeof key === 'string' &&
    key.length > 0 &&
    key.length <= 250 &&
    KEY.test(key) &&
    !key.split('/').some((s) => s === '' || s === '.' || s === '..');
  if (!ok) {
    throw invalid(
      `Invalid value ${JSON.stringify(key)} for parameter '${kind}' ` +
        `supplied: Names may only contain alphanumerics, underscores (_), ` +
        `dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).`,
    );
  }
  return key;
}

/** A metric value as MLflow's protobuf JSON parser reads it. */
function parseValue(value: unknown, field: string): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    if (value === 'NaN') return NaN;
    if (value === 'Infinity') return Infinity;
    if (value === '-Infinity') return -Infinity;
    if (value.trim() !== '' && !Number.isNaN(Number(value)))
      return Number(value);
  }
  if (value === undefined || value === null) {
    throw invalid(`Missing value for required parameter '${field}'.`);
  }
  throw invalid(
    `Invalid value ${JSON.stringify(value)} for parameter '${field}'`,
  );
}

function encodeValue(value: number): number | string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  return value;
}

function clip(value: string, limit: number): string {
  const points = [...value];
  return points.length <= limit ? value : points.slice(0, limit).join('');
}

function truncate(state: ServerState, value: string, limit: number): string {
  const clipped = clip(value, limit);
  if (clipped !== value) state.truncations += 1;
  return clipped;
}

const keyValues = (m: Map<string, string>) =>
  [...m].map(([key, value]) => ({ key, value }));

/** Proto JSON leaves empty repeated fields out. */
function nonEmpty<T>(name: string, items: T[]): Record<string, T[]> {
  return items.length > 0 ? { [name]: items } : {};
}

function experimentJson(e: ExperimentRow) {
  const { tags, ...rest } = e;
  return { ...rest, ...nonEmpty('tags', keyValues(tags)) };
}

function runInfoJson(r: RunRow) {
  return {
    run_id: r.run_id,
    run_uuid: r.run_id,
    run_name: r.run_name,
    experiment_id: r.experiment_id,
    user_id: r.user_id,
    status: r.status,
    start_time: r.start_time,
    ...(r.end_time !== null ? { end_time: r.end_time } : {}),
    artifact_uri: r.artifact_uri,
    lifecycle_stage: r.lifecycle_stage,
  };
}

function metricJson(m: MetricRow) {
  return { ...m, value: encodeValue(m.value) };
}

/** The latest value per key: the largest (step, timestamp, value). */
function latestMetrics(r: RunRow): MetricRow[] {
  const latest = new Map<string, MetricRow>();
  for (const m of r.metrics) {
    const b = latest.get(m.key);
    const after =
      !b ||
      m.step > b.step ||
      (m.step === b.step && m.timestamp > b.timestamp) ||
      (m.step === b.step && m.timestamp === b.timestamp && m.value > b.value);
    if (after) latest.set(m.key, m);
  }
  return [...latest.values()];
}

function runJson(r: RunRow) {
  return {
    info: runInfoJson(r),
    data: {
      ...nonEmpty('metrics', latestMetrics(r).map(metricJson)),
      ...nonEmpty('params', keyValues(r.params)),
      ...nonEmpty('tags', keyValues(r.tags)),
    },
    inputs: {},
  };
}

/** MLflow's page token: base64 of Python's `json.dumps({"offset": n})`. */
const pageToken = (offset: number) =>
  Buffer.from(`{"offset": ${offset}}`).toString('base64');

function offsetOf(token: unknown): number {
  if (token === undefined || token === null || token === '') return 0;
  try {
    const { offset } = JSON.parse(
      Buffer.from(String(token), 'base64').toString(),
    );
    if (Number.isSafeInteger(offset) && offset >= 0) return offset;
  } catch {
    // Falls through to the error.
  }
  throw invalid(`Invalid page token, could not base64-decode`);
}

type Condition = { kind: string; key: string; value: string };

/** `tags.\`k\` = 'v' and params."k" = "v" and attributes.status = 'X'`. */
function parseFilter(filter: string): Condition[] {
  // \x60 is the backtick that quotes a key.
  const term = new RegExp(
    String.raw`^\s*(tags|params|attributes)\.(\x60[^\x60]+\x60|"[^"]+"|[\w.]+)` +
      String.raw`\s*=\s*('([^']*)'|"([^"]*)")\s*(?:and\s+|$)`,
    'i',
  );
  const out: Condition[] = [];
  let rest = filter.trim();
  for (let i = 0; rest !== '' && i < 100; i += 1) {
    const m = term.exec(rest);
    if (!m) throw invalid(`Invalid filter '${filter}'`);
    const key = m[2].replace(/^[`"]|[`"]$/g, '');
    out.push({ kind: m[1].toLowerCase(), key, value: m[4] ?? m[5] });
    rest = rest.slice(m[0].length);
  }
  return out;
}

function matches(r: RunRow, conditions: Condition[]): boolean {
  return conditions.every((c) => {
    if (c.kind === 'tags') return r.tags.get(c.key) === c.value;
    if (c.kind === 'params') return r.params.get(c.key) === c.value;
    if (c.key === 'status') return r.status === c.value;
    throw invalid(`Invalid attribute key '${c.key}'`);
  });
}

type Json = Record<string, unknown>;
type Handler = (state: ServerState, body: Json, q: URLSearchParams) => unknown;

function requireString(
  body: Json,
  field: string,
  code = 'INVALID_PARAMETER_VALUE',
) {
  const v = body[field];
  if (typeof v === 'number') return String(v);
  if (typeof v !== 'string' || v === '') {
    throw new ApiError(
      400,
      code,
      `Missing value for required parameter '${field}'.`,
    );
  }
  return v;
}

function activeRun(state: ServerState, runId: string): RunRow {
  const run = state.runs.get(runId);
  if (!run) throw missing(`Run with id=${runId} not found`);
  if (run.lifecycle_stage !== 'active') {
    throw invalid(
      `The run ${runId} must be in the 'active' state. ` +
        `Current state is deleted.`,
    );
  }
  return run;
}

function experimentById(state: ServerState, id: string): ExperimentRow {
  const exp = state.experiments.get(id);
  if (!exp) throw missing(`No Experiment with id=${id} exists`);
  return exp;
}

function setTag(state: ServerState, run: RunRow, key: string, value: string) {
  run.tags.set(key, truncate(state, value, 8000));
  if (key === 'mlflow.runName') run.run_name = value;
}

function logBatch(state: ServerState, body: Json): Json {
  const run = activeRun(state, requireString(body, 'run_id'));
  const metrics = (body.metrics ?? []) as Json[];
  const params = (body.params ?? []) as Json[];
  const tags = (body.tags ?? []) as Json[];
  const total = metrics.length + params.length + tags.length;
  if (
    metrics.length > 1000 ||
    params.length > 100 ||
    tags.length > 100 ||
    total > 1000
  ) {
    throw invalid(
      `A batch logging request can contain at most 1000 metrics, 100 ` +
        `params, 100 tags and 1000 items in total. Got ${metrics.length} ` +
        `metrics, ${params.length} params, ${tags.length} tags.`,
    );
  }
  const parsed = metrics.map((m, i) => ({
    key: checkKey('metrics[].key', m.key),
    value: parseValue(m.value, `metrics[${i}].value`),
    timestamp: Number(parseValue(m.timestamp, `metrics[${i}].timestamp`)),
    step: m.step === undefined ? 0 : Number(m.step),
  }));
  params.forEach((p) => checkKey('params[].key', p.key));
  tags.forEach((t) => checkKey('tags[].key', t.key));
  const keys = params.map((p) => String(p.key));
  if (new Set(keys).size !== keys.length) {
    throw invalid(`Duplicate parameter keys have been submitted: ${keys}.`);
  }
  // SQL stores check every param before writing anything.
  const changed = params.filter((p) => {
    const old = run.params.get(String(p.key));
    return old !== undefined && old !== clip(String(p.value ?? ''), 6000);
  });
  if (changed.length > 0) {
    const keys = changed.map((p) => String(p.key)).join(', ');
    throw invalid(
      `Changing param values is not allowed. Params were already logged ` +
        `for run ID='${run.run_id}': ${keys}.`,
    );
  }
  for (const p of params) {
    run.params.set(String(p.key), truncate(state, String(p.value ?? ''), 6000));
  }
  for (const t of tags)
    setTag(state, run, String(t.key), String(t.value ?? ''));
  for (const m of parsed) {
    const id = `${m.key}\0${m.timestamp}\0${m.step}\0${m.value}`;
    if (run.metricIds.has(id)) {
      state.duplicatesIgnored += 1;
      continue;
    }
    run.metricIds.add(id);
    run.metrics.push(m);
  }
  return {};
}

function createRun(state: ServerState, body: Json): Json {
  const expId = requireString(body, 'experiment_id', 'BAD_REQUEST');
  const exp = experimentById(state, expId);
  if (exp.lifecycle_stage !== 'active') {
    throw invalid(
      `The experiment ${expId} must be in the 'active' state. ` +
        `Current state is deleted.`,
    );
  }
  const tags = (body.tags ?? []) as Json[];
  tags.forEach((t) => checkKey('tags[].key', t.key));
  const tagName = tags.find((t) => t.key === 'mlflow.runName')?.value;
  const name = body.run_name ?? tagName;
  if (
    body.run_name !== undefined &&
    tagName !== undefined &&
    body.run_name !== tagName
  ) {
    throw invalid(
      `Both 'run_name' argument and 'mlflow.runName' tag are specified, ` +
        `but with different values (run_name='${body.run_name}', ` +
        `mlflow.runName='${tagName}').`,
    );
  }
  const runId = randomUUID().replace(/-/g, '');
  const run: RunRow = {
    run_id: runId,
    experiment_id: expId,
    run_name: typeof name === 'string' ? name : `run-${state.runs.size + 1}`,
    user_id: String(body.user_id ?? ''),
    status: 'RUNNING',
    start_time: Number(body.start_time ?? Date.now()),
    end_time: null,
    artifact_uri: `${exp.artifact_location}/${runId}/artifacts`,
    lifecycle_stage: 'active',
    params: new Map(),
    tags: new Map(),
    metrics: [],
    metricIds: new Set(),
  };
  for (const t of tags)
    setTag(state, run, String(t.key), String(t.value ?? ''));
  run.tags.set('mlflow.runName', run.run_name);
  state.runs.set(runId, run);
  return { run: runJson(run) };
}

function updateRun(state: ServerState, body: Json): Json {
  const run = activeRun(state, requireString(body, 'run_id'));
  // An unknown status is ignored silently, as MLflow does.
  if (typeof body.status === 'string' && STATUSES.includes(body.status)) {
    run.status = body.status;
  }
  if (body.end_time !== undefined) run.end_time = Number(body.end_time);
  if (typeof body.run_name === 'string') {
    setTag(state, run, 'mlflow.runName', body.run_name);
  }
  return { run_info: runInfoJson(run) };
}

function searchRuns(state: ServerState, body: Json): Json {
  const maxResults =
    body.max_results === undefined ? 1000 : Number(body.max_results);
  if (
    !Number.isSafeInteger(maxResults) ||
    maxResults < 1 ||
    maxResults > 50000
  ) {
    throw invalid(
      `Invalid value ${maxResults} for parameter 'max_results' supplied. ` +
        `It must be at most 50000, but got value ${maxResults}`,
    );
  }
  const ids = ((body.experiment_ids ?? []) as unknown[]).map(String);
  const view = String(body.run_view_type ?? 'ACTIVE_ONLY');
  const conditions = parseFilter(String(body.filter ?? ''));
  const found = [...state.runs.values()]
    .filter((r) => ids.includes(r.experiment_id))
    .filter(
      (r) =>
        view === 'ALL' ||
        (view === 'ACTIVE_ONLY') === (r.lifecycle_stage === 'active'),
    )
    .filter((r) => matches(r, conditions))
    .sort((a, b) =>
      a.start_time !== b.start_time
        ? b.start_time - a.start_time
        : a.run_id < b.run_id
          ? -1
          : 1,
    );
  const start = offsetOf(body.page_token);
  const page = found.slice(start, start + maxResults);
  const more = start + maxResults < found.length;
  return {
    ...nonEmpty('runs', page.map(runJson)),
    ...(more ? { next_page_token: pageToken(start + maxResults) } : {}),
  };
}

/** SQL's get_metric_history: sorted, `max_results` + 1 rows fetched. */
function metricHistory(state: ServerState, q: URLSearchParams): Json {
  const runId = q.get('run_id') ?? '';
  const key = q.get('metric_key') ?? '';
  if (!state.runs.has(runId)) throw missing(`Run with id=${runId} not found`);
  const all = state
    .history(runId, key)
    .slice()
    .sort(
      (a, b) =>
        a.timestamp - b.timestamp || a.step - b.step || a.value - b.value,
    );
  // An unset max_results reads as 0 (protobuf default): pitfall 1.
  const maxResults = Number(q.get('max_results') ?? 0);
  const offset = offsetOf(q.get('page_token') ?? undefined);
  const rows = all.slice(offset, offset + maxResults + 1);
  const more = rows.length === maxResults + 1;
  return {
    ...nonEmpty('metrics', rows.slice(0, maxResults).map(metricJson)),
    ...(more ? { next_page_token: pageToken(offset + maxResults) } : {}),
  };
}

const POST: Record<string, Handler> = {
  'experiments/create': (state, body) => {
    const name = requireString(body, 'name');
    if (name.length > 500) throw invalid(`Experiment name exceeds 500 chars`);
    const taken = [...state.experiments.values()].find((e) => e.name === name);
    if (taken) {
      throw new ApiError(
        400,
        'RESOURCE_ALREADY_EXISTS',
        `Experiment(name=${name}) already exists. Error: (UNIQUE constraint ` +
          `failed: experiments.name)`,
      );
    }
    const exp = state.addExperiment(state.newExperimentId(), name);
    for (const t of (body.tags ?? []) as Json[]) {
      exp.tags.set(checkKey('tags[].key', t.key), String(t.value ?? ''));
    }
    return { experiment_id: exp.experiment_id };
  },
  'experiments/set-experiment-tag': (state, body) => {
    const exp = experimentById(state, requireString(body, 'experiment_id'));
    exp.tags.set(checkKey('key', body.key), String(body.value ?? ''));
    return {};
  },
  'experiments/delete': (state, body) => {
    const exp = experimentById(state, requireString(body, 'experiment_id'));
    exp.lifecycle_stage = 'deleted';
    for (const r of state.runs.values()) {
      if (r.experiment_id === exp.experiment_id) r.lifecycle_stage = 'deleted';
    }
    return {};
  },
  'runs/create': createRun,
  'runs/update': updateRun,
  'runs/delete': (state, body) => {
    activeRun(state, requireString(body, 'run_id')).lifecycle_stage = 'deleted';
    return {};
  },
  'runs/search': searchRuns,
  'runs/log-batch': logBatch,
  'runs/set-tag': (state, body) => {
    const run = activeRun(state, requireString(body, 'run_id'));
    setTag(state, run, checkKey('key', body.key), String(body.value ?? ''));
    return {};
  },
};

const GET: Record<string, Handler> = {
  'experiments/get': (state, _b, q) => ({
    experiment: experimentJson(
      experimentById(state, q.get('experiment_id') ?? ''),
    ),
  }),
  'experiments/get-by-name': (state, _b, q) => {
    const name = q.get('experiment_name') ?? '';
    const exp = [...state.experiments.values()].find((e) => e.name === name);
    if (!exp) throw missing(`Could not find experiment with name '${name}'`);
    return { experiment: experimentJson(exp) };
  },
  'runs/get': (state, _b, q) => {
    const run = state.runs.get(q.get('run_id') ?? '');
    if (!run) throw missing(`Run with id=${q.get('run_id')} not found`);
    return { run: runJson(run) };
  },
  'metrics/get-history': (state, _b, q) => metricHistory(state, q),
};

function safeArtifactPath(path: string): string {
  const segments = path.split('/');
  if (segments.some((s) => s === '..' || s === '.') || path.startsWith('/')) {
    throw invalid(`Invalid path`);
  }
  return segments.filter((s) => s !== '').join('/');
}

/** The direct children of `dir` in the artifact store, as base names. */
function listArtifacts(state: ServerState, dir: string): Json {
  const prefix = dir ? `${dir}/` : '';
  const children = new Map<string, { is_dir: boolean; file_size?: number }>();
  for (const [path, bytes] of state.artifacts) {
    if (!path.startsWith(prefix)) continue;
    const [name, ...more] = path.slice(prefix.length).split('/');
    if (more.length > 0) children.set(name, { is_dir: true });
    else children.set(name, { is_dir: false, file_size: bytes.length });
  }
  const files = [...children].map(([path, info]) => ({ path, ...info }));
  return nonEmpty('files', files);
}

export class ContractServer {
  readonly state = new ServerState();
  readonly requests: RecordedRequest[] = [];
  private readonly faults: Fault[] = [];
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private port = 0;

  private constructor(private readonly options: ContractServerOptions) {}

  static async start(
    options: ContractServerOptions = {},
  ): Promise<ContractServer> {
    const s = new ContractServer(options);
    await s.listen();
    return s;
  }

  get uri(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.server !== null;
  }

  /** Queues a fault for the next requests whose path contains `match`. */
  fail(fault: Fault): void {
    this.faults.push({ ...fault, times: fault.times ?? 1 });
  }

  /** Requests to one API endpoint, e.g. 'runs/log-batch'. */
  calls(endpoint: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path.endsWith(endpoint));
  }

  private listen(): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => {
        this.port = (server.address() as AddressInfo).port;
        this.server = server;
        resolve();
      });
    });
  }

  /** Kills the server: closes the port and drops every connection. */
  async stop(): Promise<void> {
    const server = this.server;
    if (server === null) return;
    this.server = null;
    const closed = new Promise<void>((resolve) =>
      server.close(() => resolve()),
    );
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  /** Starts again on the same port with the same state. */
  async restart(): Promise<void> {
    if (this.server === null) await this.listen();
  }

  private takeFault(path: string): Fault | undefined {
    const i = this.faults.findIndex((f) => !f.match || path.includes(f.match));
    if (i < 0) return undefined;
    const fault = this.faults[i];
    fault.times = (fault.times ?? 1) - 1;
    if (fault.times <= 0) this.faults.splice(i, 1);
    return fault;
  }

  private async handle(
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    res.on('error', () => undefined);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    this.requests.push({
      method: req.method ?? '',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
    });
    const fault = this.takeFault(url.pathname);
    if (fault?.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    let raw: Buffer;
    try {
      raw = await readBody(req);
    } catch {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'delay') {
      await new Promise((r) => setTimeout(r, fault.ms));
    }
    if (fault?.kind === 'status') {
      const headers: Record<string, string> = {
        'Content-Type': 'application/json',
      };
      if (fault.retryAfter !== undefined)
        headers['Retry-After'] = String(fault.retryAfter);
      const body = {
        error_code: fault.errorCode ?? 'TEMPORARILY_UNAVAILABLE',
        message: fault.message ?? 'the server is busy',
      };
      return this.reply(res, fault.status, JSON.stringify(body), headers);
    }
    let status = 200;
    let payload: Buffer | string;
    let type = 'application/json';
    try {
      this.checkAuth(req);
      ({ payload, type } = this.route(req, url, raw));
    } catch (e) {
      const err =
        e instanceof ApiError
          ? e
          : new ApiError(500, 'INTERNAL_ERROR', String(e));
      status = err.status;
      payload = JSON.stringify({ error_code: err.code, message: err.message });
      if (err.code === 'ENDPOINT_NOT_FOUND') {
        payload =
          '<!doctype html><title>404 Not Found</title><h1>Not Found</h1>';
        type = 'text/html';
      }
    }
    if (fault?.kind === 'reset-after-apply') {
      req.socket.destroy();
      return;
    }
    this.reply(res, status, payload, { 'Content-Type': type });
  }

  private reply(
    res: ServerResponse,
    status: number,
    payload: Buffer | string,
    headers: Record<string, string>,
  ): void {
    if (res.destroyed || res.socket?.destroyed) return;
    res.writeHead(status, headers);
    res.end(payload);
  }

  private checkAuth(req: IncomingMessage): void {
    const wanted = this.options.authorization;
    if (wanted !== undefined && req.headers.authorization !== wanted) {
      throw new ApiError(401, 'UNAUTHENTICATED', 'You are not authenticated.');
    }
  }

  private route(
    req: IncomingMessage,
    url: URL,
    raw: Buffer,
  ): { payload: Buffer | string; type: string } {
    const path = url.pathname;
    const json = (v: unknown) => ({
      payload: JSON.stringify(v),
      type: 'application/json',
    });
    if (path === '/health' && req.method === 'GET') {
      return { payload: 'OK', type: 'text/plain' };
    }
    if (path === ARTIFACTS && req.method === 'GET') {
      const dir = safeArtifactPath(url.searchParams.get('path') ?? '');
      return json(listArtifacts(this.state, dir));
    }
    if (path.startsWith(`${ARTIFACTS}/`)) {
      const rel = safeArtifactPath(
        path
          .slice(ARTIFACTS.length + 1)
          .split('/')
          .map(decodeURIComponent)
          .join('/'),
      );
      if (req.method === 'PUT') {
        this.state.artifacts.set(rel, raw);
        return json({});
      }
      if (req.method === 'GET') {
        const bytes = this.state.artifacts.get(rel);
        if (!bytes) throw missing(`File ${rel} does not exist`);
        return { payload: bytes, type: 'application/octet-stream' };
      }
    }
    const prefix = path.startsWith(API)
      ? API
      : path.startsWith(AJAX)
        ? AJAX
        : null;
    const endpoint = prefix ? path.slice(prefix.length) : '';
    const handler = req.method === 'POST' ? POST[endpoint] : GET[endpoint];
    if (!handler || (req.method !== 'POST' && req.method !== 'GET')) {
      throw new ApiError(404, 'ENDPOINT_NOT_FOUND', 'not found');
    }
    let body: Json = {};
    if (req.method === 'POST') {
      const type = (req.headers['content-type'] ?? '').split(';')[0];
      if (type !== 'application/json') {
        throw invalid(
          `Bad Request. Content-Type must be one of [application/json].`,
        );
      }
      try {
        body = raw.length > 0 ? (JSON.parse(raw.toString('utf8')) as Json) : {};
      } catch {
        throw new ApiError(400, 'MALFORMED_REQUEST', 'Malformed JSON');
      }
    }
    return json(handler(this.state, body, url.searchParams));
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
