// Pooling over any number of spatial axes (3-D max/average pooling) and lp_pool of any rank, as
// a map kernel: each result element walks its window's taps (flat index decomposed per axis),
// skipping those outside the input. 1-D and 2-D max/average pooling keep window.ts's kernel.
// average_pool with count_include_pad divides by the taps inside the padded input; lp_pool is
// (sum |x|^p)^(1/p) over the taps inside the input (padding adds zeros).

import type { Op, Value } from '../../../../ir/ir.js';
import { coords, intAttr, intsAttr, type KernelCtx, type MapKernel, strides } from '../kernel-api.js';
import { f32Lit, u32 } from '../wgsl.js';
import { autoPads, loadClamped } from './common.js';
import { maxInit, maxStep, POOL_KERNEL, poolReg } from './window.js';

function poolNd(k: KernelCtx, op: Op, i: string): string {
  const x = op.operands[0]!, y = op.results[0]!;
  const xd = k.dims(x), yd = k.dims(y);
  const reg = poolReg(k, op);
  if (op.results.length > 1) k.fail(op, 'max_pool with an Indices output is not supported by the webgpu backend');
  const ks = intsAttr(op, 'kernel_shape');
  const r = xd.length - 2;
  if (!ks || ks.length !== r) k.fail(op, `${op.name} needs a kernel_shape for its ${r} spatial axes`);
  const st = intsAttr(op, 'strides') ?? ks!.map(() => 1), dil = intsAttr(op, 'dilations') ?? ks!.map(() => 1);
  const [pb, pe] = autoPads(k, op, xd.slice(2), ks!, st, dil);
  const K = ks!.reduce((a, b) => a * b, 1);
  const b = k.body;
  const c = coords(k, i, yd);
  const xstr = strides(k, xd);
  const kind = op.name === 'max_pool' ? 'max' : op.name === 'lp_pool' ? 'lp' : 'avg';
  const p = intAttr(op, 'p', 2);
  const acc = b.var('acc', reg, kind === 'max' ? maxInit(reg, i) : '0.0f');
  const cnt = b.var('cnt', 'f32', '0.0f'), cntPad = b.var('cntp', 'f32', '0.0f');
  b.block(`for (var kk = 0u; kk < ${u32(K)}; kk++)`, () => {
    const rem = b.var('rem', 'u32', 'kk');
    const inside = b.var('in', 'bool', 'true'), padded = b.var('inp', 'bool', 'true');
    const off = b.var('off', 'u32', `${c[0]} * ${xstr[0]} + ${c[1]} * ${xstr[1]}`);
    for (let a = r - 1; a >= 0; a--) {
      const t = b.let('t', `i32(${rem} % ${u32(ks![a]!)})`);
      b.line(`${rem} = ${rem} / ${u32(ks![a]!)};`);
      const D = b.let('dd', `i32(${k.dim(xd[a + 2]!)})`);
      const ia = b.let('ia', `i32(${c[a + 2]}) * ${st[a]}i - ${pb[a]}i + ${t} * ${dil[a]}i`);
      b.line(`${inside} = ${inside} && ${ia} >= 0i && ${ia} < ${D};`);
      b.line(`${padded} = ${padded} && ${ia} < ${D} + ${pe[a]}i;`);
      b.line(`${off} = ${off} + u32(clamp(${ia}, 0i, max(${D} - 1i, 0i))) * ${xstr[a + 2]};`);
    }
    b.line(`if (${padded}) { ${cntPad} = ${cntPad} + 1.0f; }`);
    b.block(`if (${inside})`, () => {
      const v = b.let('v', loadClamped(k, x, off));
      if (kind === 'max') b.line(`${acc} = ${maxStep(reg, acc, v)};`);
      else if (kind === 'avg') b.line(`${acc} = ${acc} + ${v};`);
      else b.line(`${acc} = ${acc} + ${p === 1 ? `abs(${v})` : p === 2 ? `${v} * ${v}` : `pow(abs(${v}), ${f32Lit(p)})`};`);
      b.line(`${cnt} = ${cnt} + 1.0f;`);
    });
  });
  if (kind === 'max') return acc;
  if (kind === 'lp') return b.let('v', p === 1 ? acc : p === 2 ? `sqrt(${acc})` : `pow(${acc}, ${f32Lit(1 / p)})`);
  const includePad = intAttr(op, 'count_include_pad', 0) === 1;
  return b.let('v', `${acc} / max(${includePad ? cntPad : cnt}, 1.0f)`);
}

export const POOL_ND_KERNEL: MapKernel = {
  kind: 'map', pointwise: () => [],
  value: (k, op, i) => (op.name !== 'lp_pool' && k.dims(op.operands[0]!).length <= 4 ? POOL_KERNEL.value(k, op, i) : poolNd(k, op, i)),
  flops: (op: Op, numel: (v: Value) => number) => numel(op.results[0]!) * (intsAttr(op, 'kernel_shape') ?? [1]).reduce((a, b) => a * b, 1),
};
