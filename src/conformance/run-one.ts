// One conformance test on the chosen backend (shared by the runner's in-process mode and the worker).

import type { Tolerance } from '../check/compare.js';
import { runConformanceTest, type TestResult } from './run-test.js';
import { runConformanceTestWasm } from './run-test-wasm.js';
import { runConformanceTestWebGpu } from './run-test-webgpu.js';
import type { ConformanceBackend } from './worker.js';

export function runOne(backend: ConformanceBackend, dir: string, tolerance: Tolerance): Promise<TestResult> | TestResult {
  if (backend === 'wasm') return runConformanceTestWasm(dir, tolerance);
  if (backend === 'webgpu') return runConformanceTestWebGpu(dir, tolerance);
  return runConformanceTest(dir, tolerance);
}
