// Norms without a kernel elsewhere, f32/f64 in f64 like the interpreter (NCHW only):
// group_normalization (mean and population variance over each group of C/G channels, then
// per-channel scale and bias), lrn (sum of squares over `size` neighbouring channels) and
// mean_variance_normalization ((x - mean) / (std + 1e-9) over `axes`; the statistics of each kept
// index are computed by looping over the reduced dims, nested in the order of the dims).

import type { Op, Value } from '../../../../ir/ir.js';
import { add, addr, get, i32, mul } from '../emitter.js';
import type { KernelCtx, KernelDef } from '../kernel-api.js';
import { expF64, logF64 } from './misc-unary.js';
import { floatOf } from './misc-pool.js';
import { stridesOf } from './index-gather.js';

const c64 = (x: number): string => `(f64.const ${x})`;

function nchwOnly(k: KernelCtx, op: Op): void {
  const l = op.attrs.get('layout')?.value ?? 'nchw', o = op.attrs.get('out_layout')?.value ?? l;
  if (l !== 'nchw' || o !== 'nchw') k.fail(op, `${op.name} in layout ${String(l)} is not supported by the wasm backend`);
}

function emitGroupNorm(k: KernelCtx, op: Op): void {
  nchwOnly(k, op);
  const [x, scale, bias] = op.operands as [Value, Value, Value];
  const y = op.results[0]!;
  const f = floatOf(k, op, x), fs = floatOf(k, op, scale), fb = floatOf(k, op, bias);
  const xd = k.dims(x);
  const G = Number(op.attrs.get('num_groups')?.value);
  const C = xd[1];
  if (typeof C !== 'number' || !(G > 0) || C % G !== 0) k.fail(op, `group_normalization needs a static channel count divisible by num_groups ${G}`);
  const eps = Number(op.attrs.get('epsilon')?.value ?? 1e-5);
  const S = k.size(xd.slice(2)), blk = mul(i32(C / G), S);
  const em = k.em;
  em.comment(`group_normalization groups=${G}`);
  const mean = em.local('mean', 'f64'), sq = em.local('sq', 'f64'), d = em.local('d', 'f64'), inv = em.local('inv', 'f64'), ch = em.local('ch', 'i32');
  em.loop('g', mul(k.dim(xd[0]!), i32(G)), (g) => {
    const at = (i: string): string => add(mul(g, blk), i);
    em.set(mean, c64(0));
    em.loop('i', blk, (i) => em.set(mean, `(f64.add ${get(mean)} ${f.load(addr(k.ptr(x), at(i), f.size))})`));
    em.set(mean, `(f64.div ${get(mean)} (f64.convert_i32_u ${blk}))`);
    em.set(sq, c64(0));
    em.loop('i', blk, (i) => {
      em.set(d, `(f64.sub ${f.load(addr(k.ptr(x), at(i), f.size))} ${get(mean)})`);
      em.set(sq, `(f64.add ${get(sq)} (f64.mul ${get(d)} ${get(d)}))`);
    });
    em.set(inv, `(f64.div ${c64(1)} (f64.sqrt (f64.add (f64.div ${get(sq)} (f64.convert_i32_u ${blk})) ${c64(eps)})))`);
    em.loop('i', blk, (i) => {
      // Channel of element i of group g: (g mod G) * C/G + i / S.
      em.set(ch, add(mul(`(i32.rem_u ${g} ${i32(G)})`, i32(C / G)), `(i32.div_u ${i} ${S})`));
      const norm = `(f64.mul (f64.sub ${f.load(addr(k.ptr(x), at(i), f.size))} ${get(mean)}) ${get(inv)})`;
      em.line(f.store(addr(k.ptr(y), at(i), f.size), `(f64.add (f64.mul ${norm} ${fs.load(addr(k.ptr(scale), get(ch), fs.size))}) ${fb.load(addr(k.ptr(bias), get(ch), fb.size))})`));
    });
  });
}

