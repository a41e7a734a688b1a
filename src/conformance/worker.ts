// Worker-thread entry for the conformance runner: runs the tests it is sent, one at a time, and
// posts each result back. Keeping tests in a worker lets the runner stop one that hangs
// (Worker.terminate interrupts even a synchronous loop) or survive one that crashes the thread.

import { parentPort } from 'node:worker_threads';
import type { Tolerance } from '../check/compare.js';
import { runConformanceTest } from './run-test.js';

export interface WorkerRequest {
  readonly id: number;
  readonly dir: string;
  readonly tolerance: Tolerance;
}

export interface WorkerReply {
  readonly id: number;
  readonly result: ReturnType<typeof runConformanceTest>;
}

if (parentPort) {
  const port = parentPort;
  port.on('message', (req: WorkerRequest) => {
    const reply: WorkerReply = { id: req.id, result: runConformanceTest(req.dir, req.tolerance) };
    port.postMessage(reply);
  });
}
