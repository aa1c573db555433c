// Nested configuration objects as MLflow params: `{a: {b: {c: 1}}}`
// becomes `a.b.c = "1"`.

import { invalid } from './errors';

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** A leaf value as a param string; arrays and empty objects as JSON. */
function leafString(key: string, v: unknown): string {
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(v);
    case 'object':
      if (v === null) return 'null';
      if (Array.isArray(v) || isPlainObject(v)) return JSON.stringify(v);
      break;
  }
  throw invalid(`param '${key}': cannot log a value of type ${typeof v}`);
}

/**
 * Flattens nested plain objects into dotted keys. Arrays stay one param,
 * as JSON; `undefined` leaves are skipped. Two paths that flatten to the
 * same key (`{'a.b': 1, a: {b: 2}}`) are an error.
 */
export function flattenParams(
  obj: Record<string, unknown>,
  prefix = '',
  out: Record<string, string> = {},
): Record<string, string> {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v === undefined) continue;
    if (isPlainObject(v) && Object.keys(v).length > 0) {
      flattenParams(v, key, out);
      continue;
    }
    if (Object.prototype.hasOwnProperty.call(out, key)) {
      throw invalid(`param '${key}' appears twice after flattening`);
    }
    out[key] = leafString(key, v);
  }
  return out;
}