function emitLrn(k: KernelCtx, op: Op): void {
  nchwOnly(k, op);
  const x = op.operands[0]!, y = op.results[0]!;
  const f = floatOf(k, op, x);
  const xd = k.dims(x);
  const size = Number(op.attrs.get('size')?.value);
  const alpha = Number(op.attrs.get('alpha')?.value ?? 1e-4), beta = Number(op.attrs.get('beta')?.value ?? 0.75), bias = Number(op.attrs.get('bias')?.value ?? 1);
  const lo = Math.floor((size - 1) / 2), hi = Math.ceil((size - 1) / 2);
  const C = k.dim(xd[1]!), S = k.size(xd.slice(2));
  const em = k.em;
  em.comment(`lrn size=${size}`);
  const sq = em.local('sq', 'f64'), v = em.local('v', 'f64'), j = em.local('j', 'i32'), base = em.local('base', 'f64');
  em.loop('n', k.dim(xd[0]!), (n) => em.loop('c', C, (c) => em.loop('s', S, (s) => {
    em.set(sq, c64(0));
    // j over [max(0, c - lo), min(C - 1, c + hi)].
    const from = `(select (i32.sub ${c} ${i32(lo)}) (i32.const 0) (i32.gt_s (i32.sub ${c} ${i32(lo)}) (i32.const 0)))`;
    const to = `(select ${add(c, i32(hi + 1))} ${C} (i32.lt_s ${add(c, i32(hi + 1))} ${C}))`;
    em.forRange(j, from, to, 1, () => {
      em.set(v, f.load(addr(k.ptr(x), add(mul(add(mul(n, C), get(j)), S), s), f.size)));
      em.set(sq, `(f64.add ${get(sq)} (f64.mul ${get(v)} ${get(v)}))`);
    });
    // (bias + alpha/size * sq) ** beta, through exp/log (beta = 0.75 by default); the base is > 0
    // for bias > 0; other bases follow x ** beta of JS only for beta = 1.
    em.set(base, `(f64.add ${c64(bias)} (f64.mul ${c64(alpha / size)} ${get(sq)}))`);
    const pw = beta === 1 ? get(base) : beta === 0.5 ? `(f64.sqrt ${get(base)})` : expF64(k, `(f64.mul ${c64(beta)} ${logF64(k, get(base))})`);
    const i = add(mul(add(mul(n, C), c), S), s);
    em.line(f.store(addr(k.ptr(y), i, f.size), `(f64.div ${f.load(addr(k.ptr(x), i, f.size))} ${pw})`));
  })));
}

function emitMvn(k: KernelCtx, op: Op): void {
  const x = op.operands[0]!, y = op.results[0]!;
  const f = floatOf(k, op, x);
  const xd = k.dims(x);
  const r = xd.length;
  const axes = new Set(((op.attrs.get('axes')?.value as number[] | undefined) ?? [0, 2, 3]).map((a) => (a < 0 ? a + r : a)));
  const kept = xd.map((_d, i) => i).filter((i) => !axes.has(i)), red = xd.map((_d, i) => i).filter((i) => axes.has(i));
  const st = stridesOf(k, xd);
  const cnt = k.size(red.map((a) => xd[a]!));
  const em = k.em;
  em.comment(`mean_variance_normalization axes=[${[...axes].join(',')}]`);
  const mean = em.local('mean', 'f64'), sq = em.local('sq', 'f64'), d = em.local('d', 'f64'), sd = em.local('sd', 'f64'), t = em.local('t', 'i32'), base = em.local('base', 'i32');
  const redIdx = red.map(() => em.local('ri', 'i32'));
  /** Visit every element of the current kept index: nested loops over the reduced dims. */
  const overReduced = (body: (off: string) => void): void => {
    const rec = (j: number, off: string): void => {
      if (j === red.length) { body(off); return; }
      em.forRange(redIdx[j]!, i32(0), k.dim(xd[red[j]!]!), 1, () => rec(j + 1, add(off, mul(get(redIdx[j]!), st[red[j]!]!))));
    };
    rec(0, get(base));
  };
  em.loop('g', k.size(kept.map((a) => xd[a]!)), (g) => {
    em.set(t, g);
    em.set(base, i32(0));
    for (let j = kept.length - 1; j >= 0; j--) {
      const a = kept[j]!;
      em.set(base, add(get(base), mul(`(i32.rem_u ${get(t)} ${k.dim(xd[a]!)})`, st[a]!)));
      if (j > 0) em.set(t, `(i32.div_u ${get(t)} ${k.dim(xd[a]!)})`);
    }
    em.set(mean, c64(0));
    overReduced((off) => em.set(mean, `(f64.add ${get(mean)} ${f.load(addr(k.ptr(x), off, f.size))})`));
    em.set(mean, `(f64.div ${get(mean)} (f64.convert_i32_u ${cnt}))`);
    em.set(sq, c64(0));
    overReduced((off) => {
      em.set(d, `(f64.sub ${f.load(addr(k.ptr(x), off, f.size))} ${get(mean)})`);
      em.set(sq, `(f64.add ${get(sq)} (f64.mul ${get(d)} ${get(d)}))`);
    });
    em.set(sd, `(f64.add (f64.sqrt (f64.div ${get(sq)} (f64.convert_i32_u ${cnt}))) ${c64(1e-9)})`);
    overReduced((off) => em.line(f.store(addr(k.ptr(y), off, f.size), `(f64.div (f64.sub ${f.load(addr(k.ptr(x), off, f.size))} ${get(mean)}) ${get(sd)})`)));
  });
}

export const GROUP_NORM_KERNEL: KernelDef = { emit: emitGroupNorm, flops: (op, numel) => 8 * numel(op.operands[0]!) };
export const LRN_KERNEL: KernelDef = { emit: emitLrn };
export const MVN_KERNEL: KernelDef = { emit: emitMvn, flops: (op, numel) => 6 * numel(op.operands[0]!) };
