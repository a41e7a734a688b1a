// dft and the Hann/Hamming/Blackman windows (registered through seq.ts).
//
// Angles: WGSL's sin/cos are only accurate to 2^-11 absolute on [-π, π] (and not at all outside),
// too coarse for ONNX's atol 1e-7. Every angle here is 2π·p/n with integers p, n, so the emitted
// code reduces it exactly in integers to the nearest quarter turn and a rest in [-π/4, π/4], where
// short Taylor polynomials are good to about 1e-9 (sincosTurn).
//
// dft is a special kernel with two paths:
// - complex f32 full transforms of a constant length n ≤ 64 whose factors are 2, 3, 4, 5 (no 8):
//   one invocation per line runs the interpreter's float32 mixed-radix FFT (ir/ops/misc-fft.ts,
//   itself NumPy's pocketfft on complex64) unrolled, every f32 operation in the same order, so the
//   float32 rounding noise ONNX's expected outputs carry (~1e-7 where the exact value is 0) comes
//   out the same;
// - otherwise one invocation per output element sums its n terms directly (O(n²) per line, as the
//   reference does in f64), with the phase f·k mod n kept exactly as an integer.
// An axis or dft_length given as graph-input data (result dims over data symbols) is read in the
// shader (emitDirectRuntime): one invocation per output element, which for complex f32 full
// transforms runs the unrolled FFT of each static length the axis may pick and keeps its bin.

import type { Op } from '../../../../ir/ir.js';
import { fftFactors, TW3I, TW5_1I, TW5_1R, TW5_2I, TW5_2R } from '../../../../ir/ops/misc-fft.js';
import type { Dim } from '../../../../ir/types.js';
import { coords, intAttr, type KernelCtx, needFloat, type SpecialShader } from '../kernel-api.js';
import { MAP_WG, mapShader } from '../shader-text.js';
import { addU, type Body, f32Lit, mulU, REG, u32 } from '../wgsl.js';
import { invocationIndex, loadClamped } from './common.js';

const f = Math.fround;
const HALF_PI = f32Lit(Math.PI / 2);

/** [cos, sin] of 2π·p/n for u32 expressions 0 ≤ p ≤ n (n < 2^28). */
export function sincosTurn(b: Body, p0: string, n0: string): [string, string] {
  const p = b.let('p', p0), n = b.let('n', n0);
  // q: the nearest quarter turn, round(4p/n); r/n: the rest in quarter turns, in [-1/2, 1/2].
  const q = b.let('q', `(8u * ${p} + ${n}) / (2u * ${n})`);
  const x = b.let('x', `${HALF_PI} * (f32(i32(4u * ${p}) - i32(${q} * ${n})) / f32(${n}))`);
  const x2 = b.let('x2', `${x} * ${x}`);
  const s = b.let('ps', `${x} * (1.0f + ${x2} * (${f32Lit(-1 / 6)} + ${x2} * (${f32Lit(1 / 120)} + ${x2} * (${f32Lit(-1 / 5040)} + ${x2} * ${f32Lit(1 / 362880)}))))`);
  const c = b.let('pc', `1.0f + ${x2} * (-0.5f + ${x2} * (${f32Lit(1 / 24)} + ${x2} * (${f32Lit(-1 / 720)} + ${x2} * (${f32Lit(1 / 40320)} + ${x2} * ${f32Lit(-1 / 3628800)}))))`);
  const qm = b.let('qm', `${q} & 3u`);
  // Rotate by q quarter turns: (c, s), (-s, c), (-c, -s), (s, -c).
  const cos = b.let('cs', `select(select(select(${s}, -${c}, ${qm} == 2u), -${s}, ${qm} == 1u), ${c}, ${qm} == 0u)`);
  const sin = b.let('sn', `select(select(select(-${c}, -${s}, ${qm} == 2u), ${c}, ${qm} == 1u), ${s}, ${qm} == 0u)`);
  return [cos, sin];
}

// ---------------------------------------------------------------------------------------------
// dft


const FFT_MAX = 64;

/**
 * Emit the interpreter's fftF32 unrolled for a constant n: ar/ai hold the n inputs (f32
 * expressions); returns the n outputs, scaled by fct. One WGSL f32 operation per f() there.
 */
