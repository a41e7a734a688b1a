// ConvTranspose, 1-D and 2-D f32 (scalar, correctness first): the output is zeroed, then every
// input pixel scatters its products with the kernel taps into the output (groups, strides,
// dilations, begin pads; output_shape / auto_pad / output_padding resolved by the interpreter's rule,
// the output size itself coming from the result type), then the bias is added per channel.

import type { Op } from '../../../../ir/ir.js';
import type { Dim } from '../../../../ir/types.js';
import { symbolicPadExpr, transposePadsBeginSym } from '../../conv-transpose-pads.js';
import { add, addr, get, i32, mul, sub } from '../emitter.js';
import type { KernelCtx, KernelDef } from '../kernel-api.js';

function emitConvTranspose(k: KernelCtx, op: Op): void {
  const [x, w, b] = op.operands;
  const y = op.results[0]!;
  if ([x, w, b, y].some((v) => v && v.type.dtype !== 'f32')) k.fail(op, 'conv_transpose is f32 only in the wasm backend');
  const xd0 = k.dims(x!), wd0 = k.dims(w!), yd0 = k.dims(y);
  if (xd0.length !== 3 && xd0.length !== 4) k.fail(op, 'only 1-D and 2-D conv_transpose is supported by the wasm backend');
  const one = xd0.length === 3;
  const lift = <T>(v: readonly T[], fill: T): T[] => (one ? [...v.slice(0, -1), fill, v[v.length - 1]!] : [...v]);
  const xd = lift(xd0, 1 as Dim), wd = lift(wd0, 1 as Dim), yd = lift(yd0, 1 as Dim);
  const kern = wd.slice(2).map(Number);
  const ints = (n: string, d: number): number[] => {
    const v = op.attrs.get(n)?.value as number[] | undefined;
    return v ? (one ? [d, v[0]!] : [...v]) : [d, d];
  };
  const st = ints('strides', 1), dl = ints('dilations', 1);
  // Begin pads as i32 expressions: constants, or (output_shape beside symbolic sizes) computed from the size.
  const pb0 = transposePadsBeginSym(op, xd0.slice(2), wd0.slice(2).map(Number), (m) => k.fail(op, m))
    .map((p) => (typeof p === 'number' ? i32(p) : symbolicPadExpr(p, 'wat', (d) => k.dim(d))));
  const pb = one ? [i32(0), pb0[0]!] : pb0;
  const group = Number(op.attrs.get('group')?.value ?? 1);
  const [N, C, H, W] = xd.map((d) => k.dim(d));
  const [, , OH, OW] = yd.map((d) => k.dim(d));
  const Mg = Number(wd[1]), M = Mg * group;
  if (typeof xd[1] !== 'number') k.fail(op, 'conv_transpose needs static channels');
  const Cg = Number(xd[1]) / group;
  const em = k.em;
  em.comment(`conv_transpose ${xd0.join('x')} -> ${yd0.join('x')} group=${group}`);
  em.line(`(memory.fill ${k.ptr(y)} (i32.const 0) ${mul(k.size(yd0), i32(4))})`);
  const xv = em.local('xv', 'f32'), oh = em.local('oh', 'i32'), ow = em.local('ow', 'i32');
  const [kh, kw] = kern as [number, number];
  em.loop('n', N!, (n) => em.loop('ci', C!, (ci) => em.loop('ih', H!, (ih) => em.loop('iw', W!, (iw) => {
    em.set(xv, `(f32.load ${addr(k.ptr(x!), add(mul(add(mul(add(mul(n, C!), ci), H!), ih), W!), iw), 4)})`);
    const g = `(i32.div_u ${ci} ${i32(Cg)})`;
    em.loop('oc', i32(Mg), (oc) => {
      const och = add(mul(g, i32(Mg)), oc);
      for (let a = 0; a < kh; a++) {
        em.set(oh, sub(add(mul(ih, i32(st[0]!)), i32(a * dl[0]!)), pb[0]!));
        em.when(`(i32.lt_u ${get(oh)} ${OH!})`, () => {
          for (let c = 0; c < kw; c++) {
            em.set(ow, sub(add(mul(iw, i32(st[1]!)), i32(c * dl[1]!)), pb[1]!));
            em.when(`(i32.lt_u ${get(ow)} ${OW!})`, () => {
              const yo = addr(k.ptr(y), add(mul(add(mul(add(mul(n, i32(M)), och), OH!), get(oh)), OW!), get(ow)), 4);
              const wo = addr(k.ptr(w!), add(mul(add(mul(ci, i32(Mg)), oc), i32(kh * kw)), i32(a * kw + c)), 4);
              em.line(`(f32.store ${yo} (f32.add (f32.load ${yo}) (f32.mul ${get(xv)} (f32.load ${wo}))))`);
            });
          }
        });
      }
    });
  }))));
  if (b) {
    const P = mul(OH!, OW!);
    em.loop('p', mul(N!, i32(M)), (p) => em.loop('q', P, (q) => {
      const yo = addr(k.ptr(y), add(mul(p, P), q), 4);
      em.line(`(f32.store ${yo} (f32.add (f32.load ${yo}) (f32.load ${addr(k.ptr(b), `(i32.rem_u ${p} ${i32(M)})`, 4)})))`);
    }));
  }
}

export const CONV_TRANSPOSE_KERNEL: KernelDef = {
  emit: emitConvTranspose,
  flops: (op, numel) => 2 * numel(op.operands[0]!) * (op.operands[1]!.type.shape ?? []).slice(1).reduce<number>((a, d) => a * Number(d), 1),
};
