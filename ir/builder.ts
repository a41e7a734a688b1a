// Building IR: creates ops with fresh result values whose types come from the op's shape rule.

import type { AttrValue, Module, Region } from './ir.js';
import { Op, Value } from './ir.js';
import type { Loc } from './location.js';
import { UNKNOWN_LOC } from './location.js';
import { inferOp } from './infer.js';
import type { TensorType } from './types.js';

export interface BuildOptions {
  attrs?: Record<string, AttrValue> | Map<string, AttrValue>;
  regions?: Region[];
  /** Number of results (default: the shape rule decides from the op's declared outputs). */
  results?: number;
  /** Result names (default: fresh names from the builder). */
  names?: string[];
  loc?: Loc;
  /** Use these result types instead of running the shape rule. */
  types?: TensorType[];
}

export class Builder {
  private counter = 0;
  constructor(public region: Region, public module: Module | null = null, public loc: Loc = UNKNOWN_LOC) {}

  freshName(prefix = ''): string {
    return `${prefix}${this.counter++}`;
  }

  /** Create an op, infer its result types, append it to the region; returns its results. */
  op(name: string, operands: (Value | null)[], opts: BuildOptions = {}): Value[] {
    const attrs = opts.attrs instanceof Map ? new Map(opts.attrs) : new Map(Object.entries(opts.attrs ?? {}));
    const n = opts.results ?? 1;
    const placeholder: TensorType = { dtype: 'f32', shape: null };
    const results = Array.from({ length: n }, (_, i) => new Value(opts.names?.[i] ?? this.freshName(), placeholder));
    const op = new Op(name, operands, results, attrs, opts.regions ?? [], opts.loc ?? this.loc);
    const types = opts.types ?? inferOp(op, this.module);
    types.forEach((t, i) => { if (results[i]) results[i]!.type = t; });
    this.region.ops.push(op);
    return results;
  }

  op1(name: string, operands: (Value | null)[], opts: BuildOptions = {}): Value {
    return this.op(name, operands, { ...opts, results: 1 })[0]!;
  }
}
