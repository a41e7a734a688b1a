// The cost model: a roofline per kernel on a device profile. Each kernel's time is bounded below
// by its arithmetic (FLOPs / peak for its element type) and by its memory traffic (bytes / memory
// bandwidth); the larger of the two, plus the fixed cost of one launch, is its predicted time.
// Totals add the kernels in order (one stream, no overlap), which is how both backends run.
//
// Everything here is plain arithmetic on the backend's figures, so the report is deterministic:
// the same compile gives the same report.json, byte for byte.

import type { DeviceProfile } from './profile.js';

/** What a backend knows about one emitted kernel, with every symbol bound (see `bind`). */
export interface KernelCost {
  /** Stable, descriptive kernel name (`007-conv2d-bias-relu`). */
  readonly name: string;
  /** The IR ops the kernel computes, in order. */
  readonly ops: readonly string[];
  readonly flops: number;
  /** Bytes the kernel reads from memory (inputs, weights; re-reads of a tiled operand included). */
  readonly bytesRead: number;
  /** Bytes it writes. */
  readonly bytesWritten: number;
  /** Element type of its arithmetic (picks the peak). */
  readonly dtype: string;
  /** Backend-specific name (WASM function, WGSL file). */
  readonly symbol?: string;
  /**
   * Work in a loop or scan body: done `repeat.times` times per run, and flops and bytes above
   * are over all of them (per iteration when the count is known only at run time).
   */
  readonly repeat?: KernelRepeat;
  /** Launches per run when not one (a WebGPU dispatch in a repeated range): each pays the launch overhead. */
  readonly launches?: number;
}

export interface KernelRepeat {
  /** The trip count as the compiled artifact states it (`7`, `T`, `%n[0]`; nested bodies multiply: `%n[0]*4`). */
  readonly count: string;
  /** Its value with the report's bindings; null: known only at run time (the figures are per iteration). */
  readonly times: number | null;
}

/** A buffer of the arena with its live range in kernel steps and its planned place. */
export interface TimelineBuffer {
  readonly name: string;
  readonly first: number;
  readonly last: number;
  readonly offset: number;
  readonly bytes: number;
}

export interface MemoryCost {
  /** Arena size the plan needs. */
  readonly peakBytes: number;
  /** Largest total of simultaneously live buffers: no plan can need less. */
  readonly lowerBoundBytes: number;
  /** Every buffer in its own allocation (each padded to the backend's alignment, as the arena pads them). */
  readonly naiveBytes: number;
  readonly weightsBytes: number;
  readonly timeline: readonly TimelineBuffer[];
}

export interface KernelPrediction extends KernelCost {
  readonly bytes: number;
  /** FLOPs per byte moved. */
  readonly intensity: number;
  /** Which roof limits it. */
  readonly bound: 'compute' | 'memory' | 'overhead';
  readonly computeUs: number;
  readonly memoryUs: number;
  readonly predictedUs: number;
}

export interface CostReport {
  readonly format: 'tenth-report/1';
  readonly model: string;
  readonly target: string;
  readonly pipeline: string;
  /** Sizes given to symbolic dims for the figures. */
  readonly bind: Readonly<Record<string, number>>;
  readonly device: DeviceProfile;
  readonly kernels: readonly KernelPrediction[];
  readonly memory: MemoryCost;
  readonly totals: { readonly kernels: number; readonly flops: number; readonly bytes: number; readonly intensity: number };
  readonly predicted: {
    readonly latencyMs: number;
    /** The split of latencyMs: time of the compute-bound kernels, of the memory-bound ones, and launch overhead. */
    readonly computeMs: number;
    readonly memoryMs: number;
    readonly overheadMs: number;
    /** Queries per second, one at a time on one device. */
    readonly throughputPerSec: number;
    /** With a price: the cost of a million queries run back to back. */
    readonly costPerMillion?: number;
  };
}

/** Per-family efficiency factor from a calibrated profile (1 = the roof). */
function efficiency(profile: DeviceProfile, k: KernelCost): number {
  const cal = profile.calibration;
  if (!cal) return 1;
  return cal[kernelFamily(k)] ?? cal['default'] ?? 1;
}

