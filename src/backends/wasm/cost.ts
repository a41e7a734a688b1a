// The WASM backend's figures for the cost report: one KernelCost per kernel step (the same steps,
// in the same order, as lower.ts emits functions), and the arena's memory figures, all with the
// symbolic dims bound to given sizes. A kernel's bytes are its compulsory traffic: every operand
// read once and every result written once (operands of a fused group that live inside it do not
// count); re-reads by tiling are below the cache on this target and not counted.
// A control op is one step whose body runs once per iteration: its operands and results count
// once, its body's kernels (nested control ops likewise) once per iteration, so the step's
// figures scale with the trip count where the bindings size it (../../report/repeats.ts).

import type { Module, Op, Value } from '../../../ir/ir.js';
import { backendReport, binder, type BackendReport, type ReportOptions } from '../../report/backend.js';
import type { KernelCost } from '../../report/cost.js';
import { repeatOf, type TripCount } from '../../report/repeats.js';
import { loopTrips } from '../loop-scans.js';
import type { Manifest } from './artifact.js';
import { ESIZE } from './kernel-api.js';
import { KERNELS } from './kernels/index.js';
import { stateCount } from './regions.js';

const STRUCTURAL = new Set(['const', 'return', 'yield', 'fused']);
const CONTROL = new Set(['if', 'loop', 'scan']);
const HEAVY = ['matmul', 'gemm', 'conv', 'conv_transpose', 'attention', 'einsum', 'lstm', 'gru', 'rnn'];

/** The kernel steps of the main function, as lower.ts numbers them. */
export function kernelSteps(module: Module): Op[] {
  return module.main.body.ops.filter((op) => !STRUCTURAL.has(op.name) || op.name === 'fused');
}

/** Stable, descriptive kernel name: step number and the fused group's (or op's) label. */
export const kernelName = (step: number, op: Op): string =>
  // Dashes only, as the WebGPU backend names its kernels (`001-max-pool`).
  `${String(step).padStart(3, '0')}-${String(op.attrs.get('name')?.value ?? op.name).replace(/[^A-Za-z0-9.-]+/g, '-')}`;

const norm = (a: number, rank: number): number => (a < 0 ? a + rank : a);

/**
 * How often a scan or loop body runs: the scan length, or a loop's max_trip_count where the loop
 * provably runs that often (loop-scans.ts); null: only the run knows (the body may stop early).
 */
export function bodyTrips(op: Op, module: Module): TripCount {
  if (op.name === 'scan') {
    const x = op.operands[stateCount(op)];
    const shape = x?.type.shape;
    if (!shape) return null;
    const d = shape[norm(Number((op.attrs.get('scan_input_axes')?.value as number[] | undefined)?.[0] ?? 0), shape.length)];
    return d === undefined || d === '?' ? null : { dims: [d], div: 1 };
  }
  const d = op.name === 'loop' ? loopTrips(op, module) : undefined;
  return d === undefined || d === '?' ? null : { dims: [d], div: 1 };
}

interface Work { flops: number; read: number; written: number }

export function wasmKernelCosts(module: Module, manifest: Manifest, bind: Readonly<Record<string, number>>): KernelCost[] {
  const size = binder(bind);
  const numel = (v: Value): number => (v.type.shape ?? []).reduce<number>((a, d) => a * size(d), 1);
  const bytesOf = (vs: readonly (Value | null)[]): number =>
    vs.reduce((a, v) => a + (v ? numel(v) * (ESIZE[v.type.dtype] ?? 4) : 0), 0);
  const flopsOf = (o: Op): number => (CONTROL.has(o.name) ? controlWork(o).flops : KERNELS.get(o.name)?.flops?.(o, numel) ?? 0);
  // One pass through a region: each op (a fused group as one) reads its operands and writes its results.
  const regionWork = (ops: readonly Op[]): Work => ops.filter((o) => !STRUCTURAL.has(o.name) || o.name === 'fused').reduce<Work>((w, o) => {
    // A nested control op: its whole work, its own body times its own trips.
    if (CONTROL.has(o.name)) { const c = controlWork(o); return { flops: w.flops + c.flops, read: w.read + c.read, written: w.written + c.written }; }
    const inner = o.name === 'fused' ? o.regions[0]!.ops.filter((x) => !STRUCTURAL.has(x.name)) : [o];
    return { flops: w.flops + inner.reduce((a, x) => a + flopsOf(x), 0), read: w.read + bytesOf(o.operands), written: w.written + bytesOf(o.results) };
  }, { flops: 0, read: 0, written: 0 });
  // A control op: its operands and results once; a branch (the costlier) or the body times its trips (once when unknown).
  function controlWork(op: Op): Work {
    const bodies = op.regions.map((r) => regionWork(r.ops));
    const body = bodies.reduce((a, b) => (b.flops + b.read + b.written > a.flops + a.read + a.written ? b : a), { flops: 0, read: 0, written: 0 });
    const times = op.name === 'if' ? 1 : repeatOf([bodyTrips(op, module)], bind).factor;
    return { flops: times * body.flops, read: bytesOf(op.operands) + times * body.read, written: bytesOf(op.results) + times * body.written };
  }
  return kernelSteps(module).map((op, s) => {
    const ops = op.name === 'fused' ? op.regions[0]!.ops.filter((o) => !STRUCTURAL.has(o.name)) : [op];
    const main = ops.find((o) => HEAVY.includes(o.name)) ?? ops[0] ?? op;
    const work = CONTROL.has(op.name) ? controlWork(op) : { flops: ops.reduce((a, o) => a + flopsOf(o), 0), read: bytesOf(op.operands), written: bytesOf(op.results) };
    const repeat = op.name === 'scan' || op.name === 'loop' ? repeatOf([bodyTrips(op, module)], bind).repeat : undefined;
    return {
      name: kernelName(s, op), ops: ops.map((o) => o.name), flops: work.flops,
      bytesRead: work.read, bytesWritten: work.written,
      dtype: main.results[0]?.type.dtype ?? 'f32', symbol: manifest.kernels[s],
      ...(repeat ? { repeat } : {}),
    };
  });
}

/** The cost report of a compiled WASM module (with a batching plan when asked for). */
export function wasmReport(module: Module, manifest: Manifest, opts: ReportOptions): BackendReport {
  return backendReport('wasm', manifest, manifest.kernels.length, (b) => wasmKernelCosts(module, manifest, b), opts);
}
