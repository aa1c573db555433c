// Our side of the bench as a process of its own (so that its peak memory
// is the case's alone): one JSON request per line on stdin, one JSON
// reply per line on stdout.
//
//   {"cmd": "setup", "case": ID, "dir": DIR, "seed": N}  build the case,
//        write the exchange files to DIR, count the FLOPs, plan the
//        micro-batch of a training step
//        -> {"backend", "baseMb", "forwardFlops", "microBatch", "split"}
//   {"cmd": "parity", "dir": DIR}  write our parity outputs to DIR
//   {"cmd": "step"}   one timed step -> {"ms": ...}
//   {"cmd": "peak"}   -> {"peak_mb", "wasm_heap_mb"}
//   {"cmd": "quit"}   exits (no reply)
//
// The thread count comes from ACSM_WASM_THREADS, as for every run.
import { createInterface } from 'node:readline';
import { format } from 'node:util';
import { initBackend, wasmHeapMb } from '@acsm/core';
import { selectCases } from './cases';
import {
  buildOurs,
  forwardFlops,
  planOurs,
  step,
  writeExchange,
  writeParityOutputs,
  type OursBench,
} from './ours';

type Request =
  | { cmd: 'setup'; case: string; dir: string; seed: number }
  | { cmd: 'parity'; dir: string }
  | { cmd: 'step' | 'peak' };

/** Peak RSS of this process in MB (2^20 bytes); maxRSS is in kB. */
function peakMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

let bench: OursBench | undefined;

async function handle(req: Request): Promise<object> {
  switch (req.cmd) {
    case 'setup': {
      const baseMb = peakMb();
      const backend = await initBackend();
      const [c] = selectCases([req.case]);
      bench = buildOurs(c, req.seed);
      await writeExchange(bench, req.dir);
      const flops = await forwardFlops(bench);
      const split = await planOurs(bench);
      const microBatch = bench.microBatch ?? null;
      return { backend, baseMb, forwardFlops: flops, microBatch, split };
    }
    case 'parity':
      if (!bench) throw new Error('parity before setup');
      await writeParityOutputs(bench, req.dir);
      return {};
    case 'step': {
      if (!bench) throw new Error('step before setup');
      const t0 = performance.now();
      step(bench);
      return { ms: performance.now() - t0 };
    }
    case 'peak':
      return { peak_mb: peakMb(), wasm_heap_mb: wasmHeapMb() };
  }
}

async function main(): Promise<void> {
  // stdout carries the replies only.
  console.log =
    console.info =
    console.warn =
      (...args: unknown[]) => {
        process.stderr.write(`${format(...args)}\n`);
      };
  for await (const line of createInterface({ input: process.stdin })) {
    const req = JSON.parse(line) as Request | { cmd: 'quit' };
    if (req.cmd === 'quit') break;
    let reply: object;
    try {
      reply = await handle(req);
    } catch (e) {
      reply = { error: e instanceof Error ? e.message : String(e) };
    }
    process.stdout.write(`${JSON.stringify(reply)}\n`);
  }
  process.exit(0);
}

await main();