function fftUnrolled(b: Body, ar0: readonly string[], ai0: readonly string[], n: number, forward: boolean, fct: number): [string[], string[]] {
  const L = (e: string): string => b.let('t', e);
  const C = f32Lit;
  let ar = [...ar0], ai = [...ai0];
  const fact = n === 1 ? [] : fftFactors(n)!;
  const sgn = forward ? -1 : 1;
  let l1 = 1;
  for (const ip of fact) {
    const l2 = ip * l1, ido = n / l2;
    const br: string[] = new Array<string>(n), bi: string[] = new Array<string>(n);
    const CC = (a: number, x: number, y: number): number => a + ido * (x + ip * y);
    const CH = (a: number, x: number, y: number): number => a + ido * (x + l1 * y);
    const put = (at: number, r: string, im: string, twj: number, idx: number): void => {
      if (idx === 0 || twj === 0) { br[at] = r; bi[at] = im; return; }
      const m = twj * l1 * idx, wr = C(f(Math.cos((2 * Math.PI * m) / n))), wi = C(f(Math.sin((2 * Math.PI * m) / n)));
      if (forward) { br[at] = L(`(${r} * ${wr}) + (${im} * ${wi})`); bi[at] = L(`(${im} * ${wr}) - (${r} * ${wi})`); }
      else { br[at] = L(`(${r} * ${wr}) - (${im} * ${wi})`); bi[at] = L(`(${r} * ${wi}) + (${im} * ${wr})`); }
    };
    for (let k = 0; k < l1; k++) {
      for (let i = 0; i < ido; i++) {
        const xr = (j: number): string => ar[CC(i, j, k)]!, xi = (j: number): string => ai[CC(i, j, k)]!;
        if (ip === 2) {
          put(CH(i, k, 0), L(`${xr(0)} + ${xr(1)}`), L(`${xi(0)} + ${xi(1)}`), 0, i);
          put(CH(i, k, 1), L(`${xr(0)} - ${xr(1)}`), L(`${xi(0)} - ${xi(1)}`), 1, i);
        } else if (ip === 3) {
          const t0r = xr(0), t0i = xi(0);
          const t1r = L(`${xr(1)} + ${xr(2)}`), t1i = L(`${xi(1)} + ${xi(2)}`), t2r = L(`${xr(1)} - ${xr(2)}`), t2i = L(`${xi(1)} - ${xi(2)}`);
          put(CH(i, k, 0), L(`${t0r} + ${t1r}`), L(`${t0i} + ${t1i}`), 0, i);
          const car = L(`${t0r} + (-0.5f * ${t1r})`), cai = L(`${t0i} + (-0.5f * ${t1i})`);
          const tw1i = C(sgn * TW3I);
          const cbr = L(`-(${t2i} * ${tw1i})`), cbi = L(`${t2r} * ${tw1i}`);
          put(CH(i, k, 1), L(`${car} + ${cbr}`), L(`${cai} + ${cbi}`), 1, i);
          put(CH(i, k, 2), L(`${car} - ${cbr}`), L(`${cai} - ${cbi}`), 2, i);
        } else if (ip === 4) {
          const t2r = L(`${xr(0)} + ${xr(2)}`), t2i = L(`${xi(0)} + ${xi(2)}`), t1r = L(`${xr(0)} - ${xr(2)}`), t1i = L(`${xi(0)} - ${xi(2)}`);
          const t3r = L(`${xr(1)} + ${xr(3)}`), t3i = L(`${xi(1)} + ${xi(3)}`);
          const d4r = L(`${xr(1)} - ${xr(3)}`), d4i = L(`${xi(1)} - ${xi(3)}`);
          // Multiply by -i (forward) or +i (backward).
          const [t4r, t4i] = forward ? [d4i, `(-${d4r})`] : [`(-${d4i})`, d4r];
          put(CH(i, k, 0), L(`${t2r} + ${t3r}`), L(`${t2i} + ${t3i}`), 0, i);
          put(CH(i, k, 2), L(`${t2r} - ${t3r}`), L(`${t2i} - ${t3i}`), 2, i);
          put(CH(i, k, 1), L(`${t1r} + ${t4r}`), L(`${t1i} + ${t4i}`), 1, i);
          put(CH(i, k, 3), L(`${t1r} - ${t4r}`), L(`${t1i} - ${t4i}`), 3, i);
        } else {
          const t0r = xr(0), t0i = xi(0);
          const t1r = L(`${xr(1)} + ${xr(4)}`), t1i = L(`${xi(1)} + ${xi(4)}`), t4r = L(`${xr(1)} - ${xr(4)}`), t4i = L(`${xi(1)} - ${xi(4)}`);
          const t2r = L(`${xr(2)} + ${xr(3)}`), t2i = L(`${xi(2)} + ${xi(3)}`), t3r = L(`${xr(2)} - ${xr(3)}`), t3i = L(`${xi(2)} - ${xi(3)}`);
          put(CH(i, k, 0), L(`(${t0r} + ${t1r}) + ${t2r}`), L(`(${t0i} + ${t1i}) + ${t2i}`), 0, i);
          const step = (u1: number, u2: number, twar: number, twbr: number, twai: number, twbi: number): void => {
            const car = L(`(${t0r} + (${C(twar)} * ${t1r})) + (${C(twbr)} * ${t2r})`), cai = L(`(${t0i} + (${C(twar)} * ${t1i})) + (${C(twbr)} * ${t2i})`);
            const cbi = L(`(${C(twai)} * ${t4r}) + (${C(twbi)} * ${t3r})`), cbr = L(`-((${C(twai)} * ${t4i}) + (${C(twbi)} * ${t3i}))`);
            put(CH(i, k, u1), L(`${car} + ${cbr}`), L(`${cai} + ${cbi}`), u1, i);
            put(CH(i, k, u2), L(`${car} - ${cbr}`), L(`${cai} - ${cbi}`), u2, i);
          };
          const w1i = sgn * TW5_1I, w2i = sgn * TW5_2I;
          step(1, 4, TW5_1R, TW5_2R, w1i, w2i);
          step(2, 3, TW5_2R, TW5_1R, w2i, -w1i);
        }
      }
    }
    ar = br;
    ai = bi;
    l1 = l2;
  }
  if (fct === 1) return [ar, ai];
  return [ar.map((x) => L(`${x} * ${C(fct)}`)), ai.map((x) => L(`${x} * ${C(fct)}`))];
}

