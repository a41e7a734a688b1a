// Elementwise f32 ops with ONNX broadcasting, in f32x4. The output is walked row by row (a row =
// its last dim); each operand is either contiguous along the row (v128.load) or constant along it
// (a splat), and its row offset comes from the row index by div/mod over the broadcast dims.
// Every op is one loop over its own buffers; within a fused group the chain runs op after op.

import type { Op, Value } from '../../../../ir/ir.js';
import type { Dim } from '../../../../ir/types.js';
import { add, addr, fmtF32, get, i32, mul } from '../emitter.js';
import { type KernelCtx, type KernelDef, sameDims } from '../kernel-api.js';
import { share, shareLoop, splits, staticDim, workOf } from '../threads.js';

type Vec = (k: KernelCtx, op: Op, a: readonly string[]) => string;

const lane0 = (v: string): string => `(f32x4.extract_lane 0 ${v})`;
const viaVec = (f: Vec): Vec => (k, op, a) => lane0(f(k, op, a.map((x) => `(f32x4.splat ${x})`)));

/** Each op: its f32x4 form and its scalar form (which may go through the vector form). */
const OPS: Readonly<Record<string, { vec: Vec; scalar: Vec }>> = {};
function def(name: string, vec: Vec, scalar?: Vec): void {
  (OPS as Record<string, { vec: Vec; scalar: Vec }>)[name] = { vec, scalar: scalar ?? viaVec(vec) };
}
const bin = (v: string, s: string): [Vec, Vec] => [(_k, _o, [a, b]) => `(f32x4.${v} ${a} ${b})`, (_k, _o, [a, b]) => `(f32.${s} ${a} ${b})`];
def('add', ...bin('add', 'add'));
def('sub', ...bin('sub', 'sub'));
def('mul', ...bin('mul', 'mul'));
def('div', ...bin('div', 'div'));
// Max and Min take 1 or more operands (ONNX): fold them left to right.
const fold = (v: string, s: string): [Vec, Vec] => [
  (_k, _o, a) => a.reduce((x, y) => `(f32x4.${v} ${x} ${y})`), (_k, _o, a) => a.reduce((x, y) => `(f32.${s} ${x} ${y})`),
];
def('max', ...fold('max', 'max'));
def('min', ...fold('min', 'min'));
def('neg', (_k, _o, [a]) => `(f32x4.neg ${a})`, (_k, _o, [a]) => `(f32.neg ${a})`);
def('abs', (_k, _o, [a]) => `(f32x4.abs ${a})`, (_k, _o, [a]) => `(f32.abs ${a})`);
def('sqrt', (_k, _o, [a]) => `(f32x4.sqrt ${a})`, (_k, _o, [a]) => `(f32.sqrt ${a})`);
def('reciprocal', (_k, _o, [a]) => `(f32x4.div (f32x4.splat (f32.const 1)) ${a})`);
def('identity', (_k, _o, [a]) => a!, (_k, _o, [a]) => a!);
def('relu', (_k, _o, [a]) => `(f32x4.max ${a} (f32x4.splat (f32.const 0)))`, (_k, _o, [a]) => `(f32.max ${a} (f32.const 0))`);
def('exp', (k, _o, [a]) => `(call ${k.helper('exp4')} ${a})`);
def('erf', (k, _o, [a]) => `(call ${k.helper('erf4')} ${a})`);
def('tanh', (k, _o, [a]) => `(call ${k.helper('tanh4')} ${a})`);
def('sigmoid', (k, _o, [a]) => `(call ${k.helper('sigmoid4')} ${a})`);
// clip(x, min?, max?): a missing bound is no bound. As the interpreter: x < lo ? lo : x, then
// x > hi ? hi : x, which are exactly pmax(x, lo) and pmin(x, hi): a NaN x passes through, a NaN
// bound clips nothing, and -0 against a 0 bound stays -0 (max/min would give NaN and +0; pmax/pmin
// are also one instruction on x86). The scalar tail goes through lane 0 for the same semantics.
def('clip', (_k, op, [x, lo, hi]) => {
  let e = x!;
  if (op.operands[1]) e = `(f32x4.pmax ${e} ${lo})`;
  if (op.operands[2]) e = `(f32x4.pmin ${e} ${hi})`;
  return e;
});

const attrF = (op: Op, name: string, d: number): number => Number(op.attrs.get(name)?.value ?? d);
const sp = (x: number): string => `(f32x4.splat (f32.const ${fmtF32(x)}))`;
def('floor', (_k, _o, [a]) => `(f32x4.floor ${a})`, (_k, _o, [a]) => `(f32.floor ${a})`);
def('ceil', (_k, _o, [a]) => `(f32x4.ceil ${a})`, (_k, _o, [a]) => `(f32.ceil ${a})`);
// x if x >= 0 else alpha * x, as a lane select; NaN fails the compare and takes alpha * NaN = NaN.
def('leaky_relu', (_k, op, [a]) => `(v128.bitselect ${a} (f32x4.mul ${a} ${sp(attrF(op, 'alpha', 0.01))}) (f32x4.ge ${a} ${sp(0)}))`);
def('hard_sigmoid', (_k, op, [a]) => `(f32x4.max ${sp(0)} (f32x4.min ${sp(1)} (f32x4.add (f32x4.mul ${a} ${sp(attrF(op, 'alpha', 0.2))}) ${sp(attrF(op, 'beta', 0.5))})))`);
def('hard_swish', (_k, _o, [a]) => `(f32x4.mul ${a} (f32x4.max ${sp(0)} (f32x4.min ${sp(1)} (f32x4.add (f32x4.mul ${a} ${sp(1 / 6)}) ${sp(0.5)}))))`);

