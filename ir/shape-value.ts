// Shape values: the elements of a small integer tensor (a shape operand such as Reshape's) as
// dims, traced through the ops that exporters use to compute shapes at run time
// (Shape -> Gather -> Unsqueeze -> Concat -> Reshape, with Slice/Squeeze/Cast and integer
// arithmetic). An element is a number, a dim expression over the symbols of some tensor's type
// (ir/symbolic.ts), or '?'. A 0-D/1-D integer graph input of static length <= 16 (Reshape's
// shape, Slice's starts, TopK's k given as data) has one data symbol per element, `%name[i]`,
// which the runtime binds by reading the input. Nothing is evaluated that is not a constant.

import { DTYPE_INFO } from './dtype.js';
import { constantValue } from './infer.js';
import type { Module, Value } from './ir.js';
import * as S from './symbolic.js';
import type { Dim } from './types.js';
import { UNKNOWN_DIM } from './types.js';

/** Elements of a rank-0 or rank-1 integer value; `scalar` tells which. */
interface Traced { dims: Dim[]; scalar: boolean }

const MAX_DEPTH = 24;
/** Longest graph input read as data symbols (shape vectors are short). */
export const MAX_DATA_SYMBOLS = 16;

function constInts(v: Value | null | undefined, module: Module | null): number[] | undefined {
  if (!v?.def || typeof v.type.shape?.[0] === 'number' && v.type.shape[0] > 64) return undefined;
  const t = constantValue(v.def, module);
  if (!t || DTYPE_INFO[t.dtype].kind === 'string' || t.data.length > 64) return undefined;
  const vals = Array.from(t.data as ArrayLike<number | bigint>, Number);
  // Float shape arithmetic (a window size cast to float, then Range) is exact on integer values only.
  return DTYPE_INFO[t.dtype].kind === 'float' && !vals.every(Number.isInteger) ? undefined : vals;
}

function arith(name: string, a: Dim, b: Dim): Dim {
  switch (name) {
    case 'add': return S.dimAdd(a, b);
    case 'sub': return S.dimSub(a, b);
    case 'mul': return S.dimMul(a, b);
    // Integer Div truncates; floor is the same for the non-negative sizes shapes hold.
    case 'div':
      if (typeof a === 'number' && typeof b === 'number') return b === 0 ? UNKNOWN_DIM : Math.trunc(a / b);
      if (typeof b !== 'number' || b === 0 || !S.dimExpr(a)) return UNKNOWN_DIM;
      if (b < 0) return S.dimNeg(arith('div', a, -b));
      if (S.nonNegative(S.dimExpr(a)!)) return S.dimFloorDiv(a, b);
      // Truncation toward zero for a value of either sign: a <= 0 ? -floor(-a / b) : floor(a / b).
      return S.dimSel(S.dimEq(S.dimMax(a, 0), 0), S.dimNeg(S.dimFloorDiv(S.dimNeg(a), b)), S.dimFloorDiv(a, b));
    case 'max': return S.dimMax(a, b);
    case 'min': return S.dimMin(a, b);
    default: return UNKNOWN_DIM;
  }
}

/**
 * Graph inputs read as data symbols: short i64/i32/f32/f64/f16/bf16 vectors and scalars (f16/bf16:
 * float data symbols, which the backends bind once their runtimes decode those inputs' raw bits).
 */
export const isDataSymbolDType = (dtype: string): boolean =>
  dtype === 'i64' || dtype === 'i32' || dtype === 'f32' || dtype === 'f64' || dtype === 'f16' || dtype === 'bf16';

/** Whether v is an argument of the module's main function (a graph input). */
function isGraphInput(v: Value, module: Module | null): boolean {
  if (v.def || !module) return false;
  const main = module.funcs.find((f) => f.name === 'main') ?? module.funcs[0];
  // While the importer builds the main function it is not in the module yet: any region argument
  // then counts (one of a subgraph only matters to ops the wasm backend refuses anyway).
  return !main || main.body.args.includes(v);
}

