// Einsum, f32 and f64: the equation is parsed at compile time (the interpreter's rules: ellipsis
// dims right-aligned across operands, repeated labels = diagonals, implicit output = the labels
// seen once, sorted), then printed as nested loops over the output labels and, inside, over the
// summed labels. Each operand's element offset is the sum of index * stride over its labels (a
// repeated label adds its strides; a size-1 dim under a longer label broadcasts with stride 0).
// Two-operand (batched) matmuls with static shapes run the register-blocked GEMM (einsum-gemm.ts).
// Otherwise, when the last output label is the contiguous last dim of every operand that varies
// along it (an outer product, a broadcast multiply, a small matmul), f32 runs four
// output elements at once: operands without that label are splatted, the others loaded as
// f32x4. Otherwise one scalar accumulator per output element, f64 for either dtype.

import type { Op } from '../../../../ir/ir.js';
import type { Dim } from '../../../../ir/types.js';
import { add, get, i32, mul } from '../emitter.js';
import type { KernelCtx, KernelDef } from '../kernel-api.js';
import { tryEinsumGemm } from './einsum-gemm.js';
import { parseEinsum } from '../../../../ir/einsum-equation.js';

// Contractions of at least this many flops that are (batched) matmuls go to einsum-gemm.ts.
const GEMM_MIN_FLOPS = 128;

/** The shared parser (ir/einsum-equation.ts), under the name this file's callers use. */
export const parseEquation = parseEinsum;

function emitEinsum(k: KernelCtx, op: Op): void {
  const xs = op.operands.map((v) => v!);
  const y = op.results[0]!;
  const t = y.type.dtype;
  if ((t !== 'f32' && t !== 'f64') || xs.some((v) => v.type.dtype !== t)) k.fail(op, `einsum on ${t} is not supported by the wasm backend (f32, f64)`);
  const size = t === 'f32' ? 4 : 8;
  const eq = String(op.attrs.get('equation')?.value ?? '');
  const shapes = xs.map((v) => k.dims(v));
  const p = parseEquation(eq, shapes.map((s) => s.length), (m) => k.fail(op, `einsum: ${m}`));
  // Label sizes: the first dim that is not 1 (1 broadcasts against anything).
  const sizes = new Map<string, Dim>();
  p.inputs.forEach((labels, i) => labels.forEach((l, d) => {
    const v = shapes[i]![d]!;
    if (!sizes.has(l) || sizes.get(l) === 1) sizes.set(l, v);
  }));
  for (const l of p.output) if (!sizes.has(l)) k.fail(op, `einsum: output label '${l}' does not appear in the inputs`);
  const summed = [...sizes.keys()].filter((l) => !p.output.includes(l));
  // Element stride of each label in each operand.
  const strides = xs.map((_, i) => {
    const sh = shapes[i]!;
    const st: string[] = [];
    let acc = i32(1);
    for (let d = sh.length - 1; d >= 0; d--) { st[d] = acc; acc = mul(acc, k.dim(sh[d]!)); }
    const of = new Map<string, string>();
    p.inputs[i]!.forEach((l, d) => { if (sh[d] !== 1) of.set(l, add(of.get(l) ?? i32(0), st[d]!)); });
    return of;
  });
  if (tryEinsumGemm(k, op, p.inputs, p.output, GEMM_MIN_FLOPS)) return;
  const em = k.em;
  em.comment(`einsum "${eq}" ${shapes.map((s) => `[${s.join(',')}]`).join(' ')} -> [${k.dims(y).join(',')}]`);
  const last = p.output[p.output.length - 1];
  const vecOk = t === 'f32' && last !== undefined && p.inputs.every((labels, i) => {
    const at = labels.flatMap((l, d) => (l === last && shapes[i]![d] !== 1 ? [d] : []));
    return at.length === 0 || (at.length === 1 && at[0] === labels.length - 1);
  });
  const idx = new Map<string, string>();
  const offset = (i: number): string => [...strides[i]!].reduce((a, [l, s]) => add(a, mul(idx.get(l) ?? i32(0), s)), i32(0));
  const outOffset = (): string => {
    let o = i32(0), st = i32(1);
    for (let d = p.output.length - 1; d >= 0; d--) { o = add(o, mul(idx.get(p.output[d]!)!, st)); st = mul(st, k.dim(sizes.get(p.output[d]!)!)); }
    return o;
  };
  const ld = (i: number): string => `(${t}.load ${add(k.ptr(xs[i]!), mul(offset(i), i32(size)))})`;
  const nest = (labels: readonly string[], body: () => void): void => {
    if (labels.length === 0) return body();
    em.loop('e', k.dim(sizes.get(labels[0]!)!), (ix) => { idx.set(labels[0]!, ix); nest(labels.slice(1), body); });
  };
  const scalarPoint = (): void => {
    const acc = em.local('acc', 'f64');
    em.set(acc, '(f64.const 0)');
    nest(summed, () => {
      const prod = xs.map((_, i) => (t === 'f32' ? `(f64.promote_f32 ${ld(i)})` : ld(i))).reduce((a, b) => `(f64.mul ${a} ${b})`);
      em.set(acc, `(f64.add ${get(acc)} ${prod})`);
    });
    const dst = add(k.ptr(y), mul(outOffset(), i32(size)));
    em.line(`(${t}.store ${dst} ${t === 'f32' ? `(f32.demote_f64 ${get(acc)})` : get(acc)})`);
  };
  if (!vecOk) return nest(p.output, scalarPoint);
  nest(p.output.slice(0, -1), () => {
    const acc = em.local('vacc', 'v128');
    em.vecLoop(k.dim(sizes.get(last!)!), (j) => {
      idx.set(last!, j);
      em.set(acc, '(v128.const i32x4 0 0 0 0)');
      nest(summed, () => {
        const prod = xs.map((_, i) => {
          const a = add(k.ptr(xs[i]!), mul(offset(i), i32(4)));
          return strides[i]!.has(last!) ? `(v128.load align=4 ${a})` : `(f32x4.splat (f32.load ${a}))`;
        }).reduce((a, b) => `(f32x4.mul ${a} ${b})`);
        em.set(acc, `(f32x4.add ${get(acc)} ${prod})`);
      });
      em.line(`(v128.store align=4 ${add(k.ptr(y), mul(outOffset(), i32(4)))} ${get(acc)})`);
    }, (j) => { idx.set(last!, j); scalarPoint(); });
  });
}

/** Multiply-adds: one per point of the full label space (output labels x summed labels). */
function einsumFlops(op: Op): number {
  const shapes = op.operands.map((v) => v?.type.shape ?? []);
  try {
    const p = parseEquation(String(op.attrs.get('equation')?.value ?? ''), shapes.map((s) => s.length), (m) => { throw new Error(m); });
    const sizes = new Map<string, number>();
    p.inputs.forEach((labels, i) => labels.forEach((l, d) => sizes.set(l, Math.max(sizes.get(l) ?? 1, Number(shapes[i]![d]) || 1))));
    return 2 * [...sizes.values()].reduce((a, b) => a * b, 1);
  } catch {
    return 0;
  }
}

export const EINSUM_KERNEL: KernelDef = { emit: emitEinsum, flops: einsumFlops };
