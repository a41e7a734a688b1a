// Dim bookkeeping both backends share when they lower a function: the symbols its values use,
// where the runtime gets each of them (an input dim, an element of an input's data, or an
// expression over those), and the conditions on run-time dims that the shape rules assumed
// (checked by the runtime, src/runtime/dims.ts, before a run); and how the runtimes name an op
// whose run-time index check failed.

import { fail } from '../../ir/diagnostics.js';
import { getOpDef } from '../../ir/op-def.js';
import { checkCountedGrowth, countedSymbols, dataDimsOf } from './data-dims.js';
import type { CountedDim } from '../runtime/manifest.js';
import type { Func, Module, Op, Value } from '../../ir/ir.js';
import { formatLoc, nodeLoc, UNKNOWN_LOC, type Loc } from '../../ir/location.js';
import { isDataSymbolDType, MAX_DATA_SYMBOLS } from '../../ir/shape-value.js';
import { dataSymbol, num, dimAdd, dimEq, dimExpr, dimMin, dimProd, dimSel, isCompoundDim, symbolsOf as exprSymbols, type Expr } from '../../ir/symbolic.js';
import type { Dim } from '../../ir/types.js';
import { ifSelector } from '../../ir/ops/control.js';

/**
 * How the runtime names `op` when its indices fail a run-time check (both backends' index-check.ts):
 * `gather %y at model.onnx: node "/word/Gather"`.
 */
export function siteText(op: Op): string {
  const r = op.results[0];
  return `${op.name}${r ? ` %${r.name}` : ''}${op.loc.kind === 'unknown' ? '' : ` at ${formatLoc(op.loc)}`}`;
}

/** Every symbolic dim of the function, inputs first, in order of appearance. */
export function symbolsOf(func: Func): string[] {
  const seen: string[] = [];
  const add = (v: Value | null): void => {
    for (const d of v?.type.shape ?? []) if (typeof d === 'string' && !seen.includes(d)) seen.push(d);
  };
  func.body.args.forEach(add);
  const walk = (ops: readonly Op[]): void => ops.forEach((op) => { op.results.forEach(add); op.regions.forEach((r) => { r.args.forEach(add); walk(r.ops); }); });
  walk(func.body.ops);
  return seen;
}

export interface DimSources {
  /** Symbols bound from input dims: symbol -> [input index, axis] (its first occurrence). */
  readonly bound: ReadonlyMap<string, readonly [number, number]>;
  /** Data symbols: `%x[i]` -> [input index, element]. */
  readonly data: ReadonlyMap<string, readonly [number, number]>;
  /** Symbols counted at run time by an op's kernel (data-dims.ts). */
  readonly counted: ReadonlySet<string>;
}

/** Where each primitive symbol comes from: an input's dim, or an element of an input's data. */
export function dimSources(func: Func): DimSources {
  const bound = new Map<string, [number, number]>(), data = new Map<string, [number, number]>();
  func.body.args.forEach((a, i) => {
    (a.type.shape ?? []).forEach((d, axis) => { if (typeof d === 'string' && !bound.has(d)) bound.set(d, [i, axis]); });
    const n = a.type.shape?.length === 0 ? 1 : a.type.shape?.length === 1 ? a.type.shape[0] : undefined;
    // A bool of one element too: an If on it (optimum's use_cache_branch) sizes its results by
    // sel(%cond[0], then, else) (ir/ops/control.ts).
    if (typeof n === 'number' && n <= MAX_DATA_SYMBOLS && (isDataSymbolDType(a.type.dtype) || (a.type.dtype === 'bool' && n === 1))) {
      const float = a.type.dtype === 'f32' || a.type.dtype === 'f64' || a.type.dtype === 'f16' || a.type.dtype === 'bf16';
      for (let k = 0; k < n; k++) data.set(dataSymbol(a.name, k, float), [i, k]);
    }
  });
  // An input dim that reads as an expression ("n + 1", transformers' "past_sequence + sequence")
  // means that expression to the shape rules: when its symbols are bound elsewhere it becomes a
  // derived dim, which the runtime checks against the input's actual dim (src/runtime/dims.ts).
  for (const d of [...bound.keys()]) {
    const e = isCompoundDim(d) ? dimExpr(d) : undefined;
    if (e && exprSymbols(e).every((x) => data.has(x) || (bound.has(x) && !isCompoundDim(x)))) bound.delete(d);
  }
  const counted = countedSymbols(func);
  return { bound, data, counted };
}