/** The family a kernel belongs to for calibration: its first heavy op, else its first op. */
export function kernelFamily(k: Pick<KernelCost, 'ops'>): string {
  const heavy = ['matmul', 'gemm', 'conv', 'conv_transpose', 'attention', 'einsum', 'lstm', 'gru', 'rnn'];
  return k.ops.find((o) => heavy.includes(o)) ?? k.ops[0] ?? 'default';
}

export function predictKernel(k: KernelCost, profile: DeviceProfile): KernelPrediction {
  const bytes = k.bytesRead + k.bytesWritten;
  const peak = profile.peakGflops[k.dtype] ?? profile.peakGflops['f32']!;
  const eff = efficiency(profile, k);
  const computeUs = k.flops / (peak * 1e3) / eff;
  const memoryUs = bytes / (profile.memoryGBps * 1e3) / eff;
  const overhead = profile.dispatchOverheadUs * (k.launches ?? 1);
  const bound = Math.max(computeUs, memoryUs) < overhead ? 'overhead' : computeUs >= memoryUs ? 'compute' : 'memory';
  return {
    ...k, bytes, intensity: bytes > 0 ? k.flops / bytes : 0, bound,
    computeUs, memoryUs, predictedUs: Math.max(computeUs, memoryUs) + overhead,
  };
}

/** Peak live bytes over the steps: the least any placement can reach. */
export function lowerBound(timeline: readonly Omit<TimelineBuffer, 'offset'>[]): number {
  const steps = timeline.reduce((m, b) => Math.max(m, b.last + 1), 0);
  let best = 0;
  for (let s = 0; s < steps; s++) {
    let live = 0;
    for (const b of timeline) if (b.first <= s && s <= b.last) live += b.bytes;
    best = Math.max(best, live);
  }
  return best;
}

export interface ReportInput {
  readonly model: string;
  readonly target: string;
  readonly pipeline: string;
  readonly bind: Readonly<Record<string, number>>;
  readonly kernels: readonly KernelCost[];
  readonly memory: MemoryCost;
}

export function costReport(input: ReportInput, profile: DeviceProfile): CostReport {
  const kernels = input.kernels.map((k) => predictKernel(k, profile));
  const flops = kernels.reduce((a, k) => a + k.flops, 0);
  const bytes = kernels.reduce((a, k) => a + k.bytes, 0);
  const latencyUs = kernels.reduce((a, k) => a + k.predictedUs, 0);
  const latencyMs = latencyUs / 1e3;
  const throughputPerSec = latencyMs > 0 ? 1e3 / latencyMs : 0;
  // The three parts add up to the latency: each kernel's roofline time goes to the roof that bounds it.
  const launches = (k: KernelPrediction): number => k.launches ?? 1;
  const roofUs = (k: KernelPrediction): number => k.predictedUs - profile.dispatchOverheadUs * launches(k);
  const predicted = {
    latencyMs,
    computeMs: kernels.reduce((a, k) => a + (k.computeUs >= k.memoryUs ? roofUs(k) : 0), 0) / 1e3,
    memoryMs: kernels.reduce((a, k) => a + (k.computeUs < k.memoryUs ? roofUs(k) : 0), 0) / 1e3,
    overheadMs: kernels.reduce((a, k) => a + launches(k), 0) * profile.dispatchOverheadUs / 1e3,
    throughputPerSec,
    ...(profile.pricePerHour !== undefined && throughputPerSec > 0
      ? { costPerMillion: profile.pricePerHour / 3600 * 1e6 / throughputPerSec } : {}),
  };
  return {
    format: 'tenth-report/1', model: input.model, target: input.target, pipeline: input.pipeline, bind: input.bind,
    device: profile, kernels, memory: input.memory,
    totals: { kernels: kernels.length, flops, bytes, intensity: bytes > 0 ? flops / bytes : 0 },
    predicted,
  };
}
