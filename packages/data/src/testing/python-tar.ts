/**
 * Test helper, not exported from the package: archives written by an
 * independent writer, Python's `tarfile`, so that the tests of our reader
 * do not check our code against itself.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** One member: a file from disk or given bytes, a folder, or a link. */
export type TarMember =
  | { readonly name: string; readonly src: string }
  | { readonly name: string; readonly bytes: Uint8Array }
  | { readonly name: string; readonly type: 'dir' }
  | { readonly name: string; readonly symlink: string };

export interface PythonTarOptions {
  /** tarfile's format: 'USTAR', 'GNU' or 'PAX' (the default). */
  readonly format?: 'USTAR' | 'GNU' | 'PAX';
  /** gzip the archive (default true). */
  readonly gzip?: boolean;
}

const SCRIPT = `
import base64, io, json, sys, tarfile
spec = json.load(sys.stdin)
fmt = getattr(tarfile, spec['format'] + '_FORMAT')
with tarfile.open(spec['out'], 'w:gz' if spec['gzip'] else 'w', format=fmt) as tar:
    for m in spec['members']:
        info = tarfile.TarInfo(m['name'])
        info.mtime = 1262304000
        if 'type' in m:
            info.type = tarfile.DIRTYPE
            tar.addfile(info)
        elif 'symlink' in m:
            info.type = tarfile.SYMTYPE
            info.linkname = m['symlink']
            tar.addfile(info)
        else:
            data = base64.b64decode(m['bytes']) if 'bytes' in m else open(m['src'], 'rb').read()
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
`;

/** Debian's interpreter, or the first python3 on PATH; undefined if none. */
export function findPython(): string | undefined {
  if (existsSync('/usr/bin/python3')) return '/usr/bin/python3';
  const r = spawnSync('python3', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? 'python3' : undefined;
}

/** Writes `members` to the archive `out` with Python's tarfile. */
export function pythonTar(
  out: string,
  members: readonly TarMember[],
  options: PythonTarOptions = {},
): void {
  const python = findPython();
  if (!python) throw new Error('pythonTar: no python3 found');
  const encoded = members.map((m) =>
    'bytes' in m
      ? { name: m.name, bytes: Buffer.from(m.bytes).toString('base64') }
      : m,
  );
  const spec = {
    out,
    format: options.format ?? 'PAX',
    gzip: options.gzip ?? true,
    members: encoded,
  };
  const r = spawnSync(python, ['-c', SCRIPT], {
    input: JSON.stringify(spec),
    encoding: 'utf8',
  });
  if (r.status !== 0) {
    throw new Error(`pythonTar: ${python} failed: ${r.stderr}`);
  }
}
