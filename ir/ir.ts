// The IR's data structures: a Module holds weights and functions; a function body is a Region;
// a Region has block arguments and a list of ops in SSA order ending in a terminator (`return` in
// functions, `yield` in nested regions). Ops may hold regions (If, Loop, Scan, fused groups).
// Values defined in an enclosing region are visible inside nested regions.

import type { DType } from './dtype.js';
import type { Loc } from './location.js';
import type { Tensor } from './tensor.js';
import type { TensorType } from './types.js';

export class Value {
  /** Printed name without `%`; unique within a function (the printer enforces it). */
  name: string;
  type: TensorType;
  /** The op that defines this value, or null for a region argument. */
  def: Op | null;
  constructor(name: string, type: TensorType, def: Op | null = null) {
    this.name = name;
    this.type = type;
    this.def = def;
  }
}

/** Typed attribute values. `ints`/`floats` hold JS numbers (int64 attributes beyond 2^53 are clamped). */
export type AttrValue =
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'ints'; readonly value: readonly number[] }
  | { readonly kind: 'floats'; readonly value: readonly number[] }
  | { readonly kind: 'strings'; readonly value: readonly string[] }
  | { readonly kind: 'dtype'; readonly value: DType }
  | { readonly kind: 'tensor'; readonly value: Tensor }
  /** Reference to a module weight by name (constants backed by weight bytes). */
  | { readonly kind: 'weight'; readonly value: string };

export type AttrKind = AttrValue['kind'];

export class Region {
  args: Value[];
  ops: Op[];
  constructor(args: Value[] = [], ops: Op[] = []) {
    this.args = args;
    this.ops = ops;
  }
  /** The terminator's operands: what the region yields/returns. */
  get terminator(): Op | undefined {
    return this.ops[this.ops.length - 1];
  }
}

export class Op {
  /** IR op name, a key of the op table (e.g. `add`, `conv`, `const`). */
  name: string;
  /** `null` marks an omitted optional operand. */
  operands: (Value | null)[];
  results: Value[];
  attrs: Map<string, AttrValue>;
  regions: Region[];
  loc: Loc;
  constructor(name: string, operands: (Value | null)[], results: Value[], attrs: Map<string, AttrValue>, regions: Region[], loc: Loc) {
    this.name = name;
    this.operands = operands;
    this.results = results;
    this.attrs = attrs;
    this.regions = regions;
    this.loc = loc;
    for (const r of results) r.def = this;
  }
}

/** Where a weight's bytes live. Paths are relative to the module's base directory. */
export type WeightSource =
  | { readonly kind: 'file'; readonly path: string; readonly offset: number; readonly length: number }
  | { readonly kind: 'inline'; readonly bytes: Uint8Array };

export interface Weight {
  readonly name: string;
  readonly type: TensorType;
  readonly source: WeightSource;
}

export class Func {
  name: string;
  body: Region;
  /** Names of the function's results, in order (ONNX graph output names). */
  resultNames: string[];
  constructor(name: string, body: Region, resultNames: string[]) {
    this.name = name;
    this.body = body;
    this.resultNames = resultNames;
  }
  get args(): Value[] { return this.body.args; }
  get resultTypes(): TensorType[] {
    const t = this.body.terminator;
    return t ? t.operands.map((v) => v!.type) : [];
  }
}

export interface WeightStore {
  /** The folder that file-backed weight paths are relative to, when they come from files. */
  readonly baseDir?: string;
  /** Raw packed bytes of a weight (may be a view into a larger buffer; do not mutate). */
  bytes(w: Weight): Uint8Array;
}

export class Module {
  name: string;
  /** Free-form metadata printed in the module header (producer, opset, ...). Sorted when printed. */
  meta: Map<string, string>;
  weights: Map<string, Weight>;
  funcs: Func[];
  /** Resolves weight bytes; set by whoever created the module (importer, parser). Not printed. */
  store: WeightStore | null;
  constructor(name: string) {
    this.name = name;
    this.meta = new Map();
    this.weights = new Map();
    this.funcs = [];
    this.store = null;
  }
  get main(): Func {
    const f = this.funcs.find((x) => x.name === 'main') ?? this.funcs[0];
    if (!f) throw new Error('module has no functions');
    return f;
  }
}

/** Visit every op in a region and its nested regions, in order. */
export function* walkOps(region: Region): Generator<Op> {
  for (const op of region.ops) {
    yield op;
    for (const r of op.regions) yield* walkOps(r);
  }
}
