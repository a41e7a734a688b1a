// Device profiles: what the cost model needs to know about a machine. JSON files, so a user can
// write one for their own device (`--device FILE`) or calibrate one from measurements
// (`tenth calibrate`). Three are bundled; `loadProfile` accepts a bundled name or a path.

import { readFileSync } from 'node:fs';
import { fail } from '../../ir/diagnostics.js';
import datacenterGpu from './profiles/datacenter-gpu.json' with { type: 'json' };
import integratedGpu from './profiles/integrated-gpu.json' with { type: 'json' };
import laptopCpuWasm from './profiles/laptop-cpu-wasm.json' with { type: 'json' };

export interface DeviceProfile {
  readonly name: string;
  readonly description?: string;
  /** Which backend's kernels the figures describe. */
  readonly target: 'wasm' | 'webgpu';
  /** Attainable arithmetic throughput per element type, GFLOP/s (GOP/s for integers). `f32` is required. */
  readonly peakGflops: Readonly<Record<string, number>>;
  /** Attainable memory bandwidth, GB/s (10^9 bytes per second). */
  readonly memoryGBps: number;
  /** Fixed cost of launching one kernel (a WASM call, a WebGPU dispatch), microseconds. */
  readonly dispatchOverheadUs: number;
  /** Price of the machine per hour, in `currency`. */
  readonly pricePerHour?: number;
  /** Currency of the price (e.g. "USD"); printed beside amounts. */
  readonly currency?: string;
  /** Where the figures come from. */
  readonly source?: string;
  /** Set by `tenth calibrate`: per-kernel-family efficiency factors measured on this device. */
  readonly calibration?: Readonly<Record<string, number>>;
}

export const BUNDLED_PROFILES: Readonly<Record<string, DeviceProfile>> = {
  'laptop-cpu-wasm': laptopCpuWasm as DeviceProfile,
  'integrated-gpu': integratedGpu as DeviceProfile,
  'datacenter-gpu': datacenterGpu as DeviceProfile,
};

/** The bundled profile a target uses when the user names none. */
export const DEFAULT_PROFILE: Readonly<Record<'wasm' | 'webgpu', string>> = { wasm: 'laptop-cpu-wasm', webgpu: 'integrated-gpu' };

const positive = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x > 0;

/** Check a parsed profile; E110 names the file and the field. */
export function validateProfile(p: unknown, file: string): DeviceProfile {
  const bad = (msg: string): never => fail('E110', `device profile ${file}: ${msg}`, undefined,
    [`bundled profiles: ${Object.keys(BUNDLED_PROFILES).join(', ')}`]);
  if (typeof p !== 'object' || p === null || Array.isArray(p)) return bad('expected a JSON object');
  const o = p as Record<string, unknown>;
  if (typeof o['name'] !== 'string' || o['name'] === '') bad('"name" must be a non-empty string');
  if (o['target'] !== 'wasm' && o['target'] !== 'webgpu') bad('"target" must be "wasm" or "webgpu"');
  const peaks = o['peakGflops'];
  if (typeof peaks !== 'object' || peaks === null || Array.isArray(peaks)) bad('"peakGflops" must be an object of GFLOP/s per dtype');
  for (const [k, v] of Object.entries(peaks as Record<string, unknown>)) if (!positive(v)) bad(`"peakGflops.${k}" must be a positive number`);
  if (!positive((peaks as Record<string, unknown>)['f32'])) bad('"peakGflops.f32" is required');
  if (!positive(o['memoryGBps'])) bad('"memoryGBps" must be a positive number');
  if (typeof o['dispatchOverheadUs'] !== 'number' || !(o['dispatchOverheadUs'] >= 0)) bad('"dispatchOverheadUs" must be a number >= 0');
  if (o['pricePerHour'] !== undefined && !positive(o['pricePerHour'])) bad('"pricePerHour" must be a positive number when given');
  if (o['currency'] !== undefined && (typeof o['currency'] !== 'string' || !/^[A-Za-z$€£¥]{1,8}$/.test(o['currency']))) bad('"currency" must be a short code such as "USD"');
  const cal = o['calibration'];
  if (cal !== undefined) {
    if (typeof cal !== 'object' || cal === null) bad('"calibration" must be an object');
    for (const [k, v] of Object.entries(cal as Record<string, unknown>)) if (!positive(v)) bad(`"calibration.${k}" must be a positive number`);
  }
  return o as unknown as DeviceProfile;
}

/** A bundled profile by name, or a JSON file by path. */
export function loadProfile(nameOrPath: string): DeviceProfile {
  const bundled = BUNDLED_PROFILES[nameOrPath];
  if (bundled) return bundled;
  let text: string;
  try {
    text = readFileSync(nameOrPath, 'utf8');
  } catch {
    return fail('E101', `cannot read device profile ${nameOrPath}`, undefined,
      [`give a JSON file or one of: ${Object.keys(BUNDLED_PROFILES).join(', ')}`]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return fail('E110', `device profile ${nameOrPath} is not valid JSON: ${(e as Error).message}`);
  }
  return validateProfile(parsed, nameOrPath);
}
