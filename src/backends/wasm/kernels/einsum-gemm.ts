// Einsum's (batched) matmul fast path: two f32 operands with static shapes whose labels are each
// batch (both operands and the output), M (A and output), N (B and output) or K (both operands,
// summed) -- `bij,bjk->bik`, `bhqd,bhkd->bhqk`, `ij,kj->ik`, ... Per batch index it runs the
// register-blocked GEMM of gemm-kernel.ts: A is used in place when its M x K block is dense
// row-major (else copied so), B is packed into 8-column panels, and C is written in place when the
// output's M x N block is dense (else through scratch and scattered). Anything else (diagonals,
// labels summed in one operand, size-1 broadcasting, three operands) keeps the loop kernel.

import type { Op, Value } from '../../../../ir/ir.js';
import { add, get, i32 } from '../emitter.js';
import type { KernelCtx } from '../kernel-api.js';
import { gemmFn } from './attention-gemm.js';
import { gemmWorkspaceBytes } from '../gemm-kernel.js';

const NR = 8;

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
  const [fn, opts] = gemmFn(k, N);
  const nPanels = Math.ceil(N / NR);
  const bp = k.scratch(4 * nPanels * NR * K);
  const ap = aDirect ? '' : k.scratch(4 * M * K);
  const cp = cDirect ? '' : k.scratch(4 * M * N);
  const ws = k.scratch(Math.max(16, gemmWorkspaceBytes(opts, K)));
  const em = k.em;
  em.comment(`einsum as gemm: batch [${batch}] M [${Ml}]=${M} N [${Nl}]=${N} K [${Kl}]=${K}${aDirect ? '' : ' (A copied)'}${cDirect ? '' : ' (C scattered)'}`);
  const idx = new Map<string, string>();
  const off = (s: Map<string, number>): string => [...idx].reduce((a, [l, ix]) => add(a, s.has(l) ? `(i32.mul ${ix} ${i32(s.get(l)!)})` : i32(0)), i32(0));
  const addr = (v: Value, s: Map<string, number>): string => add(k.ptr(v), `(i32.shl ${off(s)} (i32.const 2))`);
  const nest = (ls: readonly string[], body: () => void): void => {
    if (ls.length === 0) return body();
    em.loop('e', i32(sz(ls[0]!)), (ix) => { idx.set(ls[0]!, ix); nest(ls.slice(1), body); idx.delete(ls[0]!); });
  };
  const flat = em.local('flat', 'i32'), n = em.local('n', 'i32');
  const flatOf = (ls: readonly string[]): string => ls.reduce((a, l) => (a === i32(0) ? idx.get(l)! : `(i32.add (i32.mul ${a} ${i32(sz(l))}) ${idx.get(l)!})`), i32(0));
  nest(batch, () => {
    // B panels: element (k, n) at ((n / 8) * K + k) * 8 + n % 8; columns past N are zero.
    if (N % NR) em.line(`(memory.fill ${add(bp, i32(4 * (nPanels - 1) * K * NR))} (i32.const 0) ${i32(4 * K * NR)})`);
    nest(Kl, () => nest(Nl, () => {
      em.set(flat, flatOf(Kl));
      em.set(n, flatOf(Nl));
      const dst = add(bp, `(i32.shl (i32.add (i32.mul (i32.add (i32.mul (i32.shr_u ${get(n)} (i32.const 3)) ${i32(K)}) ${get(flat)}) ${i32(NR)}) (i32.and ${get(n)} (i32.const 7))) (i32.const 2))`);
      em.line(`(f32.store ${dst} (f32.load ${addr(B!, stB)}))`);
    }));
    if (!aDirect) {
      nest(Ml, () => nest(Kl, () => {
        em.set(flat, flatOf([...Ml, ...Kl]));
        em.line(`(f32.store ${add(ap, `(i32.shl ${get(flat)} (i32.const 2))`)} (f32.load ${addr(A!, stA)}))`);
      }));
    }
    const aPtr = aDirect ? addr(A!, stA) : ap, cPtr = cDirect ? addr(y, stO) : cp;
    em.line(`(call ${fn} ${aPtr} ${i32(K)} ${bp} ${cPtr} ${i32(N)} (i32.const 0) ${i32(M)} ${i32(N)} ${i32(K)} ${ws})`);
    if (!cDirect) {
      nest(Ml, () => nest(Nl, () => {
        em.set(flat, flatOf([...Ml, ...Nl]));
        em.line(`(f32.store ${addr(y, stO)} (f32.load ${add(cp, `(i32.shl ${get(flat)} (i32.const 2))`)}))`);
      }));
    }
  });
  return true;
}
