// slice whose starts, axes or steps are data (graph inputs; the result dims are then run-time
// dims, see dynamic-dims.ts). Constant ones keep data.ts's SLICE_KERNEL. Per input axis the start
// and step are picked at run time from the listed axes (negative ones counted from the end),
// clamped as ONNX does (to [0, d] going forward, [-1, d-1] going backward); the result coordinate
// c reads start + c * step, clamped into the input.

import type { Op } from '../../../../ir/ir.js';
import { coords, type KernelCtx, type MapKernel, strides } from '../kernel-api.js';
import { i32Lit, mulU, REG, u32 } from '../wgsl.js';
import { clampIndex } from './common.js';
import { SLICE_KERNEL } from './data.js';

const isConst = (k: KernelCtx, op: Op, j: number): boolean => !op.operands[j] || !!k.constant(op.operands[j]!);

export const SLICE_ANY_KERNEL: MapKernel = {
  kind: 'map',
  pointwise: () => [],
  reads: (op) => [0, 1, 3, 4].filter((j) => op.operands[j]),
  value: (k, op, i) => {
    if (isConst(k, op, 1) && isConst(k, op, 3) && isConst(k, op, 4)) return SLICE_KERNEL.value(k, op, i);
    const [x, starts, , axesV, stepsV] = op.operands;
    const xd = k.dims(x!), rank = xd.length;
    const n = k.dims(starts!)[0];
    if (typeof n !== 'number' || [starts, axesV, stepsV].some((v) => v && REG[v.type.dtype] !== 'i32')) {
      k.fail(op, 'slice needs integer starts, axes and steps of known length in the webgpu backend');
    }
    const b = k.body;
    const scalar = (v: NonNullable<typeof starts>, j: number): string => {
      const t = k.constant(v);
      return t ? i32Lit(Number(t.data[j])) : b.let('q', k.load(v, u32(j)));
    };
    const listed = Array.from({ length: n as number }, (_v, j) => {
      const a = axesV ? scalar(axesV, j) : i32Lit(j);
      return { axis: axesV ? b.let('ax', `select(${a}, ${a} + ${rank}i, ${a} < 0i)`) : a, start: scalar(starts!, j), step: stepsV ? scalar(stepsV, j) : '1i' };
    });
    const c = coords(k, i, k.dims(op.results[0]!));
    const xs = strides(k, xd);
    const terms = xd.map((d, a) => {
      const st = b.var('st', 'i32', '0i'), sp = b.var('sp', 'i32', '1i');
      for (const l of listed) b.line(`if (${l.axis} == ${a}i) { ${st} = ${l.start}; ${sp} = ${l.step}; }`);
      const dd = b.let('d', `i32(${k.dim(d)})`);
      b.line(`if (${st} < 0i) { ${st} = ${st} + ${dd}; }`);
      b.line(`${st} = select(clamp(${st}, -1i, ${dd} - 1i), clamp(${st}, 0i, ${dd}), ${sp} > 0i);`);
      return mulU(`u32(clamp(${st} + i32(${c[a]}) * ${sp}, 0i, max(${dd} - 1i, 0i)))`, xs[a]!);
    });
    return k.load(x!, b.let('src', clampIndex(k, x!, terms.join(' + '))));
  },
};
