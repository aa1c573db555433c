/**
 * An experiment's resolved configuration: one typed, frozen, JSON-
 * serialisable object per cell (STYLE.md principle 6). Every leaf has a
 * schema entry, so an unknown key, a wrong type or an out-of-range value
 * fails before any work starts, naming the key, the value and what is
 * allowed.
 */

export type TrainingKind = 'dsm' | 'hybrid';
export type SamplerKind = 'als' | 'cas';
export type OutputKind = 'raw' | 'denoised';
export type GanLossName = 'lsgan' | 'hinge' | 'ralsgan' | 'nsgan';
export type DatasetName = 'mnist' | 'stacked-mnist' | 'cifar10' | 'lsun-church';
export type NetworkName = 'ncsnv2' | 'ncsnv2-deeper' | 'unet';
/**
 * 'fid_auto' is resolved with the cells (runner/metric-choice.ts):
 * 'fid_inception' when the FID Inception weights are on this machine,
 * else the dataset's own metric; no run is ever logged with it.
 */
export type MetricName =
  | 'fid_auto'
  | 'fid_mnist_classifier'
  | 'fid_inception'
  | 'stacked_mnist_modes';

/** Every dataset and network a config may name, for schemas and CLIs. */
export const DATASET_NAMES: readonly DatasetName[] = [
  'mnist',
  'stacked-mnist',
  'cifar10',
  'lsun-church',
];
export const NETWORK_NAMES: readonly NetworkName[] = [
  'ncsnv2',
  'ncsnv2-deeper',
  'unet',
];
export const METRIC_NAMES: readonly MetricName[] = [
  'fid_auto',
  'fid_mnist_classifier',
  'fid_inception',
  'stacked_mnist_modes',
];

export interface DataConfig {
  /** Dataset name. */
  dataset: DatasetName;
  /** Cap on training images (0 = all of the split). */
  maxTrainImages: number;
  /** Random horizontal flips of training images (CIFAR-10, LSUN). */
  flip: boolean;
}

export interface ModelConfig {
  network: NetworkName;
  /** Base width of the score network (NCSNv2's ngf, the UNet's ch: 128). */
  ngf: number;
  /**
   * Residual stages of an NCSNv2 kept (4 for NCSNv2, 5 for NCSNv2Deeper,
   * the paper's); the UNet's depth is fixed by its channel multipliers.
   */
  depth: number;
  /**
   * Dilated deep stages that keep the resolution (NCSNv2: true); false is
   * the authors' `--no_dilation`: every deeper stage halves the size.
   */
  dilation: boolean;
  /** Base width of the discriminator (the paper's ch: 64). */
  discriminatorCh: number;
}

export interface NoiseConfig {
  /** σ_1; 0 = the largest pairwise distance over the training set. */
  sigmaMax: number;
  /** σ_L. */
  sigmaMin: number;
  /** L; 0 = Technique 2 of Song & Ermon (2020). */
  numLevels: number;
}

export interface TrainingConfig {
  kind: TrainingKind;
  iterations: number;
  batchSize: number;
  learningRate: number;
  beta1: number;
  beta2: number;
  /** Linear learning-rate warm-up of the score network, in iterations (0: none, as the paper). */
  warmup: number;
  /** μ of the EMA of the score network's weights. */
  emaRate: number;
  checkpointEvery: number;
  logEvery: number;
}

export interface AdversarialConfig {
  loss: GanLossName;
  /** Discriminator updates per iteration (D_steps). */
  discriminatorSteps: number;
  learningRate: number;
  beta1: number;
  beta2: number;
  /** λ_DSM and λ_G of the score network's loss. */
  lambdaDsm: number;
  lambdaGenerator: number;
}

export interface SamplingConfig {
  sampler: SamplerKind;
  /** nσ. */
  stepsPerLevel: number;
  /** ε, the step size at the smallest noise level. */
  stepSize: number;
  /** ALS only: add the noise before the network call. */
  noiseFirst: boolean;
  numSamples: number;
  batchSize: number;
}

