// Reductions whose axes are data (a graph input), keepdims 1 or 0: which axes are reduced is known
// only at run time, so each result element loops over the box of input elements that reduce into
// it; per input axis a flag says whether any listed axis (negative ones counted from the end) is
// it. The result dims are run-time dims (1 on reduced axes; see dynamic-dims.ts). One thread per
// result element: these models are small; the tiled reduce of rows.ts serves constant axes.

import type { Op } from '../../../../ir/ir.js';
import { coords, intAttr, type MapKernel, strides } from '../kernel-api.js';
import { REG, u32 } from '../wgsl.js';

// Infinities as run-time values (`i` is the result index in scope): WGSL refuses them in constant
// expressions.
const POS_INF = 'bitcast<f32>(0x7f800000u | min(i, 0u))', NEG_INF = 'bitcast<f32>(0xff800000u | min(i, 0u))';
type Red = { init: string; acc: (a: string, v: string) => string; fin: (a: string, n: string) => string };
const REDUCERS: Readonly<Record<string, Red>> = {
  reduce_sum: { init: '0.0f', acc: (a, v) => `${a} + ${v}`, fin: (a) => a },
  reduce_mean: { init: '0.0f', acc: (a, v) => `${a} + ${v}`, fin: (a, n) => `${a} / f32(${n})` },
  reduce_max: { init: NEG_INF, acc: (a, v) => `max(${a}, ${v})`, fin: (a) => a },
  reduce_min: { init: POS_INF, acc: (a, v) => `min(${a}, ${v})`, fin: (a) => a },
  reduce_prod: { init: '1.0f', acc: (a, v) => `${a} * ${v}`, fin: (a) => a },
  reduce_sum_square: { init: '0.0f', acc: (a, v) => `${a} + ${v} * ${v}`, fin: (a) => a },
  reduce_l1: { init: '0.0f', acc: (a, v) => `${a} + abs(${v})`, fin: (a) => a },
  reduce_l2: { init: '0.0f', acc: (a, v) => `${a} + ${v} * ${v}`, fin: (a) => `sqrt(${a})` },
  // log(0) is -inf (SwiftShader's log gives -88 there).
  reduce_log_sum: { init: '0.0f', acc: (a, v) => `${a} + ${v}`, fin: (a) => `select(log(${a}), ${NEG_INF}, ${a} == 0.0f)` },
};

/** A reduction whose result type shows run-time dims where its operand has others: axes from data. */
export function hasRuntimeAxes(op: Op): boolean {
  if (!(op.name in REDUCERS) && op.name !== 'reduce_log_sum_exp') return false;
  const xd = op.operands[0]?.type.shape, yd = op.results[0]?.type.shape;
  if (!xd || !yd) return false;
  // keepdims = 0 over axes of length 1 leaves no run-time dim: the axes operand is then not a
  // constant (a constant one seen through a fused group's argument is read from the weights).
  const dataAxes = !!op.operands[1] && op.operands[1].def?.name !== 'const';
  return yd.some((d) => typeof d === 'string' && !xd.includes(d)) || (dataAxes && yd.length !== xd.length);
}

export const REDUCE_DYNAMIC_KERNEL: MapKernel = {
  kind: 'map', emptyOperands: true,
  pointwise: () => [],
  reads: () => [0, 1],
  value: (k, op, i) => {
    const [x, axesV] = op.operands;
    const red = REDUCERS[op.name];
    if (!red) k.fail(op, `${op.name} with axes known only at run time is not supported by the webgpu backend`);
    if (x!.type.dtype !== 'f32') k.fail(op, `${op.name}: only f32 is supported by the webgpu backend`);
    const xd = k.dims(x!), yd = k.dims(op.results[0]!);
    if (!axesV || REG[axesV.type.dtype] !== 'i32' || k.dims(axesV).length !== 1 || typeof k.dims(axesV)[0] !== 'number') {
      k.fail(op, `${op.name}: run-time axes must be a 1-D i64/i32 tensor of known length in the webgpu backend`);
    }
    const n = k.dims(axesV!)[0] as number;
    const rank = xd.length;
    const keep = intAttr(op, 'keepdims', 1) === 1;
    if (yd.length !== (keep ? rank : rank - n) || (!keep && n === 0)) k.fail(op, `${op.name}: the result rank does not match the run-time axes`);
    const b = k.body;
    const axis = Array.from({ length: n }, (_v, j) => {
      const a = b.let('ax', k.load(axesV!, u32(j)));
      return b.let('ax', `select(${a}, ${a} + ${rank}i, ${a} < 0i)`);
    });
    // No axes listed: all of them, unless noop_with_empty_axes.
    const none = intAttr(op, 'noop_with_empty_axes', 0) === 1 ? 'false' : 'true';
    const r = xd.map((_d, a) => b.let('r', n === 0 ? none : axis.map((e) => `(${e} == ${a}i)`).join(' || ')));
    const c0 = coords(k, i, yd);
    // keepdims = 0: input axis a takes result coordinate a - (reduced axes before a), known at run time.
    const oc = keep || yd.length === 0 ? '' : b.var('oc', `array<u32, ${yd.length}>`, `array<u32, ${yd.length}>(${c0.join(', ')})`);
    const c = keep ? c0 : xd.map((_d, a) => {
      if (yd.length === 0) return '0u';
      const before = a === 0 ? '0u' : r.slice(0, a).map((f) => `select(0u, 1u, ${f})`).join(' + ');
      return b.let('kc', `${oc}[min(${a}u - min(${before}, ${a}u), ${u32(yd.length - 1)})]`);
    });
    const xs = strides(k, xd);
    const ext = xd.map((d, a) => b.let('e', `select(1u, ${k.dim(d)}, ${r[a]})`));
    const total = b.let('total', ext.reduce((p, e) => (p === '1u' ? e : `${p} * ${e}`), '1u'));
    const acc = b.var('acc', 'f32', red!.init.replace('min(i,', `min(${i},`));
    b.block(`for (var j = 0u; j < ${total}; j++)`, () => {
      const rem = b.var('rem', 'u32', 'j');
      const terms: string[] = [];
      for (let a = rank - 1; a >= 0; a--) {
        const ca = b.let('ca', `select(${c[a]}, ${rem} % ${ext[a]}, ${r[a]})`);
        b.line(`${rem} = ${rem} / ${ext[a]};`);
        terms.push(`${ca} * ${xs[a]}`);
      }
      // The loop runs only when the box is not empty, so the input has an element to clamp to.
      const at = b.let('at', `min(${terms.join(' + ')}, ${k.size(xd)} - 1u)`);
      b.line(`${acc} = ${red!.acc(acc, k.load(x!, at))};`);
    });
    return b.let('v', red!.fin(acc, total).replace(/min\(i, 0u\)/g, `min(${i}, 0u)`));
  },
};
