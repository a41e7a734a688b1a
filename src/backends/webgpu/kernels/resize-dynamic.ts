// resize with scales, sizes or roi read at run time (graph inputs; the result dims are then
// run-time dims, see dynamic-dims.ts): each element computes, per resized axis, the source
// coordinate in f32 (every coordinate transformation of ONNX Resize) and its 1 (nearest), 2
// (linear) or 4 (cubic) taps, then sums the weight products over all tap combinations.
// Antialias (a tap count that depends on the scale) is refused. Indices are clamped into the input.

import type { Op } from '../../../../ir/ir.js';
import { coords, type KernelCtx } from '../kernel-api.js';
import { strides } from '../kernel-api.js';
import { f32Lit, u32 } from '../wgsl.js';

interface Tap { i: string; w: string }

/** The WGSL value of element `i` of the resize result, all parameters read at run time. */
export function resizeDynamic(k: KernelCtx, op: Op, i: string): string {
  const x = op.operands[0]!, y = op.results[0]!;
  const [, roiV, scV, szV] = op.operands;
  const s = (n: string, d: string): string => String(op.attrs.get(n)?.value ?? d);
  const num = (n: string, d: number): number => Number(op.attrs.get(n)?.value ?? d);
  const mode = s('mode', 'nearest'), ctm = s('coordinate_transformation_mode', 'half_pixel'), nearest = s('nearest_mode', 'round_prefer_floor');
  const A = num('cubic_coeff_a', -0.75), exclude = num('exclude_outside', 0) !== 0, extrap = num('extrapolation_value', 0);
  if (num('antialias', 0) !== 0) k.fail(op, 'resize with antialias and run-time scales is not supported by the webgpu backend');
  if (s('keep_aspect_ratio_policy', 'stretch') !== 'stretch') k.fail(op, 'resize keep_aspect_ratio_policy with run-time sizes is not supported by the webgpu backend');
  if (!['nearest', 'linear', 'cubic'].includes(mode)) k.fail(op, `resize mode '${mode}' is not supported by the webgpu backend`);
  const xd = k.dims(x), yd = k.dims(y), rank = xd.length;
  const axesAttr = op.attrs.get('axes')?.value as number[] | undefined;
  const axes = (axesAttr ?? Array.from({ length: rank }, (_v, a) => a)).map((a) => (a < 0 ? a + rank : a));
  const hasScales = !!scV && k.dims(scV).length === 1 && k.dims(scV)[0] !== 0;
  const hasRoi = !!roiV && k.dims(roiV).length === 1 && k.dims(roiV)[0] !== 0;
  if (!hasScales && !(szV && k.dims(szV)[0] !== 0)) k.fail(op, 'resize needs scales or sizes');
  const b = k.body;
  const c = coords(k, i, yd);
  const xs = strides(k, xd);
  const outside: string[] = [];
  const scalar = (v: NonNullable<typeof scV>, j: number): string => {
    const t = k.constant(v);
    return t ? f32Lit(Number(t.data[j])) : b.let('p', k.load(v, u32(j)));
  };
  const perAxis: (Tap[] | null)[] = xd.map((d, a) => {
    const j = axes.indexOf(a);
    // An axis of length 1 in and out reads its one element whatever the taps.
    if (j < 0 || (d === 1 && yd[a] === 1)) return null;
    const inN = b.let('inl', `f32(${k.dim(d)})`), outN = b.let('outl', `f32(${k.dim(yd[a]!)})`);
    const scale = hasScales ? scalar(scV!, j) : b.let('sc', `${outN} / ${inN}`);
    const outW = hasScales ? b.let('ow', `${inN} * ${scale}`) : outN;
    const o = b.let('o', `f32(${c[a]})`);
    let v: string;
    switch (ctm) {
      case 'half_pixel': v = `(${o} + 0.5f) / ${scale} - 0.5f`; break;
      case 'half_pixel_symmetric': v = `(${inN} / 2.0f) * (1.0f - ${outN} / (${scale} * ${inN})) + (${o} + 0.5f) / ${scale} - 0.5f`; break;
      case 'pytorch_half_pixel': v = `select((${o} + 0.5f) / ${scale} - 0.5f, -0.5f, ${outW} == 1.0f)`; break;
      case 'align_corners': v = `select(${o} * (${inN} - 1.0f) / (${outW} - 1.0f), 0.0f, ${outW} == 1.0f)`; break;
      case 'asymmetric': v = `${o} / ${scale}`; break;
      case 'tf_half_pixel_for_nn': v = `(${o} + 0.5f) / ${scale}`; break;
      case 'tf_crop_and_resize': {
        const r0 = hasRoi ? scalar(roiV!, j) : '0.0f', r1 = hasRoi ? scalar(roiV!, j + axes.length) : '1.0f';
        v = `select(${r0} * (${inN} - 1.0f) + ${o} * (${r1} - ${r0}) * (${inN} - 1.0f) / (${outW} - 1.0f), 0.5f * (${r0} + ${r1}) * (${inN} - 1.0f), ${outW} == 1.0f)`;
        break;
      }
      default: return k.fail(op, `resize coordinate_transformation_mode '${ctm}' is not supported by the webgpu backend`);
    }
    const xv = b.let('xv', v);
    if (ctm === 'tf_crop_and_resize') outside.push(`(${xv} < 0.0f || ${xv} > ${inN} - 1.0f)`);
    const last = `i32(${k.dim(d)}) - 1i`;
    const clampI = (e: string): string => `u32(clamp(${e}, 0i, ${last}))`;
    if (mode === 'nearest') {
      const f = b.let('fl', `floor(${xv})`);
      const n = nearest === 'floor' ? f : nearest === 'ceil' ? `ceil(${xv})`
        : nearest === 'round_prefer_ceil' ? `floor(${xv} + 0.5f)`
        : nearest === 'round_prefer_floor' ? `select(floor(${xv} + 0.5f), ${f}, ${xv} - ${f} == 0.5f)` : k.fail(op, `resize nearest_mode '${nearest}' is not supported by the webgpu backend`);
      return [{ i: b.let('ni', clampI(`i32(${n})`)), w: '' }];
    }
    const f = b.let('fl', `floor(${xv})`);
    const zero = b.let('z', `${xv} - ${f} == 0.0f`);
    // The reference's neighbour choice at an integral coordinate: ratio 1 from the one below.
    const ratio = b.let('ra', `select(${xv} - ${f}, 1.0f, ${zero})`);
    const i0 = b.let('i0', `i32(${f}) - select(0i, 1i, ${zero})`);
    const ks = mode === 'cubic' ? [-1, 0, 1, 2] : [0, 1];
    const taps = ks.map((kk) => {
      const dd = b.let('dd', `abs(${f32Lit(kk)} - ${ratio})`);
      const w = mode === 'cubic'
        ? `select(select(0.0f, ((${f32Lit(A)} * ${dd} - ${f32Lit(5 * A)}) * ${dd} + ${f32Lit(8 * A)}) * ${dd} - ${f32Lit(4 * A)}, ${dd} < 2.0f), (${f32Lit(A + 2)} * ${dd} - ${f32Lit(A + 3)}) * ${dd} * ${dd} + 1.0f, ${dd} <= 1.0f)`
        : `max(0.0f, 1.0f - ${dd})`;
      const ii = b.let('ii', `${i0} + ${kk}i`);
      const wv = b.var('w', 'f32', w);
      if (exclude) b.line(`if (${ii} < 0i || ${ii} > ${last}) { ${wv} = 0.0f; }`);
      return { i: b.let('ti', clampI(ii)), w: wv };
    });
    if (exclude) {
      const sum = b.let('ws', taps.map((t) => t.w).join(' + '));
      b.line(`if (${sum} != 0.0f) { ${taps.map((t) => `${t.w} = ${t.w} / ${sum};`).join(' ')} }`);
    }
    return taps;
  });
  // Every combination of one tap per resized axis, as a loop (4 cubic axes are 256 terms).
  const rows = perAxis.map((t) => {
    if (!t || t.length === 1) return t;
    const ti = b.var('tis', `array<u32, ${t.length}>`, `array<u32, ${t.length}>(${t.map((x) => x.i).join(', ')})`);
    const tw = b.var('tws', `array<f32, ${t.length}>`, `array<f32, ${t.length}>(${t.map((x) => x.w).join(', ')})`);
    return { T: t.length, ti, tw };
  });
  const total = rows.reduce((p, r) => p * (r && !Array.isArray(r) ? r.T : 1), 1);
  const acc = b.var('acc', 'f32', '0.0f');
  b.block(`for (var j = 0u; j < ${u32(total)}; j++)`, () => {
    const rem = b.var('rem', 'u32', 'j');
    const wt = b.var('wt', 'f32', '1.0f');
    const idx = b.var('at', 'u32', '0u');
    rows.forEach((r, a) => {
      if (r === null) { b.line(`${idx} = ${idx} + ${c[a]} * ${xs[a]};`); return; }
      if (Array.isArray(r)) {
        b.line(`${idx} = ${idx} + ${r[0]!.i} * ${xs[a]};`);
        if (r[0]!.w !== '') b.line(`${wt} = ${wt} * ${r[0]!.w};`);
        return;
      }
      const t = b.let('t', `${rem} % ${u32(r.T)}`);
      b.line(`${rem} = ${rem} / ${u32(r.T)};`);
      b.line(`${idx} = ${idx} + ${r.ti}[${t}] * ${xs[a]};`);
      b.line(`${wt} = ${wt} * ${r.tw}[${t}];`);
    });
    b.line(`${acc} = ${acc} + ${wt} * ${k.load(x, `min(${idx}, ${k.size(xd)} - 1u)`)};`);
  });
  return b.let('v', outside.length ? `select(${acc}, ${f32Lit(extrap)}, ${outside.join(' || ')})` : acc);
}
