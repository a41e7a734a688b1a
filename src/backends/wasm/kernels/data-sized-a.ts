// NonZero and Compress: ops whose result size depends on the input values (../../data-dims.ts).
// The kernel counts, lays its results out for the count and stores it with KernelCtx.setCount.
// The counted dim holds its bound while the kernel runs, so strides of the results come from the
// count the kernel computes, never from k.dim of that symbol. Output buffers are placed for the
// bound (NonZero: rank * numel(X) i64; Compress: the input size with the axis clamped to the
// condition length), and every write stays inside that.
// "Nonzero" / "true" is the interpreter's truthiness of the decoded value: +-0 is false, NaN true.
// Single-threaded in the threaded module variant too (the runtime runs counted models kernel by
// kernel on the main thread).

import { compressAxis } from '../../data-dims.js';
import type { Op, Value } from '../../../../ir/ir.js';
import { add, addr, constValue, get, i32, mul } from '../emitter.js';
import { esize, type KernelCtx, type KernelDef } from '../kernel-api.js';
import { elem } from './dtype-codec.js';

/** i32 expression, nonzero iff the element of `v`'s dtype at byte address `a` is nonzero. */
function truthAt(k: KernelCtx, op: Op, v: Value): (a: string) => string {
  const dt = v.type.dtype;
  switch (dt) {
    case 'f32': return (a) => `(f32.ne (f32.load ${a}) (f32.const 0))`;
    case 'f64': return (a) => `(f64.ne (f64.load ${a}) (f64.const 0))`;
    // Raw bits: every code but +-0 decodes to a nonzero value (NaN included).
    case 'f16': case 'bf16': return (a) => `(i32.and (i32.load16_u ${a}) (i32.const 0x7fff))`;
    case 'i64': case 'u64': return (a) => `(i64.ne (i64.load ${a}) (i64.const 0))`;
    default: break;
  }
  const e = elem(k, dt);
  if (!e) k.fail(op, `${op.name} of ${dt} is not supported by the wasm backend`);
  // float8 / float4 through their decoders (their NaN and zero codes differ per format).
  if (e.t === 'f32') return (a) => `(f32.ne ${e.load(a)} (f32.const 0))`;
  return (a) => e.load(a);
}

/** Copy one element of `es` bytes (a slice of one element needs no memory.copy call). */
function copyElem(es: number, dst: string, src: string): string {
  const [ld, st] = es === 8 ? ['i64.load', 'i64.store'] : es === 4 ? ['i32.load', 'i32.store'] : es === 2 ? ['i32.load16_u', 'i32.store16'] : ['i32.load8_u', 'i32.store8'];
  return `(${st} ${dst} (${ld} ${src}))`;
}

/**
 * One pass over X in row-major order (one loop per dim, so the coordinates are the loop
 * counters): hit j's coordinate along dim a goes to Y[a * numel + j]; then rows 1.. move down to
 * a * n (row-major [rank, n]). Rows only move towards lower addresses, in order, so no row is
 * overwritten before it moved.
 */
function emitNonZero(k: KernelCtx, op: Op): void {
  const x = op.operands[0]!, y = op.results[0]!;
  const xd = k.dims(x);
  const es = esize(k, op, x);
  const nonzero = truthAt(k, op, x);
  const em = k.em;
  em.comment(`nonzero ${x.type.dtype} rank ${xd.length}`);
  const numel = k.size(xd);
  const n = em.local('n', 'i32'), f = em.local('f', 'i32');
  em.set(n, i32(0));
  em.set(f, i32(0));
  const coords: string[] = [];
  const nest = (a: number): void => {
    if (a === xd.length) {
      em.when(nonzero(addr(k.ptr(x), get(f), es)), () => {
        coords.forEach((c, r) => em.line(`(i64.store ${addr(k.ptr(y), add(mul(i32(r), numel), get(n)), 8)} (i64.extend_i32_u ${c}))`));
        em.set(n, add(get(n), i32(1)));
      });
      em.set(f, add(get(f), i32(1)));
      return;
    }
    em.loop(`i${a}`, k.dim(xd[a]!), (i) => { coords.push(i); nest(a + 1); coords.pop(); });
  };
  nest(0);
  for (let r = 1; r < xd.length; r++) {
    em.line(`(memory.copy ${addr(k.ptr(y), mul(i32(r), get(n)), 8)} ${addr(k.ptr(y), mul(i32(r), numel), 8)} ${mul(get(n), i32(8))})`);
  }
  k.setCount(op, get(n));
}

/**
 * Compress along `axis` (the flattened input without one): count the true entries among the
 * first min(len(condition), dim) (a longer condition, which the interpreter refuses, reads and
 * writes nothing past that), then copy the kept slices of each outer index.
 */
function emitCompress(k: KernelCtx, op: Op): void {
  const [x, c] = op.operands as [Value, Value];
  const y = op.results[0]!;
  const xd = k.dims(x), cd = k.dims(c);
  const { hasAxis, axis } = compressAxis(op, xd.length, cd.length, (m) => k.fail(op, m));
  const es = esize(k, op, x), ces = esize(k, op, c);
  const kept = truthAt(k, op, c);
  const outer = hasAxis ? k.size(xd.slice(0, axis)) : i32(1);
  const dim = hasAxis ? k.dim(xd[axis]!) : k.size(xd);
  const inner = hasAxis ? k.size(xd.slice(axis + 1)) : i32(1);
  const len = k.dim(cd[0]!);
  const em = k.em;
  em.comment(`compress ${x.type.dtype}${hasAxis ? ` axis=${axis}` : ''}`);
  const cl = constValue(len), dl = constValue(dim);
  const m = cl !== undefined && dl !== undefined ? i32(Math.min(cl, dl)) : (() => {
    const l = em.local('m', 'i32');
    em.set(l, `(select ${len} ${dim} (i32.lt_s ${len} ${dim}))`);
    return get(l);
  })();
  const n = em.local('n', 'i32'), p = em.local('p', 'i32');
  em.set(n, i32(0));
  em.loop('j', m, (j) => em.when(kept(addr(k.ptr(c), j, ces)), () => em.set(n, add(get(n), i32(1)))));
  const bytes = mul(inner, i32(es));
  const one = constValue(inner) === 1;
  em.loop('o', outer, (o) => {
    em.set(p, i32(0));
    em.loop('j', m, (j) => em.when(kept(addr(k.ptr(c), j, ces)), () => {
      const dst = addr(k.ptr(y), mul(add(mul(o, get(n)), get(p)), inner), es);
      const src = addr(k.ptr(x), mul(add(mul(o, dim), j), inner), es);
      em.line(one ? copyElem(es, dst, src) : `(memory.copy ${dst} ${src} ${bytes})`);
      em.set(p, add(get(p), i32(1)));
    }));
  });
  k.setCount(op, get(n));
}

export const DATA_SIZED_A_KERNELS: ReadonlyArray<readonly [string, KernelDef]> = [
  ['nonzero', { emit: emitNonZero }],
  ['compress', { emit: emitCompress }],
];
