// The reference interpreter: executes a verified function on concrete tensors, op by op, using
// each op's `eval` from the op table. It is the oracle for passes and backends, so it favours
// clarity and exact ONNX semantics over speed (but keeps the hot kernels reasonably tight).

import { attrReader } from './attrs.js';
import { TenthError, fail } from './diagnostics.js';
import { DTYPE_INFO } from './dtype.js';
import type { Func, Module, Op, Region, Value } from './ir.js';
import { formatLoc } from './location.js';
import type { EvalCtx, OpDef } from './op-def.js';
import { getOpDef } from './op-def.js';
import type { Tensor } from './tensor.js';
import { decodeBytes, roundToDType } from './tensor.js';
import { formatType, isStaticShape } from './types.js';
import './ops/index.js';

/** Scope chain: values of the current region, falling back to enclosing regions. */
class Env {
  private readonly vals = new Map<Value, Tensor>();
  constructor(private readonly parent: Env | null) {}
  get(v: Value): Tensor | undefined {
    return this.vals.get(v) ?? this.parent?.get(v);
  }
  set(v: Value, t: Tensor): void {
    this.vals.set(v, t);
  }
  child(): Env { return new Env(this); }
}

export interface InterpOptions {
  /** Called after each top-level op (progress reporting, tracing). */
  onOp?: (op: Op, results: readonly Tensor[]) => void;
}

export class Interpreter {
  private readonly weightCache = new Map<string, Tensor>();
  constructor(readonly module: Module, readonly options: InterpOptions = {}) {}

  /** Run a function (default: main) on inputs given in argument order. */
  run(inputs: readonly Tensor[], func: Func = this.module.main): Tensor[] {
    if (inputs.length !== func.args.length) {
      fail('E502', `function @${func.name} takes ${func.args.length} inputs, got ${inputs.length}`);
    }
    const symbols = new Map<string, number>();
    func.args.forEach((a, i) => checkInput(a, inputs[i]!, symbols));
    return this.runRegion(func.body, inputs, new Env(null), true);
  }

  private weight(name: string): Tensor {
    let t = this.weightCache.get(name);
    if (t) return t;
    const w = this.module.weights.get(name);
    if (!w) fail('E309', `unknown weight @${name}`);
    if (!this.module.store) fail('E309', `weight @${name} has no data (the module has no weight store)`);
    if (!isStaticShape(w.type.shape)) fail('E309', `weight @${name} has a non-static shape`);
    t = decodeBytes(w.type.dtype, w.type.shape, this.module.store.bytes(w));
    this.weightCache.set(name, t);
    return t;
  }

  private runRegion(region: Region, args: readonly Tensor[], parent: Env, top = false): Tensor[] {
    const env = parent.child();
    region.args.forEach((a, i) => env.set(a, args[i]!));
    for (const op of region.ops) {
      const def = getOpDef(op.name);
      if (!def) fail('E304', `unknown op '${op.name}'`, op.loc);
      const inputs = op.operands.map((v) => {
        if (!v) return null;
        const t = env.get(v);
        if (!t) fail('E302', `value %${v.name} used before it is defined`, op.loc);
        return t;
      });
      if (def.traits.includes('terminator')) return inputs as Tensor[];
      const results = evalOp(op, def, inputs, {
        runRegion: (r, a) => this.runRegion(op.regions[r]!, a, env),
        weight: (name) => this.weight(name),
      });
      op.results.forEach((r, i) => env.set(r, results[i]!));
      if (top) this.options.onOp?.(op, results);
    }
    throw new Error('region has no terminator');
  }
}

export interface EvalHooks {
  runRegion(r: number, args: readonly Tensor[]): Tensor[];
  weight(name: string): Tensor;
}

/**
 * Evaluate one op with its reference semantics and check the results against the declared types
 * (a mismatch is a bug in the op). Used by the interpreter and by passes that evaluate ops at
 * compile time. Results of reduced-precision float dtypes are fresh arrays rounded to the dtype.
 */
