// depth_to_space (DCR and CRD) and space_to_depth on [N, C, H, W], dtype-generic: one scalar loop
// over the output, each element read from its source position.

import type { Op } from '../../../../ir/ir.js';
import { add, addr, get, i32, mul } from '../emitter.js';
import { esize, type KernelCtx, type KernelDef } from '../kernel-api.js';
import { DTS } from './generic-elementwise.js';

const BY_SIZE: Readonly<Record<number, string>> = { 1: 'u8', 2: 'u16', 4: 'i32', 8: 'i64' };

function emitSpace(k: KernelCtx, op: Op): void {
  const x = op.operands[0]!, y = op.results[0]!;
  const dt = DTS[BY_SIZE[esize(k, op, y)]!]!;
  const xd = k.dims(x), yd = k.dims(y);
  if (xd.length !== 4) k.fail(op, `${op.name} needs rank 4`);
  const b = Number(op.attrs.get('blocksize')?.value ?? 1);
  const crd = String(op.attrs.get('mode')?.value ?? 'DCR') === 'CRD';
  const em = k.em;
  em.comment(`${op.name} b=${b}${op.name === 'depth_to_space' ? ` ${crd ? 'CRD' : 'DCR'}` : ''}`);
  const [, Ci, Hi, Wi] = xd.map((d) => k.dim(d));
  const [N, Co, Ho, Wo] = yd.map((d) => k.dim(d));
  const bb = i32(b);
  const src = em.local('src', 'i32'), o = em.local('o', 'i32');
  em.set(o, i32(0));
  em.loop('n', N!, (n) => em.loop('c', Co!, (c) => em.loop('h', Ho!, (h) => em.loop('w', Wo!, (w) => {
    let ci: string, hi: string, wi: string;
    if (op.name === 'depth_to_space') {
      const blk = add(mul(`(i32.rem_u ${h} ${bb})`, bb), `(i32.rem_u ${w} ${bb})`);
      ci = crd ? add(mul(c, i32(b * b)), blk) : add(mul(blk, Co!), c);
      hi = `(i32.div_u ${h} ${bb})`; wi = `(i32.div_u ${w} ${bb})`;
    } else {
      // output channel c = (bh * b + bw) * Ci + ci
      const blk = `(i32.div_u ${c} ${Ci!})`;
      ci = `(i32.rem_u ${c} ${Ci!})`;
      hi = add(mul(h, bb), `(i32.div_u ${blk} ${bb})`); wi = add(mul(w, bb), `(i32.rem_u ${blk} ${bb})`);
    }
    em.set(src, add(mul(add(mul(add(mul(n, Ci!), ci), Hi!), hi), Wi!), wi));
    em.line(`(${dt.store} ${addr(k.ptr(y), get(o), dt.size)} (${dt.load} ${addr(k.ptr(x), get(src), dt.size)}))`);
    em.set(o, add(get(o), i32(1)));
  }))));
}

export const SPACE_KERNEL: KernelDef = { emit: emitSpace };