export interface EvalConfig {
  metric: MetricName;
  output: OutputKind;
}

export interface ExperimentConfig {
  seed: number;
  data: DataConfig;
  model: ModelConfig;
  noise: NoiseConfig;
  training: TrainingConfig;
  adversarial: AdversarialConfig;
  sampling: SamplingConfig;
  eval: EvalConfig;
}

/** A deep partial, for overrides. */
export type Overrides<T> = {
  [K in keyof T]?: T[K] extends object ? Overrides<T[K]> : T[K];
};

type Leaf =
  | { type: 'int'; min: number; max: number }
  | { type: 'number'; min: number; max: number; exclusiveMin?: boolean }
  | { type: 'boolean' }
  | { type: 'enum'; values: readonly string[] };

const int = (min: number, max: number): Leaf => ({ type: 'int', min, max });
const num = (min: number, max: number, exclusiveMin = false): Leaf => ({
  type: 'number',
  min,
  max,
  exclusiveMin,
});
const oneOf = (...values: string[]): Leaf => ({ type: 'enum', values });

/** The schema of every configuration leaf. */
export const CONFIG_SCHEMA: Record<string, Leaf> = {
  seed: int(0, 2 ** 31 - 1),
  'data.dataset': oneOf(...DATASET_NAMES),
  'data.maxTrainImages': int(0, 10_000_000),
  'data.flip': { type: 'boolean' },
  'model.network': oneOf(...NETWORK_NAMES),
  'model.ngf': int(1, 1024),
  'model.depth': int(1, 5),
  'model.dilation': { type: 'boolean' },
  'model.discriminatorCh': int(1, 1024),
  'noise.sigmaMax': num(0, 1e4),
  'noise.sigmaMin': num(0, 1e3, true),
  'noise.numLevels': int(0, 100_000),
  'training.kind': oneOf('dsm', 'hybrid'),
  'training.iterations': int(0, 10_000_000),
  'training.batchSize': int(1, 100_000),
  'training.learningRate': num(0, 1, true),
  'training.beta1': num(-1, 0.999999),
  'training.beta2': num(0, 0.999999),
  'training.warmup': int(0, 10_000_000),
  'training.emaRate': num(0, 0.999999),
  'training.checkpointEvery': int(1, 10_000_000),
  'training.logEvery': int(1, 10_000_000),
  'adversarial.loss': oneOf('lsgan', 'hinge', 'ralsgan', 'nsgan'),
  'adversarial.discriminatorSteps': int(1, 100),
  'adversarial.learningRate': num(0, 1, true),
  'adversarial.beta1': num(-1, 0.999999),
  'adversarial.beta2': num(0, 0.999999),
  'adversarial.lambdaDsm': num(0, 1e6),
  'adversarial.lambdaGenerator': num(0, 1e6),
  'sampling.sampler': oneOf('als', 'cas'),
  'sampling.stepsPerLevel': int(1, 1000),
  'sampling.stepSize': num(0, 1, true),
  'sampling.noiseFirst': { type: 'boolean' },
  'sampling.numSamples': int(1, 10_000_000),
  'sampling.batchSize': int(1, 100_000),
  'eval.metric': oneOf(...METRIC_NAMES),
  'eval.output': oneOf('raw', 'denoised'),
};

function describe(leaf: Leaf): string {
  switch (leaf.type) {
    case 'int':
      return `an integer in [${leaf.min}, ${leaf.max}]`;
    case 'number': {
      const open = leaf.exclusiveMin ? '(' : '[';
      return `a number in ${open}${leaf.min}, ${leaf.max}]`;
    }
    case 'boolean':
      return 'true or false';
    case 'enum':
      return `one of ${leaf.values.join(', ')}`;
  }
}