/** The symbols of dim `d` that the runtime cannot evaluate (neither input dims nor input data). */
export function unboundSymbols(d: string, src: DimSources): string[] {
  if (src.bound.has(d) || src.counted.has(d)) return [];
  const e = dimExpr(d);
  return e ? exprSymbols(e).filter((x) => !src.bound.has(x) && !src.data.has(x) && !src.counted.has(x)) : [d];
}

/** The manifest's part for dims known only at run time (both backends' artifacts carry it). */
export interface DynamicDims {
  readonly derived?: Record<string, Expr>;
  readonly dataSymbols?: Record<string, { input: string; index: number }>;
  readonly checks?: { dim: string; what: string }[];
}

/**
 * The manifest's dynamic part for these symbols: each symbol no input dim binds, as an expression
 * tree over input-dim symbols and data symbols (`derived`), where each data symbol is read, and
 * the run-time checks. `unbound`: the symbols the runtime could not evaluate.
 */
export function dynamicDims(func: Func, symbols: readonly string[]): { dims: DynamicDims; unbound: string[] } {
  const src = dimSources(func);
  const checks = runtimeChecks(func);
  const derived: Record<string, Expr> = {};
  const dataSymbols: Record<string, { input: string; index: number }> = {};
  const unbound: string[] = [];
  const sym = new Set(symbols), checked = new Set(checks.map((c) => c.dim));
  for (const d of [...symbols, ...checked]) {
    if (derived[d]) continue;
    // A condition on an input dim itself (arg_max's axis must be nonzero): the runtime tests
    // derived dims, so the dim gets one, itself.
    if (src.bound.has(d)) { if (checked.has(d)) derived[d] = dimExpr(d)!; continue; }
    // A counted dim too (arg_max over NonZero's results): tested once it is counted (runtime dims.ts).
    if (src.counted.has(d)) { if (checked.has(d)) derived[d] = dimExpr(d)!; continue; }
    const e = dimExpr(d);
    // A check the runtime cannot evaluate only comes with symbols it cannot evaluate either.
    if (!e || unboundSymbols(d, src).length > 0) { if (sym.has(d)) unbound.push(d); continue; }
    derived[d] = e;
    for (const x of exprSymbols(e)) {
      const at = src.data.get(x);
      if (at && !src.bound.has(x)) dataSymbols[x] = { input: func.body.args[at[0]]!.name, index: at[1] };
    }
  }
  const dims: DynamicDims = Object.keys(derived).length === 0 ? {} : {
    derived,
    ...(Object.keys(dataSymbols).length > 0 ? { dataSymbols } : {}),
    ...(checks.length > 0 ? { checks: checks.filter((c) => derived[c.dim]) } : {}),
  };
  return { dims, unbound };
}

type AddCheck = (d: Dim, what: string) => void;

/** Operand dim `d` must broadcast to result dim `o`: equal, or 1. */
function broadcastsTo(add: AddCheck, d: Dim, o: Dim, what: string): void {
  if (typeof d === 'string' && d !== o) add(dimAdd(dimEq(d, o), dimEq(d, 1)), `${what} ('${d}') does not broadcast to '${o}'`);
}

/** Dims `d` and `o` must be equal (a shape rule took one of them for both). */
function equals(add: AddCheck, d: Dim, o: Dim, what: string): void {
  if (d !== o && (typeof d === 'string' || typeof o === 'string')) add(dimEq(d, o), `${what} ('${d}') differs from '${o}'`);
}

/** Trailing-aligned broadcast of an operand's dims to `y`. */
function broadcastShape(add: AddCheck, s: readonly Dim[], y: readonly Dim[], what: string): void {
  if (s.length <= y.length) s.forEach((d, i) => broadcastsTo(add, d, y[y.length - s.length + i]!, `${what} dim ${i}`));
}

/**
 * Per op: the dims its shape rule took as equal (or as broadcasting) without being able to prove
 * it; ops not listed either prove their dims or only combine them arithmetically.
 */
const AGREEMENT: Record<string, (op: Op, y: readonly Dim[], add: AddCheck) => void> = {
  concat(op, y, add) {
    const rank = y.length;
    const axis = ((intAttr(op, 'axis') % rank) + rank) % rank;
    for (const v of op.operands) {
      v?.type.shape?.forEach((d, i) => { if (i !== axis) equals(add, d, y[i]!, `operand %${v.name} dim ${i}`); });
    }
  },
  matmul: checkMatmul,
  matmul_integer: checkMatmul,
  gemm(op, y, add) {
    const [a, b] = [op.operands[0]?.type.shape, op.operands[1]?.type.shape];
    if (a?.length === 2 && b?.length === 2) {
      const ka = intAttr(op, 'transA') ? a[0]! : a[1]!, kb = intAttr(op, 'transB') ? b[1]! : b[0]!;
      equals(add, kb, ka, `B %${op.operands[1]!.name} inner dim`);
    }
    const c = op.operands[2];
    if (c?.type.shape) broadcastShape(add, c.type.shape, y, `C %${c.name}`);
  },
};

