// Running a threaded module (model-threads.wasm, see src/backends/wasm/threads.ts) on N threads:
// the main thread plus N-1 workers, created once at load, all instantiating the same compiled
// module over one shared memory. A run bumps the start generation of the control block and
// notifies; every thread then calls `run_mt`, which does its share of each split kernel and meets
// the others at the module's barriers. The main thread's `run_mt` returns after the last barrier,
// so the outputs are complete when it does: no message passing and no allocation per run.
//
// Workers: Node's worker_threads (eval'd source, unref'd so a forgotten dispose() does not keep
// the process alive), or Web Workers (browsers, Deno: a module Worker on a Blob URL). A browser's
// main thread may not block (Atomics.wait throws there, memory.atomic.wait32 traps), so it is
// initialised with wait = 0 and only spins at barriers, while doing its own share of the work;
// workers and Node's or Deno's main thread spin briefly, then block.
//
// Control block: 16 bytes at `ctl` (i32 words): 0 start generation, 1 barrier arrivals, 2 barrier
// generation, 3 exit flag.

import { TenthRuntimeError } from './errors.js';
import { WORKER_SOURCE } from './worker.js';

interface SharedMemory { readonly buffer: ArrayBuffer; grow(pages: number): number }
interface WasmModuleApi {
  compile(bytes: Uint8Array): Promise<object>;
  instantiate(module: object, imports: object): Promise<{ exports: Record<string, unknown> }>;
  Memory: new (d: { initial: number; maximum: number; shared: boolean }) => SharedMemory;
}
const WASM = (globalThis as unknown as { WebAssembly: WasmModuleApi }).WebAssembly;

/** The instance and run function the runtime drives (index.ts); one per loaded model. */
export interface ThreadedEngine {
  readonly exports: Record<string, unknown>;
  readonly memory: SharedMemory;
  readonly threads: number;
  /** One run on every thread; returns when all kernels are done. */
  run(): void;
  /** Run `f` on the main thread alone (kernels split for 1 thread): profile(). */
  alone(f: () => void): void;
  /** Stop and terminate the workers. */
  dispose(): Promise<void>;
}

/** Whether this engine can share WebAssembly memory with workers (browsers: cross-origin isolated pages only). */
export function supportsThreads(): boolean {
  try {
    if (typeof SharedArrayBuffer !== 'function' || typeof Atomics !== 'object') return false;
    return new WASM.Memory({ initial: 1, maximum: 1, shared: true }).buffer instanceof SharedArrayBuffer;
  } catch {
    return false;
  }
}

/** Atomics.wait is allowed on this thread (not on a browser's main thread). */
function canBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

// In a variable, like fetch.ts's node:fs/promises: browser bundlers would otherwise try to resolve it.
const NODE_WORKERS = 'node:worker_threads';

interface AnyWorker { postMessage(m: unknown): void; terminate(): unknown }
type Reply = { ready?: boolean; error?: string };

/** Start one worker running WORKER_SOURCE; `onReply` gets its messages and errors. */
async function spawn(onReply: (r: Reply) => void): Promise<AnyWorker> {
  const g = globalThis as unknown as {
    Worker?: new (url: string, o: { type: string }) => AnyWorker & { onmessage: unknown; onerror: unknown };
    URL: { createObjectURL(b: unknown): string; revokeObjectURL(u: string): void };
    Blob: new (parts: string[], o: { type: string }) => unknown;
    process?: { versions?: { node?: string } };
    Deno?: unknown;
  };
  // Node: worker_threads even where a library has put a Worker polyfill on globalThis (onnxruntime-web does).
  const node = g.process?.versions?.node !== undefined && g.Deno === undefined;
  if (!node && typeof g.Worker === 'function') {
    const url = g.URL.createObjectURL(new g.Blob([WORKER_SOURCE], { type: 'text/javascript' }));
    const w = new g.Worker(url, { type: 'module' });
    w.onmessage = (e: { data: Reply }) => onReply(e.data);
    w.onerror = (e: { message?: string }) => onReply({ error: e.message ?? 'worker error' });
    return w;
  }
  const { Worker } = (await import(/* webpackIgnore: true */ /* @vite-ignore */ NODE_WORKERS)) as typeof import('node:worker_threads');
  const w = new Worker(WORKER_SOURCE, { eval: true });
  w.on('message', (m: Reply) => onReply(m));
  w.on('error', (e: Error) => onReply({ error: e.stack ?? String(e) }));
  return w;
}

/**
 * Instantiate `bytes` (a threaded module) on `threads` threads over a new shared memory whose
 * control block is at `ctl` (the runtime keeps 16 bytes there free of tables and weights).
 */
export async function startThreads(bytes: Uint8Array, threads: number, ctl: number, maxPages: number): Promise<ThreadedEngine> {
  const module = await WASM.compile(bytes);
  const memory = new WASM.Memory({ initial: Math.ceil((ctl + 16) / 65536), maximum: maxPages, shared: true });
  const instance = await WASM.instantiate(module, { env: { memory } });
  const ex = instance.exports;
  const init = ex['init'] as (tid: number, nt: number, ctl: number, wait: number) => void;
  const runMt = ex['run_mt'] as () => void;
  const wait = canBlock() ? 1 : 0;
  init(0, threads, ctl, wait);
  // The control words stay at a low address: this view is valid however much memory grows.
  const c = new Int32Array(memory.buffer, ctl, 4);
  const workers: AnyWorker[] = [];
  try {
    await Promise.all(Array.from({ length: threads - 1 }, async (_x, i) => {
      let settle: (r: Reply) => void = () => {};
      const ready = new Promise<Reply>((resolve) => (settle = resolve));
      const w = await spawn((r) => settle(r));
      workers.push(w);
      w.postMessage({ module, memory, tid: i + 1, nt: threads, ctl });
      const r = await ready;
      if (!r.ready) throw new TenthRuntimeError('E501', `tenth runtime: worker ${i + 1} failed to start: ${r.error ?? 'no reply'}`);
      (w as { unref?: () => void }).unref?.();
    }));
  } catch (e) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw e;
  }
  let disposed = false;
  return {
    exports: ex, memory, threads,
    run() {
      if (disposed) throw new TenthRuntimeError('E501', 'tenth runtime: this model was disposed');
      Atomics.add(c, 0, 1);
      Atomics.notify(c, 0);
      runMt();
    },
    alone(f) {
      init(0, 1, ctl, wait);
      try {
        f();
      } finally {
        init(0, threads, ctl, wait);
      }
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      Atomics.store(c, 3, 1);
      Atomics.add(c, 0, 1);
      Atomics.notify(c, 0);
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