interface DftShape {
  readonly xd: readonly Dim[];
  readonly yd: readonly Dim[];
  readonly axis: number;
  /** Input length along the axis, transform length, output length along the axis. */
  readonly m: number;
  readonly n: number;
  readonly cin: number;
  readonly inverse: boolean;
  readonly onesided: boolean;
}

function dftShape(k: KernelCtx, op: Op): DftShape {
  const [x, lenV, axisV] = op.operands;
  const y = op.results[0]!;
  needFloat(k, op, [x, y]);
  const xd = k.dims(x!), yd = k.dims(y);
  const rank = xd.length;
  const lenT = lenV ? k.constant(lenV) : undefined, axisT = axisV ? k.constant(axisV) : undefined;
  if ((lenV && !lenT) || (axisV && !axisT)) k.fail(op, 'dft: dft_length and axis must be constants in the webgpu backend');
  const axis = ((axisT ? Number(axisT.data[0]) : -2) % rank + rank) % rank;
  const m = xd[axis], cin = xd[rank - 1];
  if (typeof m !== 'number' || typeof cin !== 'number' || axis === rank - 1) k.fail(op, 'dft: the transformed dim and the complex dim must be constants');
  const inverse = intAttr(op, 'inverse', 0) !== 0, onesided = intAttr(op, 'onesided', 0) !== 0;
  const n = lenT ? Number(lenT.data[0]) : inverse && onesided ? 2 * (m - 1) : m;
  if (!(n > 0) || n >= 1 << 26) k.fail(op, `dft: dft_length ${n} is out of range`);
  return { xd, yd, axis, m, n, cin, inverse, onesided };
}

