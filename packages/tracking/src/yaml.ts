// The small part of YAML that MLflow's meta.yaml files use: one flat
// mapping of scalars. The writer emits every string as a double-quoted,
// pure-ASCII scalar (valid YAML 1.1 and 1.2). The reader also takes what
// PyYAML's safe_dump writes: plain, single- and double-quoted scalars,
// folded over several lines, and `[]` or block lists.

export type YamlValue = string | number | boolean | null | YamlValue[];

const NAMED_ESCAPES: Record<string, string> = {
  '\0': '\\0',
  '\x07': '\\a',
  '\b': '\\b',
  '\t': '\\t',
  '\n': '\\n',
  '\v': '\\v',
  '\f': '\\f',
  '\r': '\\r',
  '\x1b': '\\e',
  '"': '\\"',
  '\\': '\\\\',
};

function hex(code: number, width: number): string {
  return code.toString(16).toUpperCase().padStart(width, '0');
}

function escapeChar(ch: string): string {
  const named = NAMED_ESCAPES[ch];
  if (named !== undefined) return named;
  const code = ch.codePointAt(0) ?? 0;
  if (code >= 0x20 && code <= 0x7e) return ch;
  if (code <= 0xff) return `\\x${hex(code, 2)}`;
  if (code <= 0xffff) return `\\u${hex(code, 4)}`;
  return `\\U${hex(code, 8)}`;
}

/** A double-quoted YAML scalar holding exactly `s`, in printable ASCII. */
export function quoteYaml(s: string): string {
  let out = '"';
  for (const ch of s) out += escapeChar(ch);
  return out + '"';
}

