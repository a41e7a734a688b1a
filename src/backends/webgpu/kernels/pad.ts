// pad as a map kernel: each result element reads one input element (or the fill value). The
// axes and pads are constants or read from their buffers (then the result dims are run-time
// dims, see dynamic-dims.ts); the input dims may be symbols. Per padded axis the result coordinate c maps to the input coordinate lo + m(c - pb)
// (negative pads crop first, as ir/ops/shape-slice.ts padMap does), where m is the mode's rule:
// constant (outside -> fill), edge (clamp), wrap (modulo), reflect (mirror without the edge).
// All arithmetic is i32; the final index is clamped into the input, so no access leaves it.

import type { Op } from '../../../../ir/ir.js';
import { toNumbers } from '../../../../ir/tensor.js';
import { coords, type KernelCtx, type MapKernel, strides } from '../kernel-api.js';
import { i32Lit, literal, mulU, REG, u32 } from '../wgsl.js';
import { clampIndex } from './common.js';

/**
 * (before, after) per axis as i32 expressions: literals from constant pads, else loads from the
 * pads buffer (a graph input: the result dims are then run-time dims the runtime evaluates).
 * Axes read at run time (a graph input of known length): every axis may be padded, and its pads
 * are the sum over the listed axes equal to it (negative ones counted from the end), as
 * ir/ops/shape-slice.ts padsPerDimAny derives the result dims.
 */
function padsOf(k: KernelCtx, op: Op, rank: number): ([string, string] | null)[] {
  const [, padsV, , axesV] = op.operands;
  const at = axesV ? k.constant(axesV) : undefined;
  if (REG[padsV!.type.dtype] !== 'i32') k.fail(op, 'pad needs i64 or i32 pads in the webgpu backend');
  const runtimeAxes = !!axesV && !at;
  const na = runtimeAxes ? k.dims(axesV!)[0] : undefined;
  if (runtimeAxes && (k.dims(axesV!).length !== 1 || typeof na !== 'number' || REG[axesV!.type.dtype] !== 'i32')) {
    k.fail(op, 'pad needs constant axes, or axes as a 1-D i64/i32 tensor of known length, in the webgpu backend');
  }
  const axes = at ? toNumbers(at).map((a) => (a < 0 ? a + rank : a)) : runtimeAxes ? [] : Array.from({ length: rank }, (_v, a) => a);
  const count = runtimeAxes ? (na as number) : axes.length;
  const pt = k.constant(padsV!);
  const n = 2 * count;
  if (k.dims(padsV!).length !== 1 || k.dims(padsV!)[0] !== n) k.fail(op, `pad needs ${n} pads for ${count} axes`);
  const pads = pt ? toNumbers(pt) : undefined;
  const per: ([string, string] | null)[] = Array.from({ length: rank }, () => null);
  const one = (j: number): string => (pads ? i32Lit(pads[j]!) : k.body.let('pd', k.load(padsV!, u32(j))));
  if (runtimeAxes) {
    const b = k.body;
    const ax = Array.from({ length: count }, (_v, j) => {
      const a = b.let('pax', k.load(axesV!, u32(j)));
      return b.let('pax', `select(${a}, ${a} + ${rank}i, ${a} < 0i)`);
    });
    const pick = (a: number, off: number): string =>
      count === 0 ? '0i' : b.let('pp', ax.map((e, j) => `select(0i, ${one(off + j)}, ${e} == ${a}i)`).join(' + '));
    for (let a = 0; a < rank; a++) per[a] = [pick(a, 0), pick(a, count)];
    return per;
  }
  axes.forEach((a, j) => {
    if (pads && pads[j] === 0 && pads[j + axes.length] === 0) return;
    per[a] = [one(j), one(j + axes.length)];
  });
  return per;
}

export const PAD_KERNEL: MapKernel = {
  kind: 'map',
  pointwise: () => [],
  reads: (op) => [0, 1, ...(op.operands[2] ? [2] : []), ...(op.operands[3] ? [3] : [])],
  value: (k, op, i) => {
    const x = op.operands[0]!, y = op.results[0]!;
    const xd = k.dims(x), yd = k.dims(y);
    const mode = String(op.attrs.get('mode')?.value ?? 'constant');
    if (!['constant', 'edge', 'wrap', 'reflect'].includes(mode)) k.fail(op, `pad mode '${mode}' is not supported by the webgpu backend`);
    const reg = REG[y.type.dtype];
    if (!reg) k.fail(op, `pad of ${y.type.dtype} is not supported by the webgpu backend`);
    const per = padsOf(k, op, xd.length);
    const c = coords(k, i, yd);
    const xs = strides(k, xd);
    const inside: string[] = [];
    const terms = xd.map((d, a) => {
      const p = per[a];
      if (!p) return mulU(c[a]!, xs[a]!);
      const [before, after] = p;
      const lo = k.body.let('lo', `max(-${before}, 0i)`);
      // The kept length after cropping; at least 1 for the modular modes (an empty axis has no
      // element to repeat: the interpreter refuses it, the index here is clamped anyway).
      const n = k.body.let('n', `max(i32(${k.dim(d)}) - ${lo} - max(-${after}, 0i), 1i)`);
      const t = k.body.let('t', `i32(${c[a]}) - max(${before}, 0i)`);
      let m: string;
      if (mode === 'constant') {
        inside.push(`(${t} >= 0i && ${t} < ${n})`);
        m = t;
      } else if (mode === 'edge') m = `clamp(${t}, 0i, ${n} - 1i)`;
      else if (mode === 'wrap') m = `(((${t} % ${n}) + ${n}) % ${n})`;
      else {
        const q = k.body.let('q', `max(2i * (${n} - 1i), 1i)`);
        const r = k.body.let('r', `((${t} % ${q}) + ${q}) % ${q}`);
        m = `select(${r}, ${q} - ${r}, ${r} >= ${n})`;
      }
      const src = k.body.let('s', `u32(clamp(${m} + ${lo}, 0i, max(i32(${k.dim(d)}) - 1i, 0i)))`);
      return mulU(src, xs[a]!);
    });
    const at = terms.reduce((acc, t) => (acc === '0u' ? t : t === '0u' ? acc : `(${acc} + ${t})`), '0u');
    const v = k.load(x, k.body.let('src', clampIndex(k, x, at)));
    if (inside.length === 0) return k.body.let('v', v);
    const cv = op.operands[2];
    const ct = cv ? k.constant(cv) : undefined;
    const fill = !cv ? literal(0, reg!) : ct ? literal(ct.data.length > 0 ? Number(ct.data[0]) : 0, reg!) : k.load(cv, '0u');
    return k.body.let('v', `select(${fill}, ${v}, ${inside.join(' && ')})`);
  },
};