/** The FFT path: one invocation per line. */
function emitFft(k: KernelCtx, op: Op, s: DftShape): SpecialShader {
  const { xd, axis, m, n, inverse } = s;
  const x = op.operands[0]!;
  const b = k.body;
  const rank = xd.length;
  const lineDims = [...xd.slice(0, axis), ...xd.slice(axis + 1, rank - 1)];
  const WG = 64;
  invocationIndex(b, 'g', WG, k.size(lineDims));
  const inner = k.size(xd.slice(axis + 1, rank - 1));
  const a = b.let('a', inner === '1u' ? 'g' : `g / ${inner}`), ii = inner === '1u' ? '0u' : b.let('ii', `g % ${inner}`);
  const at = (j: number, part: number): string => loadClamped(k, x, addU(mulU(addU(mulU(addU(mulU(a, u32(m)), u32(j)), inner), ii), '2u'), u32(part)));
  const re: string[] = [], im: string[] = [];
  for (let j = 0; j < n; j++) {
    re.push(j < m ? b.let('xr', at(j, 0)) : '0.0f');
    im.push(j < m ? b.let('xi', at(j, 1)) : '0.0f');
  }
  const [yr, yi] = fftUnrolled(b, re, im, n, !inverse, inverse ? f(1 / n) : 1);
  for (let j = 0; j < n; j++) {
    const oi = b.let('oi', mulU(addU(mulU(addU(mulU(a, u32(n)), u32(j)), inner), ii), '2u'));
    b.line(`epi(${oi}, ${yr[j]});`);
    b.line(`epi(${oi} + 1u, ${yi[j]});`);
  }
  return {
    decls: [], workgroupSize: [WG, 1, 1],
    dispatch: [{ dims: lineDims, div: WG }, { dims: [], div: 1 }, { dims: [], div: 1 }],
    fold: true, workgroupBytes: 0,
  };
}

/** The direct path: one invocation per output element. */
function emitDirect(k: KernelCtx, op: Op, s: DftShape): SpecialShader {
  const { xd, yd, axis, m, n, cin, inverse, onesided } = s;
  const x = op.operands[0]!;
  const rank = xd.length;
  const b = k.body;
  invocationIndex(b, 'i', MAP_WG, k.size(yd));
  const c = coords(k, 'i', yd);
  const inner = k.size(xd.slice(axis + 1, rank - 1));
  const outer = c.slice(0, axis).reduce<string>((acc, cc, j) => addU(mulU(acc, k.dim(xd[j]!)), cc), '0u');
  const innerIdx = c.slice(axis + 1, rank - 1).reduce<string>((acc, cc, j) => addU(mulU(acc, k.dim(xd[axis + 1 + j]!)), cc), '0u');
  const lineBase = b.let('lb', mulU(addU(mulU(mulU(outer, u32(m)), inner), innerIdx), u32(cin)));
  const stepK = mulU(inner, u32(cin));
  const fq = c[axis]!;
  const sr = b.var('sr', 'f32', '0.0f'), si = b.var('si', 'f32', '0.0f');
  const ph = b.var('ph', 'u32', '0u');
  b.block(`for (var kk = 0u; kk < ${u32(n)}; kk++)`, () => {
    let src: string, sgn: string, live: string;
    if (inverse && onesided) {
      // The full spectrum from its Hermitian half: bins from m on mirror, conjugated.
      src = b.let('src', `select(${u32(n)} - kk, kk, kk < ${u32(m)})`);
      sgn = b.let('sg', `select(-1.0f, 1.0f, kk < ${u32(m)})`);
      live = `${src} < ${u32(m)}`;
    } else {
      [src, sgn, live] = ['kk', '1.0f', `kk < ${u32(Math.min(m, n))}`];
    }
    b.block(`if (${live})`, () => {
      const at = b.let('at', addU(lineBase, mulU(src, stepK)));
      const re = b.let('re', loadClamped(k, x, at));
      const im = cin === 2 ? b.let('im', `${sgn} * ${loadClamped(k, x, `${at} + 1u`)}`) : '0.0f';
      const [cs, sn0] = sincosTurn(b, ph, u32(n));
      const sn = inverse ? sn0 : `(-${sn0})`;
      b.line(`${sr} += ${re} * ${cs} - ${im} * ${sn};`);
      b.line(`${si} += ${re} * ${sn} + ${im} * ${cs};`);
    });
    // Phase f·k mod n, advanced by f (< n) each step.
    b.line(`${ph} = ${ph} + ${fq};`);
    b.line(`if (${ph} >= ${u32(n)}) { ${ph} = ${ph} - ${u32(n)}; }`);
  });
  const part = yd[rank - 1] === 2 ? `select(${si}, ${sr}, ${c[rank - 1]} == 0u)` : sr;
  b.line(`epi(i, ${inverse ? `${part} / ${f32Lit(n)}` : part});`);
  return mapShader(yd);
}

/**
 * The direct path when the axis or dft_length is graph-input data: both are read in the shader
 * (the axis wrapped, then clamped into the signal axes as the wasm kernel does; a length below 1
 * taken as 1), and the transformed axis's extent, stride and coordinate are chosen among the
 * static axes by comparing with it. The result dims (derived from the same data) size the dispatch.
 */
