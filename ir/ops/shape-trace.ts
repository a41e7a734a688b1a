// Shape values: the elements of a small integer tensor (a shape operand such as Reshape's) as
// dims, traced through the ops that exporters use to compute shapes at run time
// (Shape -> Gather -> Unsqueeze -> Concat -> Reshape, with Slice/Squeeze/Cast and simple
// arithmetic). A traced element is a number, a dim symbol of some tensor, or '?'. Shape rules use
// this to keep symbols (`f32[batch,seq,4,32]`) where only a constant operand would otherwise give
// '?'. It reads the defining ops directly; it never evaluates anything that is not a constant.

import { constantValue } from '../infer.js';
import type { Value } from '../ir.js';
import type { InferCtx } from '../op-def.js';
import type { Dim } from '../types.js';
import { UNKNOWN_DIM } from '../types.js';
import { DTYPE_INFO } from '../dtype.js';
import { intsOf } from './shape-common.js';

/** Elements of a rank-0 or rank-1 integer value; `scalar` tells which. */
interface Traced { dims: Dim[]; scalar: boolean }

const MAX_DEPTH = 24;

function constInts(v: Value | null | undefined): number[] | undefined {
  if (!v?.def) return undefined;
  const t = constantValue(v.def, null);
  if (!t || DTYPE_INFO[t.dtype].kind === 'float' || DTYPE_INFO[t.dtype].kind === 'string') return undefined;
  return intsOf(t);
}

function arith(name: string, a: Dim, b: Dim): Dim {
  if (typeof a === 'number' && typeof b === 'number') {
    switch (name) {
      case 'add': return a + b;
      case 'sub': return a - b;
      case 'mul': return a * b;
      case 'div': return b === 0 ? UNKNOWN_DIM : Math.trunc(a / b);
    }
  }
  if ((name === 'mul' || name === 'div') && b === 1) return a;
  if (name === 'mul' && a === 1) return b;
  if ((name === 'add' || name === 'sub') && b === 0) return a;
  if (name === 'add' && a === 0) return b;
  return UNKNOWN_DIM;
}

function trace(v: Value | null | undefined, depth: number): Traced | undefined {
  if (!v || depth > MAX_DEPTH) return undefined;
  const s = v.type.shape;
  if (!s || s.length > 1) return undefined;
  const scalar = s.length === 0;
  const c = constInts(v);
  if (c) return { dims: c, scalar };
  const op = v.def;
  if (!op) return undefined;
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
    case 'identity': case 'cast': case 'squeeze': case 'unsqueeze': case 'reshape': case 'flatten': {
      const t = trace(a0, depth + 1);
      return t && { dims: t.dims, scalar };
    }
    case 'gather': {
      const t = trace(a0, depth + 1), idx = constInts(a1);
      if (!t || !idx || t.scalar) return undefined;
      const n = t.dims.length;
      if (idx.some((i) => i < -n || i >= n)) return undefined;
      return { dims: idx.map((i) => t.dims[i < 0 ? i + n : i]!), scalar };
    }
    case 'concat': {
      const parts = op.operands.map((o) => trace(o, depth + 1));
      if (parts.some((p) => !p)) return undefined;
      return { dims: parts.flatMap((p) => p!.dims), scalar: false };
    }
    case 'slice': {
      const t = trace(a0, depth + 1);
      const [st, en, ax, sp] = [1, 2, 3, 4].map((i) => (op.operands[i] ? constInts(op.operands[i]) : [0]));
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
    case 'add': case 'sub': case 'mul': case 'div': {
      const x = trace(a0, depth + 1), y = trace(a1, depth + 1);
      if (!x || !y) return undefined;
      const n = Math.max(x.dims.length, y.dims.length);
      if ((x.dims.length !== n && x.dims.length !== 1) || (y.dims.length !== n && y.dims.length !== 1)) return undefined;
      const dims = Array.from({ length: n }, (_, i) => arith(op.name, x.dims[x.dims.length === 1 ? 0 : i]!, y.dims[y.dims.length === 1 ? 0 : i]!));
      return { dims, scalar };
    }
    default: return undefined;
  }
}

/**
 * Operand i of a shape rule as dims: exact numbers when constant, else traced symbols/'?',
 * else undefined (not traceable: the caller falls back to '?' dims).
 */
export function shapeOperand(ctx: InferCtx, i: number): Dim[] | undefined {
  const t = ctx.constant(i);
  if (t) return intsOf(t);
  return trace(ctx.op.operands[i], 0)?.dims;
}
