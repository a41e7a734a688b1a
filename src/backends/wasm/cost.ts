// The WASM backend's figures for the cost report: one KernelCost per kernel step (the same steps,
// in the same order, as lower.ts emits functions), and the arena's memory figures, all with the
// symbolic dims bound to given sizes. A kernel's bytes are its compulsory traffic: every operand
// read once and every result written once (operands of a fused group that live inside it do not
// count); re-reads by tiling are below the cache on this target and not counted.

import type { Module, Op, Value } from '../../../ir/ir.js';
import { backendReport, binder, type BackendReport, type ReportOptions } from '../../report/backend.js';
import type { KernelCost } from '../../report/cost.js';
import type { Manifest } from './artifact.js';
import { ESIZE } from './kernel-api.js';
import { KERNELS } from './kernels/index.js';

const STRUCTURAL = new Set(['const', 'return', 'yield', 'fused']);
const HEAVY = ['matmul', 'gemm', 'conv', 'conv_transpose', 'attention', 'einsum', 'lstm', 'gru', 'rnn'];

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

/** The cost report of a compiled WASM module (with a batching plan when asked for). */
export function wasmReport(module: Module, manifest: Manifest, opts: ReportOptions): BackendReport {
  return backendReport('wasm', manifest, manifest.kernels.length, (b) => wasmKernelCosts(module, manifest, b), opts);
}
