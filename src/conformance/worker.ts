// Worker-thread entry for the conformance runner: runs the tests it is sent, one at a time, and
// posts each result back. Keeping tests in a worker lets the runner stop one that hangs
// (Worker.terminate interrupts even a synchronous loop) or survive one that crashes the thread.

import { parentPort } from 'node:worker_threads';
import type { Tolerance } from '../check/compare.js';
import { runOne } from './run-one.js';
import type { TestResult } from './run-test.js';

export interface WorkerRequest {
  readonly id: number;
  readonly dir: string;
  readonly tolerance: Tolerance;
  readonly backend: ConformanceBackend;
}

/** What runs the models: the reference interpreter, or the WASM or WebGPU backend (compile + runtime). */
export type ConformanceBackend = 'interp' | 'wasm' | 'webgpu';

export interface WorkerReply {
  readonly id: number;
  readonly result: TestResult;
}

if (parentPort) {
  const port = parentPort;
  port.on('message', (req: WorkerRequest) => {
    // Requests come one at a time (the runner waits for each reply), so async tests do not overlap.
    void (async () => {
      const result = await runOne(req.backend, req.dir, req.tolerance);
      const reply: WorkerReply = { id: req.id, result };
      port.postMessage(reply);
    })();
  });
}
