// What a WGSL kernel generator sees. Two kinds of generators:
// - map kernels compute ONE result element at a flat index `i` (elementwise ops, data movement,
//   pooling, depthwise conv). Consecutive map ops of a fused group that read each other at the
//   same index are chained into one dispatch: the first computes its value, the rest read it
//   from a register, and only values used elsewhere are stored.
// - special kernels (tiled GEMM/conv, row reductions, reductions) print a whole `main` with
//   workgroup memory; every result element goes through `epi(i, v)`, the generated epilogue
//   that runs the chained elementwise ops after it and stores.

import type { Module, Op, Value } from '../../../ir/ir.js';
import type { Tensor } from '../../../ir/tensor.js';
import type { Dim } from '../../../ir/types.js';
import type { CountExpr } from './artifact.js';
import { type Body, mulU, REG } from './wgsl.js';

export interface KernelCtx {
  /** The function body being printed (main for anchors, the epilogue for chained ops). */
  readonly body: Body;
  readonly module: Module;
  /** Compiled with --f16: kernels may keep f32 values as f16 in workgroup memory (accumulate in f32). */
  readonly f16?: boolean;
  /** Printing the subgroup variant: reductions may use subgroupAdd/Max/Min/Mul (builtins sgsize, sgid). */
  readonly subgroups?: boolean;
  dims(v: Value): readonly Dim[];
  /** u32 expression for one dim (symbols come from the uniform). */
  dim(d: Dim): string;
  /** u32 expression for a product of dims. */
  size(dims: readonly Dim[]): string;
  /** Register value of element `idx` (u32 expression) of a stored value or weight. */
  load(v: Value, idx: string): string;
  /** Operand j of op at the result's flat index i, broadcast (a register if the chain computed it). */
  operand(op: Op, j: number, i: string): string;
  /** The constant behind a value (through fused-group arguments), if any. */
  constant(v: Value | null): Tensor | undefined;
  /** Fail compilation for this op (E201). */
  fail(op: Op, message: string): never;
  /** Store element idx of op's result r, if this dispatch stores it (special kernels' extra results). */
  storeResult(op: Op, r: number, idx: string, value: string): void;
  /**
   * Record, at run time, an index `j` (i32 expression, before wrapping) outside [-size, size)
   * (`size` a u32 expression): the runtime then refuses the run naming `op`. `bad` (a bool
   * expression) replaces that test where valid values are not [-size, size) (write positions).
   * Kernels call it through index-check.ts wrapIndex, which also wraps and clamps the index.
   */
  indexCheck(op: Op, j: string, size: string, bad?: string): void;
  /**
   * Ops whose result size is data (../data-dims.ts): store the count (u32 expression) that the
   * runtime binds the op's counted dim to, from one invocation (or all, with the same value). The
   * kernel lays its results out for that count and must not read the dim itself (its uniform
   * holds the bound until the runtime rebinds it after this dispatch); its dispatch must not
   * depend on it either. No-op for an op whose results have no counted dim.
   */
  setCount(op: Op, count: string): void;
}

export interface MapKernel {
  readonly kind: 'map';
  /** Operands read at the result's own index (broadcast); the others are read at computed indices. */
  pointwise(op: Op): readonly number[];
  /** Operand 0 is read at the same flat index although its dims differ (reshape and friends). */
  readonly flat?: boolean;
  /** Operands read at run time (default: all); the others only fixed the result type. */
  reads?(op: Op): readonly number[];
  /** Emit statements for the element at flat index `i` (u32) of result `result` and return its expression. */
  value(k: KernelCtx, op: Op, i: string, result?: number): string;
  /**
   * Computes a result from empty operands too (a reduction over an empty box gives its initial
   * value); by default a dispatch that reads an empty operand runs no workgroups.
   */
  readonly emptyOperands?: boolean;
  /** Several results, each computed by its own dispatch (split). */
  readonly multi?: boolean;
  /**
   * For ops that only move elements: the result index of the element at operand 0's flat index
   * `i`. Lets a chain end in this op as a permuted store instead of a separate dispatch.
   */
  scatter?(k: KernelCtx, op: Op, i: string): string;
  flops?(op: Op, numel: (v: Value) => number): number;
}

export interface SpecialShader {
  /** Module-scope declarations (workgroup arrays). */
  readonly decls: readonly string[];
  readonly workgroupSize: readonly [number, number, number];
  readonly dispatch: readonly [CountExpr, CountExpr, CountExpr];
  /** Whether main computes its linear workgroup index as wid.x + wid.y * nwg.x (x may be folded). */
  readonly fold: boolean;
  readonly workgroupBytes: number;
}

export interface SpecialKernel {
  readonly kind: 'special';
  /**
   * Print main's body into k.body. Builtins in scope: wid, nwg, lid3 (vec3<u32>), lid (u32).
   * Each result element must reach `epi(i, v);` exactly once.
   */
  emit(k: KernelCtx, op: Op): SpecialShader;
  reads?(op: Op): readonly number[];
  /** The kernel stores results after the first itself (through k.storeResult). */
  readonly extraResults?: boolean;
  /** As MapKernel's: computes a result from empty operands too (reductions give their initial value). */
  readonly emptyOperands?: boolean;
  /**
   * Runs while any result is non-empty (default: not when the first is empty): training-mode
   * batch_normalization of an empty batch still writes its running statistics.
   */
  runsEmpty?(op: Op): boolean;
  flops?(op: Op, numel: (v: Value) => number): number;
}

export type KernelDef = MapKernel | SpecialKernel;

/** Same dims, symbol by symbol. */
export const sameDims = (a: readonly Dim[], b: readonly Dim[]): boolean => a.length === b.length && a.every((d, i) => d === b[i]);

/** Row-major strides of dims as u32 expressions. */
export function strides(k: KernelCtx, dims: readonly Dim[]): string[] {
  const s: string[] = [];
  let acc = '1u';
  for (let a = dims.length - 1; a >= 0; a--) {
    s[a] = acc;
    acc = mulU(acc, k.dim(dims[a]!));
  }
  return s;
}

/** Emit `let c_a = (i / stride_a) % dim_a` for every axis; returns the names. */
export function coords(k: KernelCtx, i: string, dims: readonly Dim[], prefix = 'c'): string[] {
  const st = strides(k, dims);
  return dims.map((d, a) => {
    if (d === 1) return '0u';
    const q = st[a] === '1u' ? i : `(${i} / ${st[a]})`;
    return k.body.let(prefix, a === 0 ? q : `${q} % ${k.dim(d)}`);
  });
}

export const intAttr = (op: Op, name: string, d: number): number => Number(op.attrs.get(name)?.value ?? d);
export const intsAttr = (op: Op, name: string): readonly number[] | undefined => op.attrs.get(name)?.value as readonly number[] | undefined;
export const floatAttr = (op: Op, name: string, d: number): number => Number(op.attrs.get(name)?.value ?? d);

/**
 * Refuse an op unless every given value computes in f32 registers (f32, f16, bf16, f64, float8:
 * storage.ts rounds to the stored dtype): the float-only kernels share this one check and message.
 */
export function needFloat(k: KernelCtx, op: Op, values: readonly (Value | null | undefined)[], what: string = op.name): void {
  const bad = values.find((v) => v && REG[v.type.dtype] !== 'f32');
  if (bad) k.fail(op, `${what} on ${bad.type.dtype} is not supported by the webgpu backend (float dtypes only)`);
}
