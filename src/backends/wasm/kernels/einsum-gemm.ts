// Einsum's (batched) matmul fast path: two f32 operands with static shapes whose labels are each
// batch (both operands and the output), M (A and output), N (B and output) or K (both operands,
// summed) -- `bij,bjk->bik`, `bhqd,bhkd->bhqk`, `ij,kj->ik`, ... Per batch index it runs the
// register-blocked GEMM of gemm-kernel.ts: A is used in place when its M x K block is dense
// row-major (else copied so), B is packed into 8-column panels in scratch (gemm-runtime-b.ts, shared
// with MatMul), and C is written in place when the output's M x N block is dense (else through
// scratch and scattered). Threads share the batch indices (or one GEMM's column panels). Anything
// else (diagonals, labels summed in one operand, size-1 broadcasting, three operands) keeps the
// loop kernel.

import type { Op, Value } from '../../../../ir/ir.js';
import { add, get, i32, mul } from '../emitter.js';
import type { KernelCtx } from '../kernel-api.js';
import { share, shareLoop, splits, workOf } from '../threads.js';
import { emitRuntimeBGemm, NR, planRuntimeB, type RuntimeB } from './gemm-runtime-b.js';

/** Row-major element strides of a static shape. */
function stridesOf(shape: readonly number[]): number[] {
  const s: number[] = [];
  for (let d = shape.length - 1, acc = 1; d >= 0; d--) { s[d] = acc; acc *= shape[d]!; }
  return s;
}

/** Whether the labels, in this order, address a dense row-major block (strides = its own). */
function dense(labels: readonly string[], size: (l: string) => number, stride: (l: string) => number): boolean {
  let acc = 1;
  for (let i = labels.length - 1; i >= 0; i--) {
    if (size(labels[i]!) !== 1 && stride(labels[i]!) !== acc) return false;
    acc *= size(labels[i]!);
  }
  return true;
}

