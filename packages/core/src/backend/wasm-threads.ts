// Starting tfjs-backend-wasm's threaded build in Node.
//
// tfjs 4.22 turns threads off in Node, and its threaded build could not
// start there anyway: Emscripten's pthread workers are created from blob:
// URLs (the worker script and the module's own source, both built in
// memory), and Node's worker_threads only loads files. It also caps the
// XNNPACK thread pool at half of os.cpus(), assuming two hyper-threads per
// core, which gives one thread on a two-core machine.
//
// For the duration of the backend's start-up this module:
// - records the text of each script Blob the backend builds (both are plain
//   strings) and writes it to a content-addressed file in the temp folder;
// - hands Node's Worker the file instead of the blob: URL, with the
//   worker's importScripts pointed at the module file for the same reason;
// - reports 2 × the wanted thread count as os.cpus().length, so that the
//   backend's cap equals the count asked for.
// Everything is put back once the backend is up. The pool's threads are
// unref'ed so that they do not keep a finished process alive.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';

const require = createRequire(import.meta.url);

/** Start of the module source that the backend puts in a Blob. */
const MODULE_PREFIX = 'var WasmBackendModuleThreadedSimd';

/**
 * The bundle's module-level names that the module's source refers to; in
 * a worker they must exist as globals before the source runs.
 */
const MODULE_PRELUDE =
  "var require$$0=require('fs'),require$$1=require('path')," +
  "require$$3=require('perf_hooks'),require$$4=require('os')," +
  'commonjsGlobal=globalThis;\n';

type NodeWorkerClass = new (file: string | URL, options?: object) => object;

interface Patches {
  restore(): void;
}

/**
 * Activates the 'wasm' backend with `threads` XNNPACK threads. Throws when
 * the threaded build does not start; the caller then starts the
 * single-threaded build.
 */
export async function startThreadedWasm(threads: number): Promise<number> {
  if (!Number.isInteger(threads) || threads < 2) {
    throw new Error(`startThreadedWasm: threads must be >= 2, got ${threads}`);
  }
  if (typeof SharedArrayBuffer === 'undefined') {
    throw new Error('this Node has no SharedArrayBuffer');
  }
  const patches = patchForStartUp(threads);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  setThreadsCount(threads);
  let ok = false;
  try {
    ok = await tf.setBackend('wasm');
    await tf.ready();
  } finally {
    patches.restore();
  }
  if (!ok) throw new Error("tf.setBackend('wasm') failed with threads");
  const pthread = (tf.backend() as unknown as WasmModuleHolder).wasm.PThread;
  for (const worker of pthread?.runningWorkers ?? []) worker.unref?.();
  return threads;
}

interface WasmModuleHolder {
  wasm: { PThread?: { runningWorkers: { unref?: () => void }[] } };
}

function patchForStartUp(threads: number): Patches {
  const os = require('node:os') as typeof import('node:os');
  const workerThreads = require('node:worker_threads') as {
    Worker: NodeWorkerClass;
  };
  const g = globalThis as unknown as { Blob: typeof Blob };
  const saved = {
    Blob: g.Blob,
    createObjectURL: URL.createObjectURL,
    Worker: workerThreads.Worker,
    cpus: os.cpus,
  };
  const files = new ScriptFiles();
  const blobFiles = new WeakMap<object, string>();
  const urlFiles = new Map<string, string>();

  class RecordingBlob extends saved.Blob {
    constructor(
      parts: ConstructorParameters<typeof Blob>[0] = [],
      options?: ConstructorParameters<typeof Blob>[1],
    ) {
      super(parts, options);
      if (parts.every((p) => typeof p === 'string')) {
        blobFiles.set(this, files.add(parts.join('')));
      }
    }
  }
  class FileWorker extends saved.Worker {
    constructor(file: string | URL, options?: object) {
      const url = String(file);
      const path = url.startsWith('blob:') ? urlFiles.get(url) : undefined;
      if (url.startsWith('blob:') && path === undefined) {
        throw new Error(`no script recorded for the worker URL ${url}`);
      }
      super(path ?? file, options);
    }
  }

  g.Blob = RecordingBlob;
  URL.createObjectURL = (blob: Blob) => {
    const url = saved.createObjectURL.call(URL, blob);
    const path = blobFiles.get(blob);
    if (path !== undefined) urlFiles.set(url, files.workerScript(path));
    return url;
  };
  workerThreads.Worker = FileWorker;
  os.cpus = () => {
    const cpus = saved.cpus.call(os);
    return Array.from({ length: 2 * threads }, (_, i) => cpus[i % cpus.length]);
  };
  return {
    restore() {
      g.Blob = saved.Blob;
      URL.createObjectURL = saved.createObjectURL;
      workerThreads.Worker = saved.Worker;
      os.cpus = saved.cpus;
    },
  };
}

/** Content-addressed script files in the temp folder. */
class ScriptFiles {
  private readonly dir = join(tmpdir(), 'acsm-wasm-threads');
  private modulePath: string | undefined;
  private readonly texts = new Map<string, string>();

  /** Writes one recorded Blob's text; the module source gets its prelude. */
  add(text: string): string {
    const isModule = text.startsWith(MODULE_PREFIX);
    const path = this.write(isModule ? MODULE_PRELUDE + text : text);
    if (isModule) this.modulePath = path;
    return path;
  }

  /**
   * The worker script at `path`, extended so that its importScripts of a
   * blob: URL (the module, posted to it as a Blob) reads the module file.
   */
  workerScript(path: string): string {
    if (path === this.modulePath) return path;
    if (this.modulePath === undefined) {
      throw new Error('the worker started before the module was recorded');
    }
    const redirect =
      '\n;(function(){var load=global.importScripts;' +
      'global.importScripts=function(f){return load(' +
      `String(f).indexOf('blob:')===0?${JSON.stringify(this.modulePath)}:f)}})();\n`;
    return this.write(this.textOf(path) + redirect);
  }

  private write(text: string): string {
    const hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
    const path = join(this.dir, `${hash}.js`);
    this.texts.set(path, text);
    if (!existsSync(path)) {
      mkdirSync(this.dir, { recursive: true });
      const partial = `${path}.${process.pid}.tmp`;
      writeFileSync(partial, text);
      renameSync(partial, path);
    }
    return path;
  }

  private textOf(path: string): string {
    const text = this.texts.get(path);
    if (text === undefined) throw new Error(`no script at ${path}`);
    return text;
  }
}
