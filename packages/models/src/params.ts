// Parameters as data: a network lists its parameters as specs (name, shape,
// initialiser, trainable); `initParams` turns the specs into tf.Variables.
// Names follow the PyTorch state_dict of the authors' models; layouts are
// the TensorFlow ones (see README.md, "Parameter names and layouts").
import * as tf from '@tensorflow/tfjs-core';

/** A network's parameters and buffers, by state_dict-style name. */
export type Params = Record<string, tf.Variable>;

/** How a parameter starts. */
export type Init =
  | { readonly kind: 'uniform'; readonly bound: number }
  | { readonly kind: 'normal'; readonly mean: number; readonly std: number }
  | { readonly kind: 'constant'; readonly value: number };

/** One parameter (trainable) or buffer (not trainable) of a network. */
export interface ParamSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly init: Init;
  readonly trainable: boolean;
}

/** Options of `paramCount`. */
export interface ParamCountOptions {
  /** Count buffers (non-trainable variables) too. Default false. */
  readonly includeBuffers?: boolean;
}

/** A source of parameter shapes: allocated params or specs. */
export type ParamSource = Params | { specs(): readonly ParamSpec[] };

/** Number of elements of a shape. */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Number of parameters, counted like PyTorch's
 * `sum(p.numel() for p in model.parameters())`: trainable ones only unless
 * `includeBuffers`. A network is counted from its specs, allocating nothing.
 */
export function paramCount(
  source: ParamSource,
  options: ParamCountOptions = {},
): number {
  const all = options.includeBuffers ?? false;
  if (isSpecSource(source)) {
    return source
      .specs()
      .filter((s) => all || s.trainable)
      .reduce((n, s) => n + sizeOf(s.shape), 0);
  }
  return Object.values(source)
    .filter((v) => all || v.trainable)
    .reduce((n, v) => n + v.size, 0);
}

/** Names of the trainable variables, in insertion order. */
export function trainableNames(params: Params): string[] {
  return Object.keys(params).filter((name) => params[name].trainable);
}

/** The trainable variables, for `tf.variableGrads` or an optimizer. */
export function trainableVariables(params: Params): tf.Variable[] {
  return trainableNames(params).map((name) => params[name]);
}

/** Disposes every variable of params. */
export function disposeParams(params: Params): void {
  for (const v of Object.values(params)) v.dispose();
}

/** Shapes by name, e.g. to compare a checkpoint with a network. */
export function paramShapes(source: ParamSource): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  if (isSpecSource(source)) {
    for (const s of source.specs()) out[s.name] = [...s.shape];
  } else {
    for (const [name, v] of Object.entries(source)) out[name] = [...v.shape];
  }
  return out;
}

/**
 * Allocates the variables of specs. Each parameter draws from its own seed,
 * derived from `seed` and its name, so adding a layer does not change the
 * others. Same seed → same values on every backend (tfjs draws in JS).
 */
export function initParams(specs: readonly ParamSpec[], seed: number): Params {
  if (!Number.isSafeInteger(seed)) {
    throw new Error(`initParams: seed must be a safe integer, got ${seed}`);
  }
  const params: Params = {};
  for (const spec of specs) {
    if (spec.name in params) {
      throw new Error(`initParams: duplicate parameter name ${spec.name}`);
    }
    const value = initialValue(spec, paramSeed(seed, spec.name));
    params[spec.name] = tf.variable(value, spec.trainable);
    value.dispose();
  }
  return params;
}

function initialValue(spec: ParamSpec, seed: number): tf.Tensor {
  const shape = [...spec.shape];
  const init = spec.init;
  switch (init.kind) {
    case 'uniform':
      return tf.randomUniform(shape, -init.bound, init.bound, 'float32', seed);
    case 'normal':
      return tf.randomNormal(shape, init.mean, init.std, 'float32', seed);
    case 'constant':
      return tf.fill(shape, init.value, 'float32');
    default:
      return assertNever(init);
  }
}

/** A 32-bit seed from (seed, name): FNV-1a over the name, then mixed. */
export function paramSeed(seed: number, name: string): number {
  let h = 0x811c9dc5 ^ (seed % 0x100000000) ^ Math.floor(seed / 2 ** 32);
  for (let i = 0; i < name.length; i++) {
    h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  }
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** How a forward pass reads its parameters. */
export interface ParamScope {
  /** The network, named in error messages. */
  readonly owner: string;
  /** The variable `name`; fails naming the owner if it is missing. */
  param(name: string): tf.Variable;
  /**
   * The weight the layer `prefix` computes with: `${prefix}.weight`, or
   * W/σ(W) under spectral norm.
   */
  weight(prefix: string): tf.Tensor;
}

/** A scope over params; `weight` defaults to the stored weight. */
export function paramScope(
  params: Params,
  owner: string,
  weight?: (scope: ParamScope, prefix: string) => tf.Tensor,
): ParamScope {
  const scope: ParamScope = {
    owner,
    param: (name) => getParam(params, name, owner),
    weight: (prefix) =>
      weight ? weight(scope, prefix) : scope.param(`${prefix}.weight`),
  };
  return scope;
}

/** Looks up a parameter, failing with the network and the name. */
export function getParam(
  params: Params,
  name: string,
  owner: string,
): tf.Variable {
  const v = params[name];
  if (v === undefined) {
    throw new Error(`${owner}: missing parameter ${name}`);
  }
  return v;
}

function isSpecSource(
  source: ParamSource,
): source is { specs(): readonly ParamSpec[] } {
  return typeof (source as { specs?: unknown }).specs === 'function';
}

/** Exhaustiveness check for switches over a union. */
export function assertNever(value: never): never {
  throw new Error(`unexpected value ${JSON.stringify(value)}`);
}