/** Emits the GEMM form and returns true, or returns false (nothing emitted) when it does not apply. */
export function tryEinsumGemm(k: KernelCtx, op: Op, inputs: readonly string[][], output: readonly string[], minFlops: number): boolean {
  const [A, B] = op.operands as Value[];
  const y = op.results[0]!;
  if (op.operands.length !== 2 || y.type.dtype !== 'f32' || A!.type.dtype !== 'f32' || B!.type.dtype !== 'f32') return false;
  const shapes = [A!, B!, y].map((v) => k.dims(v));
  if (!shapes.every((s) => s.every((d): d is number => typeof d === 'number'))) return false;
  const [sa, sb, so] = shapes as number[][];
  const [la, lb] = inputs as [string[], string[]];
  if ([la, lb, output].some((ls) => new Set(ls).size !== ls.length)) return false;
  const size = new Map<string, number>();
  const labelled: [readonly string[], readonly number[]][] = [[la, sa!], [lb, sb!], [output, so!]];
  for (const [ls, sh] of labelled) {
    for (let d = 0; d < ls.length; d++) {
      const prev = size.get(ls[d]!);
      if (prev !== undefined && prev !== sh[d]) return false;
      size.set(ls[d]!, sh[d]!);
    }
  }
  const inA = (l: string): boolean => la.includes(l), inB = (l: string): boolean => lb.includes(l), inO = (l: string): boolean => output.includes(l);
  if ([...size.keys()].some((l) => !inO(l) && !(inA(l) && inB(l)))) return false;
  const batch = output.filter((l) => inA(l) && inB(l));
  const Ml = output.filter((l) => inA(l) && !inB(l)), Nl = output.filter((l) => inB(l) && !inA(l));
  const Kl = la.filter((l) => inB(l) && !inO(l));
  const prod = (ls: readonly string[]): number => ls.reduce((a, l) => a * size.get(l)!, 1);
  const M = prod(Ml), N = prod(Nl), K = prod(Kl);
  if (2 * M * N * K < minFlops || M * N * K === 0) return false;

  const st = labelled.map(([ls, sh]) => { const s = stridesOf(sh); return new Map(ls.map((l, d) => [l, s[d]!])); });
  const [stA, stB, stO] = st as [Map<string, number>, Map<string, number>, Map<string, number>];
  const sz = (l: string): number => size.get(l)!;
  const aDirect = dense([...Ml, ...Kl], sz, (l) => stA.get(l)!);
  const cDirect = dense([...Ml, ...Nl], sz, (l) => stO.get(l)!);
  const plan = planRuntimeB(k, N, K);
  const ap = aDirect ? '' : k.scratch(4 * M * K);
  const cp = cDirect ? '' : k.scratch(4 * M * N);
  const em = k.em;
  em.comment(`einsum as gemm: batch [${batch}] M [${Ml}]=${M} N [${Nl}]=${N} K [${Kl}]=${K}${aDirect ? '' : ' (A copied)'}${cDirect ? '' : ' (C scattered)'}`);
  const idx = new Map<string, string>();
  const off = (s: Map<string, number>): string => [...idx].reduce((a, [l, ix]) => add(a, s.has(l) ? `(i32.mul ${ix} ${i32(s.get(l)!)})` : i32(0)), i32(0));
  const addr = (v: Value, s: Map<string, number>): string => add(k.ptr(v), `(i32.shl ${off(s)} (i32.const 2))`);
  const nest = (ls: readonly string[], body: () => void): void => {
    if (ls.length === 0) return body();
    em.loop('e', i32(sz(ls[0]!)), (ix) => { idx.set(ls[0]!, ix); nest(ls.slice(1), body); idx.delete(ls[0]!); });
  };
  const flat = em.local('flat', 'i32');
  const flatOf = (ls: readonly string[]): string => ls.reduce((a, l) => (a === i32(0) ? idx.get(l)! : `(i32.add (i32.mul ${a} ${i32(sz(l))}) ${idx.get(l)!})`), i32(0));
  // B(k, n) through one stride per side when its K (N) labels are laid out as one flat axis, else label by label.
  const sk = flatStride(Kl, sz, (l) => stB.get(l)!), sn = flatStride(Nl, sz, (l) => stB.get(l)!);
  // Threads share batches, or the column panels of one GEMM whose C is written in place (a
  // scattered C is copied whole, so such a GEMM stays on thread 0).
  const split = (batch.length > 0 || cDirect) && splits(k, workOf(k, y, K));
  const gemm = (): void => {
    const bBase = addr(B!, stB);
    const b: RuntimeB = sk !== undefined && sn !== undefined
      ? { p: bBase, sk: i32(sk), sn: i32(sn) }
      : { at: (kk, nn) => add(bBase, `(i32.shl ${add(unflatten(Kl, sz, (l) => stB.get(l)!, kk), unflatten(Nl, sz, (l) => stB.get(l)!, nn))} (i32.const 2))`) };
    if (!aDirect) {
      nest(Ml, () => nest(Kl, () => {
        em.set(flat, flatOf([...Ml, ...Kl]));
        em.line(`(f32.store ${add(ap, `(i32.shl ${get(flat)} (i32.const 2))`)} (f32.load ${addr(A!, stA)}))`);
      }));
    }
    const aPtr = aDirect ? addr(A!, stA) : ap, cPtr = cDirect ? addr(y, stO) : cp;
    const cols = split && batch.length === 0 ? share(k, i32(N), { align: NR, grain: NR }) : undefined;
    emitRuntimeBGemm(k, plan, { M: i32(M), a: { p: aPtr, lda: i32(K) }, b, c: { p: cPtr, ldc: i32(N) }, cols });
    if (!cDirect) {
      nest(Ml, () => nest(Nl, () => {
        em.set(flat, flatOf([...Ml, ...Nl]));
        em.line(`(f32.store ${addr(y, stO)} (f32.load ${add(cp, `(i32.shl ${get(flat)} (i32.const 2))`)}))`);
      }));
    }
  };
  if (!split || batch.length === 0) {
    nest(batch, gemm);
    return true;
  }
  // Threads share the batch indices: each runs whole GEMMs with its own scratch slot.
  shareLoop(k, 'bi', i32(prod(batch)), {}, (bi) => {
    let inner = prod(batch);
    for (const l of batch) {
      inner /= sz(l);
      const ix = em.local('e', 'i32');
      em.set(ix, `(i32.rem_u (i32.div_u ${bi} ${i32(inner)}) ${i32(sz(l))})`);
      idx.set(l, get(ix));
    }
    gemm();
    for (const l of batch) idx.delete(l);
  });
  return true;
}

/**
 * The one element stride of labels read as a flat row-major index (size-1 labels ignored), or
 * undefined when they are not laid out so in the operand.
 */
function flatStride(ls: readonly string[], sz: (l: string) => number, st: (l: string) => number): number | undefined {
  let base: number | undefined, next = 0;
  for (let i = ls.length - 1; i >= 0; i--) {
    const l = ls[i]!;
    if (sz(l) === 1) continue;
    if (base === undefined) base = st(l);
    else if (st(l) !== next) return undefined;
    next = st(l) * sz(l);
  }
  return base ?? 0;
}

/** Element offset of flat index `f` over the labels (row-major over their sizes) with strides st. */
function unflatten(ls: readonly string[], sz: (l: string) => number, st: (l: string) => number, f: string): string {
  let inner = ls.reduce((a, l) => a * sz(l), 1), out = i32(0);
  for (const l of ls) {
    inner /= sz(l);
    if (sz(l) === 1) continue;
    out = add(out, mul(`(i32.rem_u (i32.div_u ${f} ${i32(inner)}) ${i32(sz(l))})`, i32(st(l))));
  }
  return out;
}
