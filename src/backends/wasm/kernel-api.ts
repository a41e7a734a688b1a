// What a kernel generator sees: the emitter of its function, buffer addresses and shapes of the
// values it reads and writes, constants, and packed weights. Generators print loops for ONE op;
// a fused group's function is the concatenation of its ops' loops over arena buffers.

import type { Module, Op, Value } from '../../../ir/ir.js';
import type { Tensor } from '../../../ir/tensor.js';
import type { Dim } from '../../../ir/types.js';
import type { FuncEmitter } from './emitter.js';
import type { ThreadCtx } from './threads.js';

export interface KernelCtx {
  readonly em: FuncEmitter;
  readonly module: Module;
  /** i32 expression: byte address of the value's buffer. */
  ptr(v: Value): string;
  /** The value's ranked shape (symbols allowed, '?' refused at legalisation). */
  dims(v: Value): readonly Dim[];
  /** i32 expression for one dim. */
  dim(d: Dim): string;
  /** i32 expression for a product of dims. */
  size(dims: readonly Dim[]): string;
  /** The constant tensor behind a value, if it is defined by `const` (through fused-group arguments). */
  constant(v: Value | null): Tensor | undefined;
  /**
   * Elements of a small integer value as dims (numbers, or expressions over symbols and data
   * symbols that `dim()` computes at run time), e.g. Slice starts given as input data.
   */
  shapeValue(v: Value | null): Dim[] | undefined;
  /** Address of a weight re-laid out at compile time; `key` names the layout (deduplicated). */
  packed(v: Value, key: string, pack: (t: Tensor) => Float32Array): string;
  /** Ask for a module-level helper function (exp, erf, ...) by name. */
  helper(name: string): string;
  /** Add a generated module-level function once (keyed by its name); returns `$name`. */
  moduleFunc(name: string, wat: string): string;
  /** Address of a scratch buffer of `bytes` bytes, live during this kernel only. */
  scratch(bytes: number): string;
  /**
   * Address of a scratch buffer of `esize` bytes per element of `dims` (symbols allowed: the
   * runtime sizes it for the bound dims, like any arena buffer), live during this kernel only.
   * One buffer for all threads (unlike scratch()): for kernels that do not split, or whose
   * threads write disjoint parts of it.
   */
  scratchDims(dims: readonly Dim[], esize: number): string;
  /** Fail compilation for this op (E201). */
  fail(op: Op, message: string): never;
  /**
   * Ops whose result size is data (../data-dims.ts): emit the store of the count (i32 expression)
   * that the runtime binds the op's counted dim to. The kernel lays its results out for that count
   * and must not read the dim itself (it holds the bound until the runtime rebinds it). No-op for
   * an op whose results have no counted dim (a constant condition).
   */
  setCount(op: Op, count: string): void;
  /** Set in the threaded module variant only: split loops through threads.ts `share`. */
  readonly threads?: ThreadCtx;
}

export interface KernelDef {
  /** Emit the loops computing `op`'s results into their buffers. */
  emit(k: KernelCtx, op: Op): void;
  /** Floating-point operations with every symbol bound to `bind` (report.json). */
  flops?(op: Op, numel: (v: Value) => number): number;
}

// f16/bf16 hold their raw bits; float8 and float4 one code per byte; int4/int2 one (sign-extended) value per byte.
export const ESIZE: Readonly<Record<string, number>> = {
  f32: 4, i32: 4, u32: 4, i64: 8, u64: 8, f64: 8, bool: 1, u8: 1, i8: 1, i16: 2, u16: 2,
  f16: 2, bf16: 2, f8e4m3fn: 1, f8e4m3fnuz: 1, f8e5m2: 1, f8e5m2fnuz: 1, f8e8m0: 1, f4e2m1: 1, i4: 1, u4: 1, i2: 1, u2: 1,
};

export function esize(k: KernelCtx, op: Op, v: Value): number {
  const n = ESIZE[v.type.dtype];
  if (n === undefined) k.fail(op, `dtype ${v.type.dtype} is not supported by the wasm backend`);
  return n;
}

/** Same dims, symbol by symbol. */
export const sameDims = (a: readonly Dim[], b: readonly Dim[]): boolean => a.length === b.length && a.every((d, i) => d === b[i]);