export function evalOp(op: Op, def: OpDef, inputs: readonly (Tensor | null)[], hooks: EvalHooks): Tensor[] {
  const ctx: EvalCtx = {
    op,
    inputs,
    attrs: attrReader(def, op.attrs, op.loc),
    resultTypes: op.results.map((r) => r.type),
    loc: op.loc,
    runRegion: hooks.runRegion,
    weight: hooks.weight,
    fail: (message) => fail('E501', `${op.name}: ${message}`, op.loc),
  };
  let results: Tensor[];
  try {
    results = def.eval(ctx);
  } catch (e) {
    if (e instanceof TenthError) throw e;
    const err = new Error(`internal error evaluating ${op.name} at ${formatLoc(op.loc)}: ${(e as Error).message}`);
    (err as Error & { cause?: unknown }).cause = e;
    throw err;
  }
  if (results.length !== op.results.length) {
    throw new Error(`${op.name} at ${formatLoc(op.loc)}: eval returned ${results.length} results, op has ${op.results.length}`);
  }
  return results.map((t, i) => conform(t, op.results[i]!));
}

/** Check a result against its declared type; round reduced-precision floats to their dtype. */
function conform(t: Tensor, v: Value): Tensor {
  if (t.dtype !== v.type.dtype) {
    throw new Error(`${v.def?.name ?? '?'} at ${v.def ? formatLoc(v.def.loc) : '?'}: result %${v.name} is ${t.dtype}, declared ${formatType(v.type)}`);
  }
  const s = v.type.shape;
  if (s !== null) {
    const ok = s.length === t.shape.length && s.every((d, i) => typeof d !== 'number' || d === t.shape[i]);
    if (!ok) {
      throw new Error(`${v.def?.name ?? '?'} at ${v.def ? formatLoc(v.def.loc) : '?'}: result %${v.name} has shape [${t.shape.join(',')}], declared ${formatType(v.type)}`);
    }
  }
  if (DTYPE_INFO[t.dtype].storage === 'f32' && t.dtype !== 'f32') {
    // A fresh array: the result may share its data with an operand (reshape-like ops do).
    // Non-saturating: values are already representable, so this only fixes stray precision and keeps ±inf.
    const d = Float32Array.from(t.data as Float32Array);
    for (let i = 0; i < d.length; i++) d[i] = roundToDType(t.dtype, d[i]!, false);
    return { dtype: t.dtype, shape: t.shape, data: d };
  }
  return t;
}

/** Check a run-time input against a function argument's declared type (dtype, rank, static dims). */
export function checkInput(arg: Value, t: Tensor, symbols: Map<string, number> = new Map()): void {
  const want = arg.type;
  const bad = (why: string): never =>
    fail('E503', `input %${arg.name}: ${why}`, { kind: 'unknown' }, [`declared ${formatType(want)}, got ${t.dtype}[${t.shape.join(',')}]`]);
  if (t.dtype !== want.dtype) bad(`dtype ${t.dtype} does not match ${want.dtype}`);
  if (want.shape !== null) {
    if (want.shape.length !== t.shape.length) bad(`rank ${t.shape.length} does not match ${want.shape.length}`);
    want.shape.forEach((d, i) => {
      const got = t.shape[i]!;
      if (typeof d === 'number') {
        if (d !== got) bad(`dim ${i} is ${got}, expected ${d}`);
      } else if (d !== '?') {
        const bound = symbols.get(d);
        if (bound !== undefined && bound !== got) bad(`dim ${i} ('${d}') is ${got}, but '${d}' is ${bound} in an earlier input`);
        symbols.set(d, got);
      }
    });
  }
}

/** Convenience: run a module's main function. */
export function interpret(module: Module, inputs: readonly Tensor[], options: InterpOptions = {}): Tensor[] {
  return new Interpreter(module, options).run(inputs);
}
