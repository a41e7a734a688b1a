// RotaryEmbedding (ONNX 23), f32, 3-D [B, S, H*D] or 4-D [B, H, S, D]: per (batch, position) the
// cos/sin cache row (position_ids[b, s], or b*S + s without them), then per head the pairs
// (x[i], x[i + rd/2]) rotated in f32x4 over i (both halves and the cache rows are contiguous),
// or the interleaved pairs (x[2i], x[2i+1]) one by one; channels from rotary_embedding_dim on
// are copied. A position id outside the cache is refused at run time, as by the interpreter
// (index-check.ts).

import type { Op } from '../../../../ir/ir.js';
import { add, constValue, get, i32, isConst, mul } from '../emitter.js';
import type { KernelCtx, KernelDef } from '../kernel-api.js';
import { loadIndexFrom0 } from './index-check.js';

const bytes = (e: string): string => mul(e, i32(4));

function emitRotary(k: KernelCtx, op: Op): void {
  const [X, COS, SIN, POS] = [0, 1, 2, 3].map((i) => op.operands[i] ?? null);
  const y = op.results[0]!;
  for (const v of [X, COS, SIN, y]) if (v!.type.dtype !== 'f32') k.fail(op, `rotary_embedding on ${v!.type.dtype} is not supported by the wasm backend (f32 only)`);
  if (POS && POS.type.dtype !== 'i64' && POS.type.dtype !== 'i32') k.fail(op, 'rotary_embedding position_ids must be i64 or i32');
  const em = k.em;
  const once = (hint: string, e: string): string => {
    if (isConst(e)) return e;
    const l = em.local(hint, 'i32');
    em.set(l, e);
    return get(l);
  };
  const xd = k.dims(X!);
  const four = xd.length === 4;
  if (!four && xd.length !== 3) k.fail(op, `rotary_embedding input must be 3-D or 4-D, got rank ${xd.length}`);
  const numHeads = Number(op.attrs.get('num_heads')?.value ?? 0);
  if (!four && numHeads <= 0) k.fail(op, 'rotary_embedding with a 3-D input needs a positive num_heads');
  const B = k.dim(xd[0]!), S = k.dim(four ? xd[2]! : xd[1]!), H = four ? k.dim(xd[1]!) : i32(numHeads);
  const D = once('hd', four ? k.dim(xd[3]!) : `(i32.div_u ${k.dim(xd[2]!)} ${H})`);
  const rdAttr = Number(op.attrs.get('rotary_embedding_dim')?.value ?? 0);
  const rd = rdAttr > 0 ? i32(rdAttr) : D;
  const half = once('half', isConst(rd) ? i32(constValue(rd)! >> 1) : `(i32.shr_u ${rd} (i32.const 1))`);
  const interleaved = Number(op.attrs.get('interleaved')?.value ?? 0) !== 0;
  const cd = k.dims(COS!);
  const maxPos = k.dim(cd[0]!);
  em.comment(`rotary_embedding ${xd.join('x')}${interleaved ? ' interleaved' : ''} rd=${rdAttr || 'D'}`);
  const crow = em.local('crow', 'i32'), cp = em.local('cp', 'i32'), sp = em.local('sp', 'i32');
  const xp = em.local('xp', 'i32'), yp = em.local('yp', 'i32');
  const c = em.local('c', 'v128'), s = em.local('s', 'v128'), a = em.local('a', 'v128'), e = em.local('e', 'v128');
  em.loop('b', B, (b) => em.loop('s', S, (si) => {
    const flat = add(mul(b, S), si);
    if (POS) loadIndexFrom0(k, op, POS, flat, maxPos, crow);
    else em.set(crow, flat);
    em.set(cp, add(k.ptr(COS!), bytes(mul(get(crow), half))));
    em.set(sp, add(k.ptr(SIN!), bytes(mul(get(crow), half))));
    em.loop('h', H, (h) => {
      const off = bytes(mul(four ? add(mul(add(mul(b, H), h), S), si) : add(mul(flat, H), h), D));
      em.set(xp, add(k.ptr(X!), off));
      em.set(yp, add(k.ptr(y), off));
      const at = (p: string, idx: string): string => add(get(p), bytes(idx));
      if (!interleaved) {
        const rot = (ld: (p: string, idx: string) => string, st: (p: string, idx: string, v: string) => void, i: string): void => {
          em.set(c, ld(cp, i));
          em.set(s, ld(sp, i));
          em.set(a, ld(xp, i));
          em.set(e, ld(xp, add(i, half)));
          st(yp, i, `(f32x4.sub (f32x4.mul ${get(c)} ${get(a)}) (f32x4.mul ${get(s)} ${get(e)}))`);
          st(yp, add(i, half), `(f32x4.add (f32x4.mul ${get(s)} ${get(a)}) (f32x4.mul ${get(c)} ${get(e)}))`);
        };
        em.vecLoop(half,
          (i) => rot((p, idx) => `(v128.load align=4 ${at(p, idx)})`, (p, idx, v) => em.line(`(v128.store align=4 ${at(p, idx)} ${v})`), i),
          (i) => rot((p, idx) => `(f32x4.splat (f32.load ${at(p, idx)}))`, (p, idx, v) => em.line(`(f32.store ${at(p, idx)} (f32x4.extract_lane 0 ${v}))`), i));
      } else {
        em.loop('i', half, (i) => {
          const i1 = mul(i, i32(2)), i2 = add(mul(i, i32(2)), i32(1));
          const ld = (p: string, idx: string): string => `(f32.load ${at(p, idx)})`;
          em.line(`(f32.store ${at(yp, i1)} (f32.sub (f32.mul ${ld(cp, i)} ${ld(xp, i1)}) (f32.mul ${ld(sp, i)} ${ld(xp, i2)})))`);
          em.line(`(f32.store ${at(yp, i2)} (f32.add (f32.mul ${ld(sp, i)} ${ld(xp, i1)}) (f32.mul ${ld(cp, i)} ${ld(xp, i2)})))`);
        });
      }
      if (rd !== D) {
        const d = em.local('d', 'i32');
        em.forRange(d, rd, D, 1, () => em.line(`(f32.store ${at(yp, get(d))} (f32.load ${at(xp, get(d))}))`));
      }
    });
  }));
}

export const ROTARY_KERNEL: KernelDef = { emit: emitRotary, flops: (op, numel) => 3 * numel(op.results[0]!) };
