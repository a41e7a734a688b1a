// The conformance runner: every ONNX backend test folder under a root (model.onnx +
// test_data_set_N/), one result per folder, in name order. By default tests run in a worker
// thread with a per-test time limit: a test that hangs is stopped and failed, a test that takes
// the thread down is failed and the worker restarted, and the run goes on either way.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { fail } from '../../ir/diagnostics.js';
import { ONNX_TOLERANCE, type Tolerance } from '../check/compare.js';
import type { TestResult } from './run-test.js';
import { chooseWebGpuAdapter } from './run-test-webgpu.js';
import { runOne } from './run-one.js';
import type { ConformanceBackend, WorkerReply, WorkerRequest } from './worker.js';

export interface ConformanceOptions {
  /** Run only tests whose folder name matches. */
  readonly filter?: RegExp;
  /** Run only these tests (folder names); combined with `filter`. */
  readonly only?: ReadonlySet<string>;
  readonly tolerance?: Tolerance;
  /** Run through the interpreter (default) or the WASM / WebGPU backend (tests without kernels are skipped). */
  readonly backend?: ConformanceBackend;
  /** Per-test time limit in ms (worker mode only). Default 60 s. */
  readonly timeoutMs?: number;
  /** Run in this thread: faster to start, but a hanging test hangs the run. Default false. */
  readonly inProcess?: boolean;
  /** Called after each test (progress reporting). */
  readonly onResult?: (r: TestResult, done: number, total: number) => void;
  /** webgpu: where the line naming the adapter goes (default stderr). */
  readonly onAdapter?: (line: string) => void;
}

/** Names of the test folders under root (those holding a model.onnx), sorted. */
export function listTests(root: string, opts: Pick<ConformanceOptions, 'filter' | 'only'> = {}): string[] {
  if (!existsSync(root) || !statSync(root).isDirectory()) fail('E101', `conformance folder not found: ${root}`);
  return readdirSync(root)
    .filter((n) => existsSync(join(root, n, 'model.onnx')))
    .filter((n) => (!opts.filter || opts.filter.test(n)) && (!opts.only || opts.only.has(n)))
    .sort();
}

/**
 * Where the worker's code is. When this module runs as TypeScript (tsx, vitest) the worker is
 * .ts too, and a fresh thread does not inherit the TypeScript loader, so it registers tsx first.
 */
function workerSource(): { code: string; eval: boolean } | { code: URL; eval: false } {
  const self = fileURLToPath(import.meta.url);
  const url = new URL(`./worker${extname(self)}`, import.meta.url);
  if (extname(self) !== '.ts') return { code: url, eval: false };
  const code = `import(${JSON.stringify(tsxEsmApi())}).then((m) => m.register()).then(() => import(${JSON.stringify(url.href)}));`;
  return { code, eval: true };
}

/** file URL of tsx's ESM API (its CommonJS twin cannot register ESM hooks from a worker). */
function tsxEsmApi(): string {
  const req = createRequire(import.meta.url);
  const pkgPath = req.resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  return pathToFileURL(join(dirname(pkgPath), pkg.exports['./esm/api']!.import.default)).href;
}

/** One worker thread that runs tests one at a time; replaced after a timeout or crash. */
class TestWorker {
  private worker: Worker | null = null;
  private nextId = 0;
  private pending: { id: number; resolve: (r: WorkerReply | Error) => void } | null = null;

  private start(): Worker {
    const src = workerSource();
    const w = src.eval ? new Worker(src.code as string, { eval: true }) : new Worker(src.code);
    w.on('message', (m: WorkerReply) => {
      if (this.pending && m.id === this.pending.id) { const p = this.pending; this.pending = null; p.resolve(m); }
    });
    const died = (e: Error): void => {
      if (this.worker === w) this.worker = null;
      if (this.pending) { const p = this.pending; this.pending = null; p.resolve(e); }
    };
    w.on('error', (e) => died(e instanceof Error ? e : new Error(String(e))));
    w.on('exit', (code) => died(new Error(`worker exited with code ${code}`)));
    this.worker = w;
    return w;
  }

  async run(dir: string, test: string, tolerance: Tolerance, timeoutMs: number, backend: ConformanceBackend): Promise<TestResult> {
    const w = this.worker ?? this.start();
    const id = this.nextId++;
    const req: WorkerRequest = { id, dir, tolerance, backend };
    let timer: NodeJS.Timeout | undefined;
    const reply = await new Promise<WorkerReply | Error | 'timeout'>((resolve) => {
      this.pending = { id, resolve };
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
      w.postMessage(req);
    });
    clearTimeout(timer);
    if (reply === 'timeout') {
      this.pending = null;
      await this.stop();
      return { test, status: 'failed', reason: `timed out after ${timeoutMs / 1000} s`, opTypes: [] };
    }
    if (reply instanceof Error) {
      await this.stop();
      return { test, status: 'failed', reason: `crashed the test worker: ${reply.message.split('\n')[0]}`, opTypes: [] };
    }
    return reply.result;
  }

  async stop(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }
}

/** Run the tests under root; results come back in name order. */
export async function runConformance(root: string, opts: ConformanceOptions = {}): Promise<TestResult[]> {
  const tests = listTests(root, opts);
  const tolerance = opts.tolerance ?? ONNX_TOLERANCE;
  const results: TestResult[] = [];
  const backend = opts.backend ?? 'interp';
  if (backend === 'webgpu') {
    const line = await chooseWebGpuAdapter();
    if (line) (opts.onAdapter ?? ((l: string) => process.stderr.write(`${l}\n`)))(line);
  }
  const worker = opts.inProcess ? null : new TestWorker();
  try {
    for (const test of tests) {
      const dir = join(root, test);
      const r = worker
        ? await worker.run(dir, test, tolerance, opts.timeoutMs ?? 60_000, backend)
        : await runOne(backend, dir, tolerance);
      results.push(r);
      opts.onResult?.(r, results.length, tests.length);
    }
  } finally {
    await worker?.stop();
  }
  return results;
}
