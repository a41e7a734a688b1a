// Pad (constant, reflect, edge, wrap; negative pads crop) and Tile, dtype-generic: one scalar loop
// over the output's flat index; each axis maps its output coordinate to an input coordinate (or
// to "outside", which takes the constant) with the same rules as the interpreter's padMap.

import type { Op } from '../../../../ir/ir.js';
import { toNumbers } from '../../../../ir/tensor.js';
import type { Dim } from '../../../../ir/types.js';
import { add, addr, get, i32, mul, sub } from '../emitter.js';
import { esize, type KernelCtx, type KernelDef } from '../kernel-api.js';
import { DTS } from './generic-elementwise.js';
import { dimMax, dimNeg, dimSub } from '../../../../ir/symbolic.js';
import { padsPerDimAny } from '../../../../ir/ops/shape-slice.js';

const BY_SIZE: Readonly<Record<number, string>> = { 1: 'u8', 2: 'u16', 4: 'i32', 8: 'i64' };

/** Per axis: i32 expression of the input coordinate for output coordinate `c` (a local), and an optional "inside" condition. */
type AxisMap = (c: string) => { idx: string; inside?: string };

function emitMapped(k: KernelCtx, op: Op, maps: readonly AxisMap[], fill: string | undefined): void {
  const x = op.operands[0]!, y = op.results[0]!;
  const em = k.em;
  const xd = k.dims(x), yd = k.dims(y);
  const es = esize(k, op, y);
  const dt = DTS[y.type.dtype] ?? DTS[BY_SIZE[es]!]!;
  const r = yd.length;
  em.comment(`${op.name} ${xd.join('x')} -> ${yd.join('x')}`);
  const t = em.local('t', 'i32'), c = em.local('c', 'i32'), off = em.local('off', 'i32'), ins = em.local('ins', 'i32');
  const xs: string[] = [];
  let acc = i32(1);
  for (let a = r - 1; a >= 0; a--) { xs[a] = acc; acc = mul(acc, k.dim(xd[a]!)); }
  em.loop('e', k.size(yd), (e) => {
    em.set(t, e);
    em.set(off, i32(0));
    em.set(ins, i32(1));
    for (let a = r - 1; a >= 0; a--) {
      em.set(c, `(i32.rem_u ${get(t)} ${k.dim(yd[a]!)})`);
      if (a > 0) em.set(t, `(i32.div_u ${get(t)} ${k.dim(yd[a]!)})`);
      const m = maps[a]!(get(c));
      if (m.inside) em.set(ins, `(i32.and ${get(ins)} ${m.inside})`);
      em.set(off, add(get(off), mul(m.idx, xs[a]!)));
    }
    const load = `(${dt.load} ${addr(k.ptr(x), get(off), es)})`;
    const val = fill === undefined ? load : `(if (result ${dt.t}) ${get(ins)} (then ${load}) (else ${fill}))`;
    em.line(`(${dt.store} ${addr(k.ptr(y), e, es)} ${val})`);
  });
}

function constInts(k: KernelCtx, op: Op, i: number, what: string): number[] | undefined {
  const v = op.operands[i];
  if (!v) return undefined;
  const t = k.constant(v);
  if (!t) k.fail(op, `${op.name} needs constant ${what} in the wasm backend`);
  return toNumbers(t).map(Number);
}