/**
 * Per op: what its inputs' run-time dims must satisfy for the op to have a result (the interpreter
 * refuses the run otherwise, and a kernel would read past its operand).
 */
const NEEDS: Record<string, (op: Op, add: AddCheck) => void> = {
  arg_max: argAxis,
  arg_min: argAxis,
  // The kernels read scores at the boxes' batch and box counts (the interpreter refuses a mismatch).
  non_max_suppression(op, add) {
    const b = op.operands[0]?.type.shape, s = op.operands[1]?.type.shape;
    if (b?.length !== 3 || s?.length !== 3) return;
    equals(add, s[0]!, b[0]!, `scores %${op.operands[1]!.name} batches`);
    equals(add, s[2]!, b[1]!, `scores %${op.operands[1]!.name} boxes`);
    equals(add, b[2]!, 4, `boxes %${op.operands[0]!.name} last dim`);
  },
  // Only the condition's first entries are read; a longer condition is refused, as the interpreter does.
  compress(op, add) {
    const x = op.operands[0]?.type.shape, c = op.operands[1]?.type.shape;
    if (!x || c?.length !== 1) return;
    const a = op.attrs.get('axis');
    const d = a?.kind === 'int' ? x[((a.value % x.length) + x.length) % x.length] : dimProd(x);
    const n = c[0]!;
    if (d !== undefined && n !== d && (typeof n === 'string' || typeof d === 'string')) add(dimEq(dimMin(n, d), n), `condition %${op.operands[1]!.name} ('${n}') is longer than the axis (${typeof d === 'string' ? `'${d}'` : d})`);
  },
  top_k(op, add) {
    const xs = op.operands[0]?.type.shape, ys = op.results[0]?.type.shape;
    if (!xs || !ys || xs.length === 0 || ys.length !== xs.length) return;
    const axis = ((intAttr(op, 'axis') % xs.length) + xs.length) % xs.length;
    const k = ys[axis]!, n = xs[axis]!;
    // k <= n: min(k, n) = k.
    if (k !== n && (typeof k === 'string' || typeof n === 'string')) add(dimEq(dimMin(k, n), k), `k ('${k}') is larger than axis ${axis} (${typeof n === 'string' ? `'${n}'` : n})`);
  },
};

/** arg_max / arg_min: an empty axis has no arg (the interpreter refuses it too). */
function argAxis(op: Op, add: AddCheck): void {
  const xs = op.operands[0]?.type.shape;
  if (!xs || xs.length === 0) return;
  const axis = ((intAttr(op, 'axis') % xs.length) + xs.length) % xs.length;
  add(xs[axis]!, `cannot take the arg of an empty axis (axis ${axis}, '${xs[axis]}', is 0)`);
}

const intAttr = (op: Op, name: string): number => { const a = op.attrs.get(name); return a?.kind === 'int' ? a.value : 0; };

function checkMatmul(op: Op, y: readonly Dim[], add: AddCheck): void {
  const [a, b] = [op.operands[0], op.operands[1]];
  const as0 = a?.type.shape, bs0 = b?.type.shape;
  if (!as0 || !bs0 || as0.length === 0 || bs0.length === 0) return;
  const as = as0.length === 1 ? [1, as0[0]!] : as0, bs = bs0.length === 1 ? [bs0[0]!, 1] : bs0;
  equals(add, bs[bs.length - 2]!, as[as.length - 1]!, `B %${b!.name} inner dim`);
  // The result's batch dims are the broadcast of both operands' batch dims.
  const batch = y.slice(0, y.length - (as0.length > 1 ? 1 : 0) - (bs0.length > 1 ? 1 : 0));
  broadcastShape(add, as.slice(0, -2), batch, `A %${a!.name} batch`);
  broadcastShape(add, bs.slice(0, -2), batch, `B %${b!.name} batch`);
}

/**
 * Conditions on run-time dims the shape rules assumed (a broadcast operand dim equals the result
 * dim or is 1; concat operands agree off the axis; matmul inner dims agree; a reshape keeps the
 * element count) or an op needs (arg_max's axis is not empty, top_k's k fits its axis): each a
 * dim that must evaluate to nonzero.
 */
