// Their state_dict → our parameters, mechanically: each of their tensors
// is ignored by a named rule or fills exactly one of our parameters (the
// same name unless the entry renames), in our layout, with our shape and
// trainability; every one of ours is filled. Anything else fails, listing
// every leftover at once.
import * as tf from '@tensorflow/tfjs-core';
import type { ParamSpec, Params } from '@acsm/models';
import type { StateTensor, TorchLayout } from './export-format';
import { ourShape, toOurLayout } from './layouts';

/** Their tensors with no counterpart here, and why. */
export interface IgnoreRule {
  readonly pattern: RegExp;
  readonly reason: string;
}

/** A layout for their tensors that the exporter could not tell. */
export interface LayoutRule {
  readonly pattern: RegExp;
  readonly layout: Exclude<TorchLayout, 'unknown'>;
}

/** How a network entry's names and layouts map. */
export interface MappingRules {
  readonly ignore?: readonly IgnoreRule[];
  readonly layouts?: readonly LayoutRule[];
  /** Their name → ours; default: the same name. */
  readonly rename?: (theirs: string) => string;
}

/** One of theirs filling one of ours. */
export interface Assignment {
  readonly theirs: StateTensor;
  readonly ours: ParamSpec;
  readonly layout: TorchLayout;
}

/** The whole mapping: every one of ours filled, the rest ignored. */
export interface MappingPlan {
  /** In the order of our specs. */
  readonly assignments: readonly Assignment[];
  readonly ignored: readonly { name: string; reason: string }[];
}

/**
 * Pairs their state tensors with our specs under the rules; fails with
 * every unmatched, doubly filled, unfilled or misshapen tensor listed.
 */
export function planMapping(
  owner: string,
  specs: readonly ParamSpec[],
  state: readonly StateTensor[],
  rules: MappingRules = {},
): MappingPlan {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const filled = new Map<string, Assignment>();
  const claimed = new Set<string>();
  const ignored: { name: string; reason: string }[] = [];
  const problems: string[] = [];
  for (const theirs of state) {
    const rule = rules.ignore?.find((r) => r.pattern.test(theirs.name));
    const name = rules.rename ? rules.rename(theirs.name) : theirs.name;
    const ours = byName.get(name);
    if (rule && ours) {
      problems.push(`${theirs.name}: ignored (${rule.reason}) but ours has it`);
    } else if (rule) {
      ignored.push({ name: theirs.name, reason: rule.reason });
    } else if (!ours) {
      problems.push(`${theirs.name}: theirs, nothing of ours is ${name}`);
    } else if (claimed.has(name)) {
      problems.push(`${name}: filled twice (${theirs.name} and earlier)`);
    } else {
      claimed.add(name);
      const layout = layoutOf(theirs, rules);
      const problem = mismatch(theirs, ours, layout);
      if (problem) problems.push(problem);
      else filled.set(name, { theirs, ours, layout });
    }
  }
  for (const s of specs) {
    if (!claimed.has(s.name)) {
      problems.push(`${s.name}: ours, not filled by any of theirs`);
    }
  }
  if (problems.length > 0) {
    throw new Error(
      `planMapping(${owner}): ${problems.length} problem(s):\n  ` +
        problems.join('\n  '),
    );
  }
  return { assignments: specs.map((s) => filled.get(s.name)!), ignored };
}

function layoutOf(theirs: StateTensor, rules: MappingRules): TorchLayout {
  const rule = rules.layouts?.find((r) => r.pattern.test(theirs.name));
  return rule ? rule.layout : theirs.layout;
}

/** Why theirs cannot fill ours, or null when it can. */
function mismatch(
  theirs: StateTensor,
  ours: ParamSpec,
  layout: TorchLayout,
): string | null {
  const trainable = theirs.kind === 'parameter';
  if (trainable !== ours.trainable) {
    const what = ours.trainable ? 'a parameter' : 'a buffer';
    return `${ours.name}: theirs is a ${theirs.kind}, ours ${what}`;
  }
  let shape: number[];
  try {
    shape = ourShape(theirs.name, theirs.shape, layout);
  } catch (e) {
    return `${ours.name}: ${(e as Error).message}`;
  }
  if (shape.join() !== ours.shape.join()) {
    return (
      `${ours.name}: theirs [${theirs.shape}] (${layout}) is ` +
      `[${shape}] here, ours is [${ours.shape}]`
    );
  }
  return null;
}

/**
 * Our parameters from theirs under a plan, converted to our layouts;
 * `read` gives a tensor's values. The caller disposes the result.
 */
export function mappedParams(
  plan: MappingPlan,
  read: (t: StateTensor) => Float32Array,
): Params {
  const params: Params = {};
  for (const { theirs, ours, layout } of plan.assignments) {
    const host = { shape: theirs.shape, data: read(theirs) };
    const mine = toOurLayout(theirs.name, host, layout);
    const value = tf.tensor(mine.data, [...mine.shape], 'float32');
    params[ours.name] = tf.variable(value, ours.trainable);
    value.dispose();
  }
  return params;
}
