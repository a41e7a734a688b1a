// The WASM backend's figures for the cost report: one KernelCost per kernel step (the same steps,
// in the same order, as lower.ts emits functions), and the arena's memory figures, all with the
// symbolic dims bound to given sizes. A kernel's bytes are its compulsory traffic: every operand
// read once and every result written once (operands of a fused group that live inside it do not
// count); re-reads by tiling are below the cache on this target and not counted.

import type { Module, Op, Value } from '../../../ir/ir.js';
import { evalDim, isCompoundDim } from '../../../ir/symbolic.js';
import type { Dim } from '../../../ir/types.js';
import { fail } from '../../../ir/diagnostics.js';
import { planBatching, type BatchingPlan } from '../../report/batching.js';
import { costReport, lowerBound, type CostReport, type KernelCost, type MemoryCost, type TimelineBuffer } from '../../report/cost.js';
import type { DeviceProfile } from '../../report/profile.js';
import { planArena } from '../../runtime/plan.js';
import type { Manifest } from './artifact.js';
import { ESIZE } from './kernel-api.js';
import { KERNELS } from './kernels/index.js';

const STRUCTURAL = new Set(['const', 'return', 'yield', 'fused']);
const HEAVY = ['matmul', 'gemm', 'conv', 'conv_transpose', 'attention', 'einsum', 'lstm', 'gru', 'rnn'];

/**
 * Sizes for a kernel's figures: numbers as they are, symbols from `bind` (1 when not given, data
 * symbols too), expression dims (ir/symbolic.ts) evaluated with those bindings.
 */
export function binder(bind: Readonly<Record<string, number>>): (d: Dim) => number {
  return (d) => {
    if (typeof d === 'number') return d;
    try {
      // Unbound plain or data symbols count 1; an expression is evaluated, never defaulted whole.
      return Math.max(0, evalDim(d, (name) => bind[name] ?? (isCompoundDim(name) ? undefined : 1)) ?? 1);
    } catch {
      return 1;
    }
  };
}

/** The kernel steps of the main function, as lower.ts numbers them. */
export function kernelSteps(module: Module): Op[] {
  return module.main.body.ops.filter((op) => !STRUCTURAL.has(op.name) || op.name === 'fused');
}

/** Stable, descriptive kernel name: step number and the fused group's (or op's) label. */
export const kernelName = (step: number, op: Op): string =>
  // Dashes only, as the WebGPU backend names its kernels (`001-max-pool`).
  `${String(step).padStart(3, '0')}-${String(op.attrs.get('name')?.value ?? op.name).replace(/[^A-Za-z0-9.-]+/g, '-')}`;

export function wasmKernelCosts(module: Module, manifest: Manifest, bind: Readonly<Record<string, number>>): KernelCost[] {
  const size = binder(bind);
  const numel = (v: Value): number => (v.type.shape ?? []).reduce<number>((a, d) => a * size(d), 1);
  const bytesOf = (vs: readonly (Value | null)[]): number =>
    vs.reduce((a, v) => a + (v ? numel(v) * (ESIZE[v.type.dtype] ?? 4) : 0), 0);
  return kernelSteps(module).map((op, s) => {
    const ops = op.name === 'fused' ? op.regions[0]!.ops.filter((o) => !STRUCTURAL.has(o.name)) : [op];
    const flops = ops.reduce((a, o) => a + (KERNELS.get(o.name)?.flops?.(o, numel) ?? 0), 0);
    const main = ops.find((o) => HEAVY.includes(o.name)) ?? ops[0] ?? op;
    return {
      name: kernelName(s, op), ops: ops.map((o) => o.name), flops,
      bytesRead: bytesOf(op.operands), bytesWritten: bytesOf(op.results),
      dtype: main.results[0]?.type.dtype ?? 'f32', symbol: manifest.kernels[s],
    };
  });
}

