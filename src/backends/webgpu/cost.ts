// The WebGPU backend's figures for the cost report (src/report/): one KernelCost per dispatch,
// with FLOPs counted from the dispatch's IR ops and bytes from the buffers it binds for reading and
// writing (compulsory traffic: each read once, each written once; values kept in registers inside
// the dispatch do not count), and the arena's memory figures, all with the symbols bound. A
// dispatch in a scan or loop body (the manifest's `repeats`: ranges recorded `count` times, nested
// ranges multiplying) counts once per recording: its figures and launches scale with the count.

import type { Module, Op, Value } from '../../../ir/ir.js';
import { backendReport, binder, type BackendReport, type ReportOptions } from '../../report/backend.js';
import type { KernelCost } from '../../report/cost.js';
import { repeated, type TripCount } from '../../report/repeats.js';
import { ESIZE } from '../wasm/kernel-api.js';
import type { GpuManifest } from './artifact.js';
import { dequantB } from './kernels/gemm-dequant.js';
import { kernelFor } from './kernels/index.js';

const HEAVY = ['matmul', 'gemm', 'conv', 'conv_transpose', 'attention', 'einsum'];

/** Region arguments of fused groups -> the values they stand for, to find the constants a dispatch reads. */
function argAliases(module: Module): Map<Value, Value> {
  const alias = new Map<Value, Value>();
  const walk = (ops: readonly Op[]): void => ops.forEach((op) => {
    op.regions.forEach((r) => {
      if (op.name === 'fused') r.args.forEach((a, i) => { const v = op.operands[i]; if (v) alias.set(a, v); });
      walk(r.ops);
    });
  });
  module.funcs.forEach((f) => walk(f.body.ops));
  return alias;
}

export function webgpuKernelCosts(module: Module, manifest: GpuManifest, dispatchOps: readonly (readonly Op[])[], bind: Readonly<Record<string, number>>): KernelCost[] {
  const size = binder(bind);
  const numel = (v: Value): number => (v.type.shape ?? []).reduce<number>((a, d) => a * size(d), 1);
  const bufBytes = (id: number): number => {
    const b = manifest.buffers[id]!;
    return b.shape.reduce<number>((a, d) => a * size(d), b.esize);
  };
  const alias = argAliases(module);
  const stored = new Map(manifest.buffers.filter((b) => b.kind === 'weight' && b.bytes !== undefined).map((b) => [b.name, b.bytes!] as const));
  const resolve = (v: Value): Value => { let x = v; while (alias.has(x)) x = alias.get(x)!; return x; };
  // Weights live in their own binding (not in the arena reads): count each constant a dispatch reads once.
  const weightBytes = (ops: readonly Op[]): number => {
    const seen = new Set<Value>();
    // A matmul reading B through a weight dequantization (kernels/gemm-dequant.ts) reads its codes and scales.
    const reads = (o: Op): readonly (Value | null)[] => (o.name === 'matmul' ? [...o.operands, ...(dequantB(o)?.operands ?? [])] : o.operands);
    for (const o of ops) for (const v of reads(o)) { const r = v ? resolve(v) : undefined; if (r?.def?.name === 'const') seen.add(r); }
    // As stored: a --f16 build keeps f32 weights as f16 (the manifest's weight buffer says so).
    return [...seen].reduce((a, v) => a + (stored.get(v.name) ?? numel(v) * (ESIZE[v.type.dtype] ?? 4)), 0);
  };
  return manifest.kernels.map((k, s) => {
    const ops = dispatchOps[s] ?? [];
    const main = ops.find((o) => HEAVY.includes(o.name)) ?? ops[0];
    // Ranges are listed outer before inner.
    const trips: TripCount[] = (manifest.repeats ?? []).filter((r) => r.from <= s && s < r.to).map((r) => r.count);
    return repeated({
      name: k.name, ops: k.ops, symbol: k.file,
      flops: ops.reduce((a, o) => a + (kernelFor(o)?.flops?.(o, numel) ?? 0), 0),
      bytesRead: k.reads.filter((id) => manifest.buffers[id]!.kind !== 'weight').reduce((a, id) => a + bufBytes(id), 0) + weightBytes(ops),
      bytesWritten: k.writes.reduce((a, id) => a + bufBytes(id), 0),
      dtype: main?.results[0]?.type.dtype ?? 'f32',
    }, trips, bind, { launches: true });
  });
}

/** The cost report of a compiled WebGPU artifact (with a batching plan when asked for). */
export function webgpuReport(module: Module, manifest: GpuManifest, dispatchOps: readonly (readonly Op[])[], opts: ReportOptions): BackendReport {
  return backendReport('webgpu', manifest, manifest.kernels.length, (b) => webgpuKernelCosts(module, manifest, dispatchOps, b), opts);
}