function emitDirectRuntime(k: KernelCtx, op: Op): SpecialShader {
  const [x, lenV, axisV] = op.operands;
  const y = op.results[0]!;
  needFloat(k, op, [x, y]);
  const xd = k.dims(x!), yd = k.dims(y);
  const rank = xd.length, cin = xd[rank - 1], outLast = yd[rank - 1];
  if (typeof cin !== 'number' || typeof outLast !== 'number') k.fail(op, 'dft needs a static trailing complex dim');
  const inverse = intAttr(op, 'inverse', 0) !== 0, onesided = intAttr(op, 'onesided', 0) !== 0;
  const b = k.body;
  invocationIndex(b, 'i', MAP_WG, k.size(yd));
  const c = coords(k, 'i', yd);
  const scalar = (v: NonNullable<typeof x>): string => {
    const t = k.constant(v);
    return t ? `${Number(t.data[0])}i` : `i32(${k.load(v, '0u')})`;
  };
  const a0 = b.let('ax0', axisV ? scalar(axisV) : '-2i');
  const a1 = b.let('ax1', `select(${a0}, ${a0} + ${rank}i, ${a0} < 0i)`);
  const ax = b.let('ax', `u32(clamp(${a1}, 0i, ${rank - 2}i))`);
  const xs: string[] = [];
  // Strides in complex elements (the trailing dim is cin words of one element).
  for (let a = rank - 2, acc = '1u'; a >= 0; acc = mulU(acc, k.dim(xd[a]!)), a--) xs[a] = acc;
  const pick = (f: (a: number) => string): string => {
    let e = f(rank - 2);
    for (let a = rank - 3; a >= 0; a--) e = `select(${e}, ${f(a)}, ${ax} == ${u32(a)})`;
    return e;
  };
  const m = b.let('m', pick((a) => k.dim(xd[a]!)));
  const stepK = b.let('sk', pick((a) => xs[a]!));
  const fq0 = b.let('fq', pick((a) => c[a]!));
  const lineBase = b.let('lb', c.slice(0, rank - 1).map((cc, a) => `select(${mulU(cc, xs[a]!)}, 0u, ${ax} == ${u32(a)})`).join(' + ') || '0u');
  // n is kept below 2^26 (sincosTurn's integer phase math; the constant path refuses more).
  const n = b.let('n', lenV ? `u32(clamp(${scalar(lenV)}, 1i, ${(1 << 26) - 1}i))` : inverse && onesided ? `max(2u * max(${m}, 1u) - 2u, 1u)` : `clamp(${m}, 1u, ${u32((1 << 26) - 1)})`);
  // A result coordinate past n (a dim the data sized differently) keeps the phase in range.
  const fq = b.let('fq', `${fq0} % ${n}`);
  const sr = b.var('sr', 'f32', '0.0f'), si = b.var('si', 'f32', '0.0f');
  // Complex f32 full transforms take the float32 FFT (as the interpreter) for each static length
  // the axis may pick: the invocation transforms its whole line and keeps its own bin.
  const fftLens = x!.type.dtype === 'f32' && cin === 2 && !onesided && !lenV
    ? [...new Set(xd.slice(0, -1).filter((d): d is number => typeof d === 'number' && d <= FFT_MAX && (d === 1 || fftFactors(d) !== null)))].sort((p, q) => p - q) : [];
  const viaFft = fftLens.length ? b.var('viafft', 'bool', 'false') : undefined;
  for (const v of fftLens) {
    b.block(`if (${n} == ${u32(v)})`, () => {
      const at = (j: number, part: number): string => loadClamped(k, x!, `${mulU(addU(lineBase, mulU(u32(j), stepK)), u32(cin))}${part ? ' + 1u' : ''}`);
      const re = Array.from({ length: v }, (_, j) => b.let('xr', at(j, 0))), im = Array.from({ length: v }, (_, j) => b.let('xi', at(j, 1)));
      const [yr, yi] = fftUnrolled(b, re, im, v, !inverse, inverse ? f(1 / v) : 1);
      const pickBin = (ys: readonly string[]): string => ys.slice(0, -1).reduceRight((acc, y, j) => `select(${acc}, ${y}, ${fq} == ${u32(j)})`, ys[v - 1]!);
      b.line(`${sr} = ${pickBin(yr)};`);
      b.line(`${si} = ${pickBin(yi)};`);
      b.line(`${viaFft} = true;`);
    });
  }
  const ph = b.var('ph', 'u32', '0u');
  b.block(`for (var kk = 0u; ${viaFft ? `!${viaFft} && ` : ''}kk < ${n}; kk++)`, () => {
    let src: string, sgn: string, live: string;
    if (inverse && onesided) {
      src = b.let('src', `select(${n} - kk, kk, kk < ${m})`);
      sgn = b.let('sg', `select(-1.0f, 1.0f, kk < ${m})`);
      live = `${src} < ${m}`;
    } else {
      [src, sgn, live] = ['kk', '1.0f', `kk < min(${m}, ${n})`];
    }
    b.block(`if (${live})`, () => {
      const at = b.let('at', addU(lineBase, mulU(src, stepK)));
      const re = b.let('re', loadClamped(k, x!, mulU(at, u32(cin))));
      const im = cin === 2 ? b.let('im', `${sgn} * ${loadClamped(k, x!, `${mulU(at, u32(cin))} + 1u`)}`) : '0.0f';
      const [cs, sn0] = sincosTurn(b, ph, n);
      const sn = inverse ? sn0 : `(-${sn0})`;
      b.line(`${sr} += ${re} * ${cs} - ${im} * ${sn};`);
      b.line(`${si} += ${re} * ${sn} + ${im} * ${cs};`);
    });
    b.line(`${ph} = ${ph} + ${fq};`);
    b.line(`if (${ph} >= ${n}) { ${ph} = ${ph} - ${n}; }`);
  });
  const part = outLast === 2 ? `select(${si}, ${sr}, ${c[rank - 1]} == 0u)` : sr;
  const scaled = inverse ? `${part} / f32(${n})` : part;
  b.line(`epi(i, ${viaFft ? `select(${scaled}, ${part}, ${viaFft})` : scaled});`);
  return mapShader(yd);
}