export function wasmMemory(manifest: Manifest, bind: Readonly<Record<string, number>>): MemoryCost {
  const all: Record<string, number> = {};
  for (const s of manifest.symbols) all[s] = bind[s] ?? 1;
  const f = binder(all);
  const sized = (b: Manifest['buffers'][number]): number => b.shape.reduce<number>((a, d) => a * f(d), b.esize);
  const arena = manifest.buffers.map((b, i) => ({ b, i })).filter(({ b }) => b.kind !== 'weight');
  const shapes = manifest.buffers.map((b) => ({ ...b, shape: [sized(b) / b.esize] as number[] }));
  const plan = planArena(shapes, {}, manifest.alignment);
  const timeline: TimelineBuffer[] = arena.map(({ b, i }) => ({
    name: b.name, first: b.first ?? 0, last: b.last ?? manifest.kernels.length, offset: plan.offsets[i]!, bytes: sized(b),
  }));
  return {
    peakBytes: plan.bytes,
    lowerBoundBytes: lowerBound(timeline),
    naiveBytes: timeline.reduce((a, b) => a + Math.ceil(b.bytes / manifest.alignment) * manifest.alignment, 0),
    weightsBytes: manifest.weightsBytes,
    timeline,
  };
}

export interface WasmReportOptions {
  readonly pipeline: string;
  readonly profile: DeviceProfile;
  /** Sizes of symbolic dims for the figures (default 1 each). */
  readonly bind?: Readonly<Record<string, number>>;
  /** Plan batching for this load: requests per second and a p99 target in ms. */
  readonly batching?: { readonly ratePerSec: number; readonly p99TargetMs: number; readonly batchDim?: string };
}

export interface WasmReport {
  readonly report: CostReport;
  readonly batching?: BatchingPlan;
  /** The symbol the batching planner scaled (null: the model has no batch dim). */
  readonly batchDim?: string | null;
}

/** The batch symbol: the one named, else the first input's leading dim when it is a symbol. */
export function batchSymbol(manifest: Pick<Manifest, 'symbols' | 'inputs'>, named?: string): string | null {
  if (named !== undefined) {
    if (!manifest.symbols.includes(named)) fail('E108', `--batch-dim ${named}: the model has no symbolic dim of that name (it has: ${manifest.symbols.join(', ') || 'none'})`);
    return named;
  }
  const d = manifest.inputs[0]?.shape[0];
  return typeof d === 'string' && manifest.symbols.includes(d) ? d : null;
}

/**
 * The symbols a user binds (input dims and data symbols, default 1): the manifest's dims table
 * also holds derived dims (expressions), which are computed from these, never bound directly.
 */
export function baseSymbols(manifest: { readonly symbols: readonly string[]; readonly derived?: Readonly<Record<string, unknown>> }): string[] {
  return manifest.symbols.filter((s) => !(manifest.derived && s in manifest.derived) && !isCompoundDim(s));
}

/** Each bindable symbol's size (default 1); naming a symbol the model does not have is E108. */
export function bindFor(symbols: readonly string[], given: Readonly<Record<string, number>> = {}): Record<string, number> {
  const unknown = Object.keys(given).filter((k) => !symbols.includes(k));
  if (unknown.length > 0) {
    fail('E108', `--bind: the model has no symbolic dim ${unknown.map((u) => `'${u}'`).join(', ')} (it has: ${symbols.join(', ') || 'none'})`);
  }
  const bind: Record<string, number> = {};
  for (const s of symbols) bind[s] = given[s] ?? 1;
  return bind;
}

export function wasmReport(module: Module, manifest: Manifest, opts: WasmReportOptions): WasmReport {
  const bind = bindFor(baseSymbols(manifest), opts.bind);
  const at = (b: Readonly<Record<string, number>>): CostReport => costReport({
    model: module.name, target: 'wasm', pipeline: opts.pipeline, bind: b,
    kernels: wasmKernelCosts(module, manifest, b), memory: wasmMemory(manifest, b),
  }, opts.profile);
  const report = at(bind);
  if (!opts.batching) return { report };
  const dim = batchSymbol(manifest, opts.batching.batchDim);
  const batching = planBatching({
    ratePerSec: opts.batching.ratePerSec, p99TargetMs: opts.batching.p99TargetMs, pricePerHour: opts.profile.pricePerHour,
    // Without a batch dim, a batch of b is b runs one after the other.
    serviceMsAt: (b) => (dim ? at({ ...bind, [dim]: b }).predicted.latencyMs : b * report.predicted.latencyMs),
  });
  return { report, batching, batchDim: dim };
}