function emitPad(k: KernelCtx, op: Op): void {
  const x = op.operands[0]!;
  const xd = k.dims(x);
  const r = xd.length;
  // Pads given as input data are dims the runtime computes (k.dim of an expression).
  const pads: Dim[] = k.constant(op.operands[1]!) ? constInts(k, op, 1, 'pads')! : k.shapeValue(op.operands[1]!) ?? [];
  if (pads.length === 0 || pads.includes('?')) k.fail(op, 'pad needs constant pads, or pads read from a small integer graph input, in the wasm backend');
  const axesV = op.operands[3];
  const axes = axesV ? (k.constant(axesV) ? constInts(k, op, 3, 'axes') : k.shapeValue(axesV)) : undefined;
  if (axesV && (!axes || axes.includes('?'))) k.fail(op, 'pad needs constant axes, or axes read from a small integer graph input, in the wasm backend');
  const per = padsPerDimAny(r, pads, axes, (m) => k.fail(op, m));
  const mode = String(op.attrs.get('mode')?.value ?? 'constant');
  if (!['constant', 'reflect', 'edge', 'wrap'].includes(mode)) k.fail(op, `pad mode ${mode} is not supported by the wasm backend`);
  const em = k.em;
  const maps: AxisMap[] = per.map(([before, after], a) => {
    const lo: Dim = dimMax(0, dimNeg(before)), pb: Dim = dimMax(0, before);
    const d = typeof lo === 'number' && typeof before === 'number' && typeof after === 'number'
      ? sub(k.dim(xd[a]! as Dim), i32(lo + Math.max(0, -after)))
      : k.dim(dimSub(dimSub(xd[a]!, lo), dimMax(0, dimNeg(after))));
    if (typeof before === 'number' && typeof after === 'number' && before <= 0 && after <= 0) return (c) => ({ idx: add(c, k.dim(lo)) });
    return (c) => {
      const i = em.local('i', 'i32');
      em.set(i, sub(c, k.dim(pb)));
      const out = `(i32.ge_u ${get(i)} ${d})`;
      if (mode === 'constant') return { idx: `(select ${i32(0)} ${add(get(i), k.dim(lo))} ${out})`, inside: `(i32.eqz ${out})` };
      if (mode === 'edge') {
        em.set(i, `(select ${i32(0)} ${get(i)} (i32.lt_s ${get(i)} ${i32(0)}))`);
        em.set(i, `(select ${sub(d, i32(1))} ${get(i)} (i32.ge_s ${get(i)} ${d}))`);
      } else if (mode === 'wrap') {
        em.set(i, `(i32.rem_s ${get(i)} ${d})`);
        em.set(i, `(select ${add(get(i), d)} ${get(i)} (i32.lt_s ${get(i)} ${i32(0)}))`);
      } else {
        // reflect with period p = 2(d-1) (d = 1: always 0)
        const p = em.local('p', 'i32');
        em.set(p, `(select ${mul(i32(2), sub(d, i32(1)))} ${i32(1)} (i32.gt_s ${d} ${i32(1)}))`);
        em.set(i, `(i32.rem_s ${get(i)} ${get(p)})`);
        em.set(i, `(select ${add(get(i), get(p))} ${get(i)} (i32.lt_s ${get(i)} ${i32(0)}))`);
        em.set(i, `(select ${sub(get(p), get(i))} ${get(i)} (i32.ge_s ${get(i)} ${d}))`);
        em.set(i, `(select ${get(i)} ${i32(0)} (i32.gt_s ${d} ${i32(1)}))`);
      }
      return { idx: add(get(i), k.dim(lo)) };
    };
  });
  let fill: string | undefined;
  if (mode === 'constant') {
    const cvV = op.operands[2];
    const cv = cvV ? k.constant(cvV) : undefined;
    const dtn = DTS[x.type.dtype];
    if (!dtn) k.fail(op, `pad on ${x.type.dtype} is not supported by the wasm backend`);
    if (cvV && !cv) {
      fill = `(${dtn.load} ${k.ptr(cvV)})`;
    } else {
      const v = cv && cv.data.length > 0 ? cv.data[0]! : 0;
      fill = dtn.t === 'i64' ? `(i64.const ${String(v)})` : dtn.t === 'f32' || dtn.t === 'f64' ? `(${dtn.t}.const ${Number.isNaN(Number(v)) ? 'nan' : Number(v) === Infinity ? 'inf' : Number(v) === -Infinity ? '-inf' : Number(v)})` : `(i32.const ${Number(v)})`;
    }
  }
  emitMapped(k, op, maps, fill);
}

function emitTile(k: KernelCtx, op: Op): void {
  const xd = k.dims(op.operands[0]!);
  emitMapped(k, op, xd.map((d) => (c: string) => ({ idx: d === 1 ? i32(0) : `(i32.rem_u ${c} ${k.dim(d)})` })), undefined);
}

export const PAD_KERNEL: KernelDef = { emit: emitPad };
export const TILE_KERNEL: KernelDef = { emit: emitTile };