function isValid(leaf: Leaf, value: unknown): boolean {
  switch (leaf.type) {
    case 'int':
      return Number.isInteger(value) && inRange(leaf, value as number);
    case 'number':
      return typeof value === 'number' && inRange(leaf, value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'enum':
      return typeof value === 'string' && leaf.values.includes(value);
  }
}

function inRange(leaf: { min: number; max: number }, v: number): boolean {
  const above =
    'exclusiveMin' in leaf && leaf.exclusiveMin ? v > leaf.min : v >= leaf.min;
  return Number.isFinite(v) && above && v <= leaf.max;
}

/** Flattens a nested object to dotted keys: {a: {b: 1}} → {'a.b': 1}. */
export function flatten(
  obj: object,
  prefix = '',
  out: Record<string, unknown> = {},
): Record<string, unknown> {
  for (const [key, value] of Object.entries(obj)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      flatten(value, path, out);
    } else out[path] = value;
  }
  return out;
}

/** Throws on an unknown key, a missing key, a wrong type or a bad range. */
export function validateConfig(config: object, where = 'config'): void {
  const flat = flatten(config);
  for (const [key, value] of Object.entries(flat)) {
    const leaf = CONFIG_SCHEMA[key];
    if (!leaf) throw new ConfigError(unknownKeyMessage(where, key));
    if (!isValid(leaf, value)) {
      throw new ConfigError(
        `${where}: ${key} must be ${describe(leaf)}, got ` +
          `${JSON.stringify(value)}`,
      );
    }
  }
  for (const key of Object.keys(CONFIG_SCHEMA)) {
    if (!(key in flat)) throw new ConfigError(`${where}: ${key} is missing`);
  }
}

function unknownKeyMessage(where: string, key: string): string {
  const known = Object.keys(CONFIG_SCHEMA).join(', ');
  return `${where}: unknown key ${key}; known keys: ${known}`;
}

/** An error in what the user asked for: printed without a stack trace. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses a `--set key=value` override to a typed value by its schema. */
export function parseOverride(text: string): [string, unknown] {
  const eq = text.indexOf('=');
  if (eq <= 0) {
    throw new ConfigError(`--set ${text}: expected key=value`);
  }
  const key = text.slice(0, eq).trim();
  const raw = text.slice(eq + 1).trim();
  const leaf = CONFIG_SCHEMA[key];
  if (!leaf) throw new ConfigError(unknownKeyMessage('--set', key));
  const value = parseLeaf(leaf, raw);
  if (!isValid(leaf, value)) {
    throw new ConfigError(
      `--set: ${key} must be ${describe(leaf)}, got ${JSON.stringify(raw)}`,
    );
  }
  return [key, value];
}

function parseLeaf(leaf: Leaf, raw: string): unknown {
  switch (leaf.type) {
    case 'int':
    case 'number':
      return raw === '' ? NaN : Number(raw);
    case 'boolean':
      return raw === 'true' ? true : raw === 'false' ? false : raw;
    case 'enum':
      return raw;
  }
}

/** Returns a copy of `config` with dotted-key values set. */
export function applyFlatOverrides<T extends object>(
  config: T,
  overrides: Record<string, unknown>,
): T {
  const copy = structuredClone(config) as Record<string, unknown>;
  for (const [key, value] of Object.entries(overrides)) {
    const parts = key.split('.');
    let node = copy;
    for (const part of parts.slice(0, -1)) {
      node = node[part] as Record<string, unknown>;
    }
    node[parts[parts.length - 1]] = value;
  }
  return copy as T;
}

/** Deep-merges `overrides` into a copy of `base`. */
export function mergeConfig<T extends object>(
  base: T,
  overrides: Overrides<T>,
): T {
  return applyFlatOverrides(base, flatten(overrides));
}

/** Deep-freezes a configuration. */
export function freeze<T extends object>(config: T): Readonly<T> {
  for (const value of Object.values(config)) {
    if (value && typeof value === 'object') freeze(value);
  }
  return Object.freeze(config);
}