function emitValue(key: string, value: YamlValue): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return quoteYaml(value);
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[${value.map((v) => emitValue(key, v)).join(', ')}]`;
  }
  if (!Number.isSafeInteger(value)) {
    throw new Error(`yaml: '${key}' must be an integer, got ${value}`);
  }
  return String(value);
}

/** One flat mapping, keys sorted as PyYAML's safe_dump sorts them. */
export function emitYaml(map: Record<string, YamlValue>): string {
  return Object.keys(map)
    .sort()
    .map((key) => {
      if (!/^[A-Za-z_][\w.-]*$/.test(key)) {
        throw new Error(`yaml: unsupported key '${key}'`);
      }
      return `${key}: ${emitValue(key, map[key])}\n`;
    })
    .join('');
}

// ---- reader ----------------------------------------------------------

const ENTRY = /^([^\s#'"-][^:]*?):(?:[ \t]+(.*))?$/;

interface Entry {
  key: string;
  lines: string[];
}

/** Splits the text into entries: a key line and its continuation lines. */
function entries(text: string): Entry[] {
  const out: Entry[] = [];
  for (const line of text.split(/\r?\n/)) {
    const atTop = line !== '' && !/^[\s-]/.test(line);
    if (atTop && (line.startsWith('#') || /^(---|\.\.\.)/.test(line))) {
      continue;
    }
    const m = atTop ? ENTRY.exec(line) : null;
    if (atTop && !m) throw new Error(`yaml: cannot read line '${line}'`);
    if (m) out.push({ key: m[1].trim(), lines: [m[2] ?? ''] });
    else if (out.length > 0) out[out.length - 1].lines.push(line);
  }
  return out;
}

/** YAML strips only spaces and tabs (JS trim() also strips U+00A0). */
function trimYaml(s: string): string {
  return s.replace(/^[ \t]+|[ \t]+$/g, '');
}

/** Joins the lines of a flow scalar with YAML's folding rules. */
function fold(lines: string[], escapedBreaks: boolean): string {
  let out = trimYaml(lines[0]);
  let blanks = 0;
  for (const raw of lines.slice(1)) {
    const line = trimYaml(raw);
    if (line === '') {
      blanks += 1;
      continue;
    }
    const trailing = /\\*$/.exec(out)?.[0].length ?? 0;
    if (escapedBreaks && trailing % 2 === 1) {
      out = out.slice(0, -1) + '\n'.repeat(blanks) + line;
    } else {
      out += (blanks > 0 ? '\n'.repeat(blanks) : ' ') + line;
    }
    blanks = 0;
  }
  return out;
}

const UNESCAPE: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  t: '\t',
  '\t': '\t',
  n: '\n',
  v: '\v',
  f: '\f',
  r: '\r',
  e: '\x1b',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
  N: '\x85',
  _: '\xa0',
  L: '\u2028',
  P: '\u2029',
};
const HEX_WIDTH: Record<string, number> = { x: 2, u: 4, U: 8 };

function unquoteDouble(s: string): string {
  let out = '';
  for (let i = 1; i < s.length; i += 1) {
    const ch = s[i];
    if (ch === '"') {
      if (!/^[ \t]*(#.*)?$/.test(s.slice(i + 1))) break;
      return out;
    }
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const code = s[i + 1];
    const width = HEX_WIDTH[code];
    if (width !== undefined) {
      const digits = s.slice(i + 2, i + 2 + width);
      if (!/^[0-9a-fA-F]+$/.test(digits) || digits.length !== width) break;
      out += String.fromCodePoint(parseInt(digits, 16));
      i += 1 + width;
    } else if (UNESCAPE[code] !== undefined) {
      out += UNESCAPE[code];
      i += 1;
    } else break;
  }
  throw new Error(`yaml: malformed double-quoted scalar ${s}`);
}

function unquoteSingle(s: string): string {
  const body = /^'((?:[^']|'')*)'[ \t]*(#.*)?$/.exec(s);
  if (!body) throw new Error(`yaml: malformed single-quoted scalar ${s}`);
  return body[1].replace(/''/g, "'");
}

/** YAML 1.1 core resolution of a plain scalar, as PyYAML resolves it. */
function resolvePlain(s: string): YamlValue {
  const text = s.replace(/\s+#.*$/, '');
  if (text === '' || text === '~' || /^(null|Null|NULL)$/.test(text)) {
    return null;
  }
  if (/^(true|True|TRUE)$/.test(text)) return true;
  if (/^(false|False|FALSE)$/.test(text)) return false;
  if (/^[-+]?(0|[1-9][0-9_]*)$/.test(text)) {
    return Number(text.replace(/_/g, ''));
  }
  if (/^[-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+][0-9]+)?$/.test(text)) {
    return Number(text.replace(/_/g, ''));
  }
  return text;
}

function blockList(lines: string[]): YamlValue[] {
  return lines.map((l) => {
    const item = /^\s*-(?:\s+(.*))?$/.exec(l);
    if (!item) throw new Error(`yaml: cannot read list item '${l}'`);
    return scalar([item[1] ?? '']);
  });
}

function scalar(lines: string[]): YamlValue {
  const first = trimYaml(lines[0]);
  const rest = lines.slice(1).filter((l) => trimYaml(l) !== '');
  if (first === '' && rest.length > 0 && /^\s*-(\s|$)/.test(rest[0])) {
    return blockList(rest);
  }
  if (first === '[]') return [];
  if (/^[|>]/.test(first)) {
    throw new Error(`yaml: block scalars are not supported ('${first}')`);
  }
  if (first.startsWith('"')) return unquoteDouble(fold(lines, true));
  if (first.startsWith("'")) return unquoteSingle(fold(lines, false));
  return resolvePlain(fold(lines, false));
}

/** Reads a flat YAML mapping such as MLflow's meta.yaml. */
export function parseYaml(text: string): Record<string, YamlValue> {
  const map: Record<string, YamlValue> = {};
  for (const { key, lines } of entries(text)) {
    try {
      map[key] = scalar(lines);
    } catch (e) {
      throw new Error(`${(e as Error).message} (key '${key}')`);
    }
  }
  return map;
}