export function runtimeChecks(func: Func): { dim: string; what: string }[] {
  const out: { dim: string; what: string }[] = [];
  const seen = new Set<string>();
  const add0 = (d: Dim, what: string): void => {
    if (typeof d === 'number' || d === '?' || seen.has(d)) return;
    seen.add(d);
    out.push({ dim: d, what });
  };
  let add = add0;
  const walk = (ops: readonly Op[]): void => {
    for (const op of ops) {
      // Inside an If on an input condition (optimum's use_cache_branch), a branch's conditions
      // hold only when it runs: the branch not taken sees inputs meant for the other one.
      const pick = op.name === 'if' ? ifSelector(op.operands[0]) : undefined;
      op.regions.forEach((r, ri) => {
        const outer = add;
        if (pick) add = (d, what) => outer(ri === 0 ? dimSel(pick, d, 1) : dimSel(pick, 1, d), what);
        try { walk(r.ops); } finally { add = outer; }
      });
      const fusion = getOpDef(op.name)?.fusion;
      const y = op.results[0]?.type.shape;
      if (!y) continue;
      const where = siteText(op);
      const at: AddCheck = (d, what) => add(d, `${where}: ${what}`);
      if (fusion === 'elementwise' || fusion === 'broadcast') {
        for (const v of op.name === 'expand' ? op.operands.slice(0, 1) : op.operands) {
          if (v?.type.shape) broadcastShape(at, v.type.shape, y, `operand %${v.name}`);
        }
      } else if (op.name === 'reshape' && op.operands[0]?.type.shape) {
        const a = dimProd(op.operands[0].type.shape), b = dimProd(y);
        if (a !== b) at(dimEq(a, b), `cannot reshape ${a} elements to [${y.join(',')}]`);
      }
      AGREEMENT[op.name]?.(op, y, at);
      NEEDS[op.name]?.(op, at);
    }
  };
  walk(func.body.ops);
  return out;
}

/** The hint for a '?' dim left after the input and data-sized checks below. */
export const UNKNOWN_DIM_HINT = 'the shape rules could not derive this dim from the input dims (a shape computed from tensor values?): make it an input dim or a constant';

/** The model file the function came from (graph inputs carry no location of their own). */
function modelLoc(func: Func): Loc {
  for (const op of func.body.ops) if (op.loc.kind !== 'unknown') return nodeLoc(op.loc.file, '');
  return UNKNOWN_LOC;
}

/**
 * E205 for a graph input with no shape or with a dim that is neither a size nor a name (ONNX: no
 * dim_value and an empty dim_param). Checked first: every op after it inherits the unknown dim and
 * would be blamed for it (was: "%y of relu").
 */
export function checkInputDims(func: Func, backend: string): void {
  for (const a of func.body.args) {
    const s = a.type.shape;
    if (!s) {
      fail('E205', `the ${backend} backend needs ranked inputs: input %${a.name} has no shape in the model`, modelLoc(func),
        ['give the input a shape in the model (graph.input type.tensor_type.shape), naming the dims that vary (dim_param)']);
    }
    const i = s.indexOf('?');
    if (i >= 0) {
      fail('E205', `the ${backend} backend needs every input dim to have a size or a name: input %${a.name} dim ${i} of [${s.join(',')}] has neither (ONNX dim with no dim_value and an empty dim_param)`, modelLoc(func),
        [`name the dim in the model (dim_param, e.g. 'batch'; onnx.tools.update_model_dims.update_inputs_outputs_dims does it): a named dim is bound from the input's shape at each run`]);
    }
  }
}

/**
 * The manifest's `counted` entries (data-dims.ts): each counted symbol's bound as an expression
 * tree, and where its kernel (`at`: kernel index, WebGPU status word) writes the count.
 */
export function countedDims(func: Func, module: Module, at: ReadonlyMap<string, { readonly kernel: number; readonly word?: number }>, backend: string): CountedDim[] {
  const src = dimSources(func);
  checkCountedGrowth(func, module, backend);
  return dataDimsOf(func, module).map((c) => {
    const k = at.get(c.symbol);
    // A kernel that forgot setCount (a compiler bug), named like any refusal of the op.
    if (!k) fail('E201', `the ${backend} backend's kernel of ${c.op.name} does not count '${c.symbol}'`, c.op.loc);
    const bound = typeof c.bound === 'number' ? num(c.bound) : dimExpr(c.bound);
    const unbound = typeof c.bound === 'number' ? [] : unboundSymbols(c.bound, src);
    if (!bound || unbound.length > 0) {
      fail('E205', `the ${backend} backend cannot bound the size of ${c.op.name}'s results (${c.bound}): ${unbound.map((x) => `'${x}'`).join(', ')} is neither an input dim nor read from input data`, c.op.loc);
    }
    return { symbol: c.symbol, bound, kernel: k.kernel, ...(k.word !== undefined ? { word: k.word } : {}), site: siteText(c.op) };
  });
}