export const ELEMENTWISE_OPS: readonly string[] = Object.keys(OPS);

/** Right-aligned element strides of `dims` against output dims `out` (0 on broadcast axes). */
export function broadcastStrides(k: KernelCtx, dims: readonly Dim[], out: readonly Dim[]): string[] {
  const r = out.length, pad = r - dims.length;
  const strides: string[] = [];
  let acc = i32(1);
  for (let a = r - 1; a >= 0; a--) {
    const d = a - pad >= 0 ? dims[a - pad]! : 1;
    // A symbol that differs from the output dim (`a` against `max(a,b)`) broadcasts only when it is 1 at run time.
    strides[a] = d === 1 && out[a] !== 1 ? i32(0) : typeof d === 'string' && d !== out[a] ? `(select ${i32(0)} ${acc} (i32.eq ${k.dim(d)} ${i32(1)}))` : acc;
    if (d !== 1) acc = mul(acc, k.dim(d));
  }
  return strides;
}

/** Emit `off = offset of flat index idx over dims out[0..n)` for the given strides; returns the local. */
export function rowOffset(k: KernelCtx, idx: string, out: readonly Dim[], strides: readonly string[], n: number): string {
  const em = k.em;
  const off = em.local('off', 'i32');
  const needed = strides.slice(0, n).some((s) => s !== i32(0));
  if (!needed) { em.set(off, i32(0)); return get(off); }
  const t = em.local('t', 'i32');
  em.set(t, idx);
  em.set(off, i32(0));
  for (let a = n - 1; a >= 0; a--) {
    if (strides[a] !== i32(0)) em.set(off, add(get(off), mul(`(i32.rem_u ${get(t)} ${k.dim(out[a]!)})`, strides[a]!)));
    if (a > 0 && strides.slice(0, a).some((s) => s !== i32(0))) em.set(t, `(i32.div_u ${get(t)} ${k.dim(out[a]!)})`);
  }
  return get(off);
}

function emitElementwise(k: KernelCtx, op: Op): void {
  const f = OPS[op.name]!;
  const y = op.results[0]!;
  if (y.type.dtype !== 'f32' || op.operands.some((v) => v && v.type.dtype !== 'f32')) k.fail(op, `${op.name} on ${y.type.dtype} is not supported by the wasm backend (f32 only)`);
  const em = k.em;
  const out = k.dims(y);
  const r = out.length;
  const L = r === 0 ? i32(1) : k.dim(out[r - 1]!);
  const rows = k.size(out.slice(0, -1));
  const ins = op.operands.map((v) => (v ? { v, same: sameDims(k.dims(v), out), strides: broadcastStrides(k, k.dims(v), out) } : null));
  em.comment(`${op.name} ${out.join('x') || 'scalar'}`);
  // Threaded: split the rows when there are enough, else each row in chunks of 4 lanes; either
  // way every element takes the same (vector or scalar-tail) path as in model.wasm.
  const split = splits(k, workOf(k, y, 1));
  const byRows = out.slice(0, -1).reduce<number>((a, d) => a * staticDim(d), 1) >= 16;
  shareLoop(k, 'row', rows, split && byRows && {}, (row) => {
    const base = mul(row, L);
    const offs = ins.map((x) => (!x ? '' : x.same ? base : rowOffset(k, row, out, x.strides, r - 1)));
    const operand = (j: number, i: string, vec: boolean): string => {
      const x = ins[j];
      if (!x) return vec ? '(f32x4.splat (f32.const 0))' : '(f32.const 0)';
      const p = k.ptr(x.v);
      const contiguous = r > 0 && x.strides[r - 1] !== i32(0);
      if (contiguous && x.strides[r - 1] !== i32(1)) {
        // Last axis broadcast or not depending on a dim known at run time (stride 0 or 1).
        const st = x.strides[r - 1]!, e = add(offs[j]!, mul(i, st));
        if (!vec) return `(f32.load ${addr(p, e, 4)})`;
        return `(if (result v128) (i32.eqz ${st}) (then (f32x4.splat (f32.load ${addr(p, e, 4)}))) (else (v128.load align=4 ${addr(p, e, 4)})))`;
      }
      const e = contiguous ? add(offs[j]!, i) : offs[j]!;
      if (!vec) return `(f32.load ${addr(p, e, 4)})`;
      return contiguous ? `(v128.load align=4 ${addr(p, e, 4)})` : `(f32x4.splat (f32.load ${addr(p, e, 4)}))`;
    };
    const yp = k.ptr(y);
    const part = split && !byRows ? share(k, L, { align: 4 }) : { lo: i32(0), hi: L };
    const iL = em.local('i', 'i32');
    em.forRange(iL, part.lo, part.hi, 4, () => em.line(`(v128.store align=4 ${addr(yp, add(base, get(iL)), 4)} ${f.vec(k, op, ins.map((_x, j) => operand(j, get(iL), true)))})`));
    em.forRange(iL, get(iL), part.hi, 1, () => em.line(`(f32.store ${addr(yp, add(base, get(iL)), 4)} ${f.scalar(k, op, ins.map((_x, j) => operand(j, get(iL), false)))})`));
  });
}

const COST: Readonly<Record<string, number>> = { exp: 12, erf: 24, tanh: 16, sigmoid: 14 };

export const ELEMENTWISE_KERNEL: KernelDef = {
  emit: emitElementwise,
  flops: (op: Op, numel: (v: Value) => number) => numel(op.results[0]!) * (COST[op.name] ?? 1),
};