function trace(v0: Value | null | undefined, depth: number, module: Module | null, alias?: ReadonlyMap<Value, Value>): Traced | undefined {
  const v = v0 && alias?.has(v0) ? alias.get(v0)! : v0;
  if (!v || depth > MAX_DEPTH) return undefined;
  const s = v.type.shape;
  if (!s || s.length > 1) return undefined;
  const scalar = s.length === 0;
  const c = constInts(v, module);
  if (c) return { dims: c, scalar };
  const kind = DTYPE_INFO[v.type.dtype].kind;
  if (kind === 'string') return undefined;
  const op = v.def;
  // A float value is traced only through ops that keep integers exact (not div); a float graph
  // input (Range's limit, Resize's scales) has float data symbols `%x[f0]` that the simplifier
  // treats as any number.
  if (kind === 'float' && op && (op.name === 'div' || op.name === 'reduce_prod')) return undefined;
  if (!op) {
    const n = scalar ? 1 : s[0];
    if (typeof n !== 'number' || n > MAX_DATA_SYMBOLS || !isGraphInput(v, module) || /[[\]]/.test(v.name)) return undefined;
    if (!isDataSymbolDType(v.type.dtype)) return undefined;
    return { dims: Array.from({ length: n }, (_, i) => S.dataSymbol(v.name, i, kind === 'float')), scalar };
  }
  const [a0, a1] = op.operands;
  const attr = (n: string): number | undefined => {
    const x = op.attrs.get(n);
    return x?.kind === 'int' ? x.value : undefined;
  };
  switch (op.name) {
    case 'shape': {
      const xs = a0?.type.shape;
      if (!xs) return undefined;
      const r = xs.length;
      const clamp = (x: number): number => Math.min(r, Math.max(0, x < 0 ? x + r : x));
      const start = clamp(attr('start') ?? 0), end = clamp(attr('end') ?? r);
      return { dims: xs.slice(start, Math.max(start, end)), scalar: false };
    }
    case 'size': {
      const xs = a0?.type.shape;
      return xs ? { dims: [S.dimProd(xs)], scalar } : undefined;
    }
    case 'identity': case 'cast': case 'squeeze': case 'unsqueeze': case 'reshape': case 'flatten': {
      const t = trace(a0, depth + 1, module, alias);
      return t && { dims: t.dims, scalar };
    }
    case 'gather': {
      const t = trace(a0, depth + 1, module, alias), idx = constInts(alias?.get(a1!) ?? a1, module);
      if (!t || !idx || t.scalar) return undefined;
      const n = t.dims.length;
      if (idx.some((i) => i < -n || i >= n)) return undefined;
      return { dims: idx.map((i) => t.dims[i < 0 ? i + n : i]!), scalar };
    }
    case 'split': {
      // Along the vector's only axis: this result's slice starts after the (static) lengths of
      // the results before it.
      const t = trace(a0, depth + 1, module, alias), ax = attr('axis') ?? 0, n = s[0];
      if (!t || t.scalar || (ax !== 0 && ax !== -1) || typeof n !== 'number') return undefined;
      let off = 0;
      for (const r of op.results.slice(0, op.results.indexOf(v))) {
        const d = r.type.shape?.[0];
        if (typeof d !== 'number') return undefined;
        off += d;
      }
      return off + n <= t.dims.length ? { dims: t.dims.slice(off, off + n), scalar: false } : undefined;
    }
    case 'concat': {
      const parts = op.operands.map((o) => trace(o, depth + 1, module, alias));
      if (parts.some((p) => !p)) return undefined;
      return { dims: parts.flatMap((p) => p!.dims), scalar: false };
    }
    case 'slice': {
      const t = trace(a0, depth + 1, module, alias);
      const [st, en, ax, sp] = [1, 2, 3, 4].map((i) => (op.operands[i] ? constInts(alias?.get(op.operands[i]!) ?? op.operands[i], module) : [0]));
      if (!t || !st || !en || !ax || !sp || st.length !== 1 || (ax[0] !== 0 && ax[0] !== -1)) return undefined;
      const n = t.dims.length, step = op.operands[4] ? sp[0]! : 1;
      if (step === 0) return undefined;
      let a = st[0]!, b = en[0]!;
      if (a < 0) a += n;
      if (b < 0) b += n;
      const out: Dim[] = [];
      if (step > 0) for (let i = Math.max(0, a); i < Math.min(b, n); i += step) out.push(t.dims[i]!);
      else for (let i = Math.min(a, n - 1); i > Math.max(b, -1); i += step) out.push(t.dims[i]!);
      return { dims: out, scalar: false };
    }
    case 'add': case 'sub': case 'mul': case 'div': case 'max': case 'min': {
      const xs = op.operands.map((o) => trace(o, depth + 1, module, alias));
      if (xs.length < 2 || xs.some((x) => !x)) return undefined;
      const n = Math.max(...xs.map((x) => x!.dims.length));
      if (xs.some((x) => x!.dims.length !== n && x!.dims.length !== 1)) return undefined;
      const at = (x: Traced, i: number): Dim => x.dims[x.dims.length === 1 ? 0 : i]!;
      const dims = Array.from({ length: n }, (_, i) => xs.slice(1).reduce<Dim>((acc, x) => arith(op.name, acc, at(x!, i)), at(xs[0]!, i)));
      return { dims, scalar };
    }
    case 'neg': {
      const t = trace(a0, depth + 1, module, alias);
      return t && { dims: t.dims.map((d) => S.dimNeg(d)), scalar };
    }
    case 'reduce_prod': {
      const t = trace(a0, depth + 1, module, alias);
      if (!t || op.operands[1] || (attr('keepdims') ?? 1) !== 0) return undefined;
      return { dims: [S.dimProd(t.dims)], scalar: true };
    }
    case 'fused': {
      // Shape arithmetic the fuser grouped: follow the yielded value, region arguments to operands.
      const region = op.regions[0], at = op.results.indexOf(v);
      const y = region?.terminator?.operands[at];
      if (!region || !y) return undefined;
      const inner = new Map<Value, Value>(region.args.map((a, i) => [a, (op.operands[i] && alias?.get(op.operands[i]!)) ?? op.operands[i]!]));
      const t = trace(y, depth + 1, module, inner);
      return t && { dims: t.dims, scalar };
    }
    default: return undefined;
  }
}

/**
 * Elements of a rank-0/1 integer value as dims (see above), or undefined when not traceable.
 * `alias`: region arguments of fused groups and the operands they stand for (an op inside a group
 * re-inferred after the group was formed).
 */
export function symbolicValue(v: Value | null | undefined, module: Module | null, alias?: ReadonlyMap<Value, Value>): Dim[] | undefined {
  return trace(v, 0, module, alias)?.dims;
}
