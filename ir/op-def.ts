// The op table's schema. Each op is declared once, as data, in a file under ir/ops/: operands,
// results, attribute schema, traits, fusion class, shape rule (`infer`) and reference semantics
// (`eval`). The verifier, printer, parser, interpreter and (later) passes and backends all read
// this table; nothing else knows an op's rules.

import type { AttrKind, AttrValue, Op } from './ir.js';
import type { DType } from './dtype.js';
import type { Loc } from './location.js';
import type { Tensor } from './tensor.js';
import type { Dim, TensorType } from './types.js';

export type FusionClass = 'elementwise' | 'broadcast' | 'injective' | 'reduction' | 'contraction' | 'opaque' | 'control';
export type Trait = 'pure' | 'commutative' | 'in-place' | 'terminator' | 'constant-like' | 'random';

export interface OperandSpec {
  readonly name: string;
  /** May be omitted (operand is null). */
  readonly optional?: boolean;
  /** Takes any number (>= 0 if optional, else >= 1) of operands; only the last spec may be variadic. */
  readonly variadic?: boolean;
}

export interface AttrSpec {
  readonly kind: AttrKind;
  /** Used when the attribute is absent. No default + not required = truly optional (`attrs.has`). */
  readonly default?: AttrValue['value'];
  readonly required?: boolean;
}

/** Typed, defaulted access to an op's attributes. Missing required attributes throw E306. */
export interface AttrReader {
  has(name: string): boolean;
  int(name: string): number;
  float(name: string): number;
  string(name: string): string;
  ints(name: string): readonly number[];
  floats(name: string): readonly number[];
  strings(name: string): readonly string[];
  dtype(name: string): DType;
  tensor(name: string): Tensor;
  /** Raw value, if present (after defaults). */
  get(name: string): AttrValue | undefined;
}

export interface InferCtx {
  readonly op: Op;
  /** Operand types; null where an optional operand is omitted. */
  readonly inputs: readonly (TensorType | null)[];
  readonly attrs: AttrReader;
  /** Number of results the op has (for variadic results, e.g. Split). */
  readonly numResults: number;
  readonly loc: Loc;
  /** Value of operand i when it is a compile-time constant (const op), else undefined. */
  constant(i: number): Tensor | undefined;
  /**
   * Elements of operand i (a 0-D/1-D integer tensor, e.g. a shape operand) as dims: numbers where
   * known, dim expressions over symbols where traced (ir/shape-value.ts), '?' elements where not;
   * undefined when nothing is known. Optional so wrappers of a ctx may omit it.
   */
  shapeValue?(i: number): Dim[] | undefined;
  /** Types yielded by region r. */
  regionResults(r: number): TensorType[];
  /** Declared type of a module weight, if the module is known and has it. */
  weightType(name: string): TensorType | undefined;
  /** Report a shape-rule violation naming the op (throws). */
  fail(message: string): never;
}

export interface EvalCtx {
  readonly op: Op;
  readonly inputs: readonly (Tensor | null)[];
  readonly attrs: AttrReader;
  /** Declared result types (use their dtypes; shapes may contain symbols). */
  readonly resultTypes: readonly TensorType[];
  readonly loc: Loc;
  /** Execute region r with the given block arguments; returns what it yields. */
  runRegion(r: number, args: readonly Tensor[]): Tensor[];
  /** Bytes of a module weight (for `const`). */
  weight(name: string): Tensor;
  /** Report a runtime error naming the op (throws E501). */
  fail(message: string): never;
}

export interface OpDef {
  /** IR name (snake_case), unique in the table. */
  readonly name: string;
  readonly summary: string;
  readonly inputs: readonly OperandSpec[];
  readonly outputs: readonly OperandSpec[];
  readonly attrs: Readonly<Record<string, AttrSpec>>;
  /** Number of regions the op holds (default 0). */
  readonly regions?: number;
  readonly traits: readonly Trait[];
  readonly fusion: FusionClass;
  /** Shape rule: result types from operand types and attributes. */
  infer(ctx: InferCtx): TensorType[];
  /** Reference semantics (ONNX semantics of the newest opset the op maps from). */
  eval(ctx: EvalCtx): Tensor[];
}

const TABLE = new Map<string, OpDef>();

/** Register ops. Called at module load by each file in ir/ops/. */
export function defineOps(...defs: OpDef[]): void {
  for (const d of defs) {
    if (TABLE.has(d.name)) throw new Error(`op ${d.name} defined twice`);
    TABLE.set(d.name, d);
  }
}

export function getOpDef(name: string): OpDef | undefined {
  return TABLE.get(name);
}

export function allOpDefs(): OpDef[] {
  return [...TABLE.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
