// conv_transpose (any number of spatial axes, groups, strides, dilations, pads / auto_pad /
// output_shape / output_padding, optional bias) as a map kernel: each result element gathers
// what scatters onto it, sum over the group's input channels and the kernel positions k with
// o = i * stride - pad + k * dilation for an input position i in range. Static spatial and
// channel dims; the begin pads come from ir/ops/nn-conv.ts transposeGeometry (../../conv-transpose-pads.ts),
// computed from the run-time sizes under output_shape with symbolic spatial dims.

import type { Op } from '../../../../ir/ir.js';
import { symbolicPadExpr, transposePadsBeginSym } from '../../conv-transpose-pads.js';
import { coords, type KernelCtx, type MapKernel, needFloat, strides } from '../kernel-api.js';
import { mulU, u32 } from '../wgsl.js';
import { loadClamped } from './common.js';

const ints = (op: Op, name: string): number[] | undefined => op.attrs.get(name)?.value as number[] | undefined;

export const CONV_TRANSPOSE_KERNEL: MapKernel = {
  kind: 'map',
  pointwise: () => [],
  value: (k, op, i) => {
    const [x, w, bias] = op.operands;
    const y = op.results[0]!;
    // Any float dtype: loads widen to f32 registers, the store rounds.
    needFloat(k, op, [x, w, bias, y]);
    const xd = k.dims(x!), wd = k.dims(w!), yd = k.dims(y);
    const r = xd.length - 2;
    // Spatial dims may be symbols: the bounds then come from the uniform, and begin pads that
    // depend on them (output_shape) are computed from it too.
    if (![xd[1], ...wd, yd[1]].every((d) => typeof d === 'number') || r < 1) k.fail(op, 'conv_transpose needs static channel dims in the webgpu backend');
    const inSp = xd.slice(2), ks = wd.slice(2) as number[];
    const group = Number(op.attrs.get('group')?.value ?? 1);
    const C = xd[1] as number, Mg = wd[1] as number, Cg = C / group;
    const st = ints(op, 'strides') ?? inSp.map(() => 1), dil = ints(op, 'dilations') ?? inSp.map(() => 1);
    const pb = transposePadsBeginSym(op, inSp, ks, (m) => k.fail(op, m))
      .map((p) => (typeof p === 'number' ? `${p}i` : symbolicPadExpr(p, 'wgsl', (d) => `i32(${k.dim(d)})`)));
    const K = ks.reduce((a, b) => a * b, 1);
    const b = k.body;
    const c = coords(k, i, yd);
    const xs = strides(k, xd);
    const m = c[1]!;
    const g = b.let('g', `${m} / ${u32(Mg)}`);
    const mm = b.let('mm', `${m} % ${u32(Mg)}`);
    const acc = b.var('acc', 'f32', bias ? k.load(bias, m) : '0.0f');
    b.block(`for (var ci = 0u; ci < ${u32(Cg)}; ci++)`, () => {
      const cg = b.let('cg', `${g} * ${u32(Cg)} + ci`);
      b.block(`for (var kk = 0u; kk < ${u32(K)}; kk++)`, () => {
        const rem = b.var('rem', 'u32', 'kk');
        const ok = b.var('ok', 'bool', 'true');
        const off = b.var('off', 'u32', addTerms([mulU(c[0]!, xs[0]!), mulU(cg, xs[1]!)]));
        for (let a = r - 1; a >= 0; a--) {
          const ka = b.let('ka', `${rem} % ${u32(ks[a]!)}`);
          b.line(`${rem} = ${rem} / ${u32(ks[a]!)};`);
          const t = b.let('t', `i32(${c[a + 2]}) + ${pb[a]} - i32(${ka}) * ${dil[a]}i`);
          const ia = b.let('ia', `${t} / ${st[a]}i`);
          const da = inSp[a]!;
          const n = typeof da === 'number' ? `${da}i` : `i32(${k.dim(da)})`;
          b.line(`${ok} = ${ok} && ${t} >= 0i && ${t} % ${st[a]}i == 0i && ${ia} < ${n};`);
          b.line(`${off} = ${off} + u32(clamp(${ia}, 0i, ${typeof da === 'number' ? `${da - 1}i` : `${n} - 1i`})) * ${xs[a + 2]};`);
        }
        const wi = b.let('wi', `(${cg} * ${u32(Mg)} + ${mm}) * ${u32(K)} + kk`);
        b.block(`if (${ok})`, () => {
          b.line(`${acc} = ${acc} + ${loadClamped(k, x!, off)} * ${loadClamped(k, w!, wi)};`);
        });
      });
    });
    return acc;
  },
  flops: (op, numel) => 2 * numel(op.results[0]!) * Number(op.operands[1]!.type.shape!.slice(2).reduce<number>((a, d) => a * Number(d), 1)) * Number(op.operands[0]!.type.shape![1]) / Number(op.attrs.get('group')?.value ?? 1),
};

function addTerms(ts: readonly string[]): string {
  const nz = ts.filter((t) => t !== '0u');
  return nz.length === 0 ? '0u' : nz.join(' + ');
}