/** Whether dft reads its axis or dft_length at run time (signal-extra.ts reads them then). */
export const dftRuntimeOperands = (op: Op): boolean => op.operands.slice(1).some((v) => v && v.def?.name !== 'const');

export function emitDft(k: KernelCtx, op: Op): SpecialShader {
  const [, lenV, axisV] = op.operands;
  if ((lenV && !k.constant(lenV)) || (axisV && !k.constant(axisV))) return emitDirectRuntime(k, op);
  const s = dftShape(k, op);
  const fft = op.operands[0]!.type.dtype === 'f32' && s.cin === 2 && !s.onesided && s.n <= FFT_MAX && (s.n === 1 || fftFactors(s.n) !== null);
  return fft ? emitFft(k, op, s) : emitDirect(k, op, s);
}

// ---------------------------------------------------------------------------------------------
// Windows

const WINDOW_TERMS: Readonly<Record<string, readonly number[]>> = {
  // Coefficients of cos(2π·j·n/N), j = 0, 1, 2.
  hann_window: [0.5, -0.5],
  hamming_window: [25 / 46, -21 / 46],
  blackman_window: [0.42, -0.5, 0.08],
};
export const WINDOW_OPS: readonly string[] = Object.keys(WINDOW_TERMS);

/** Element i of the window: the size is the result dim (a constant or a data symbol). */
export function windowValue(k: KernelCtx, op: Op, i: string): string {
  const y = op.results[0]!;
  const reg = REG[y.type.dtype];
  if (!reg || reg === 'bool') k.fail(op, `${op.name}: output_datatype ${y.type.dtype} is not supported by the webgpu backend`);
  const b = k.body;
  const size = k.dim(k.dims(y)[0]!);
  // Periodic windows are the first `size` points of a symmetric window of size + 1.
  const N = b.let('N', intAttr(op, 'periodic', 1) !== 0 ? size : `max(${size}, 1u) - 1u`);
  const terms = WINDOW_TERMS[op.name]!.map((a, j) => {
    if (j === 0) return f32Lit(a);
    // cos(2π·j·i/N): the phase j·i reduced mod N exactly (i ≤ N).
    const [cs] = sincosTurn(b, j === 1 ? i : `(${u32(j)} * ${i}) % max(${N}, 1u)`, `max(${N}, 1u)`);
    return `${f32Lit(a)} * ${cs}`;
  });
  const v = b.let('win', terms.join(' + '));
  return reg === 'f32' ? v : `${reg}(${v})`;
}
