// Signal ops, f32/f64 results computed in f64: dft (axis and dft_length constant, run-time or absent:
// forward/inverse, full or one-sided, real or complex input; a direct O(n^2) sum per line with
// the interpreter's angle 2 pi ((f k) mod n) / n), stft (window optional), the hann/hamming/blackman
// windows (size = the result's dim, so a symbol bound at run time works too) and
// mel_weight_matrix (all inputs constant: evaluated at compile time by the op's reference
// semantics and stored as a weight, since its filter edges are floors of transcendental values
// that an f64 polynomial could round differently; run-time inputs: computed in the kernel).

import type { Op, Value } from '../../../../ir/ir.js';
import { getOpDef } from '../../../../ir/op-def.js';
import { evalOp, type EvalHooks } from '../../../../ir/interp.js';
import { toNumbers, type Tensor } from '../../../../ir/tensor.js';
import { add, addr, constValue, get, i32, mul } from '../emitter.js';
import type { KernelCtx, KernelDef } from '../kernel-api.js';
import { fftFactors } from '../../../../ir/ops/misc-fft.js';
import { emitFft, fftSetup } from './misc-fft.js';
import { floatOf } from './misc-pool.js';
import { DTS } from './generic-elementwise.js';
import { expF64, logF64, sinF64 } from './misc-unary.js';

const c64 = (x: number): string => `(f64.const ${x})`;

/** Emit sr/si += (re + i im) * e^(sign 2 pi i ((f k) mod n) / n). */
function twiddleAcc(k: KernelCtx, f: string, kk: string, n: string, sign: number, re: string, im: string, sr: string, si: string, ang: string, cs: string, sn: string): void {
  const em = k.em;
  em.set(ang, `(f64.div (f64.mul ${c64(sign * 2 * Math.PI)} (f64.convert_i32_u (i32.rem_u (i32.mul ${f} ${kk}) ${n}))) (f64.convert_i32_u ${n}))`);
  em.set(cs, sinF64(k, get(ang), 1));
  em.set(sn, sinF64(k, get(ang), 0));
  em.set(sr, `(f64.add ${get(sr)} (f64.sub (f64.mul ${re} ${get(cs)}) (f64.mul ${im} ${get(sn)})))`);
  em.set(si, `(f64.add ${get(si)} (f64.add (f64.mul ${re} ${get(sn)}) (f64.mul ${im} ${get(cs)})))`);
}

const scalarConst = (k: KernelCtx, v: Value | null): number | undefined => {
  const t = k.constant(v);
  return t ? Number(toNumbers(t)[0]) : undefined;
};

function emitDft(k: KernelCtx, op: Op): void {
  const [x, lenV, axisV] = op.operands as [Value, Value | null, Value | null];
  const y = op.results[0]!;
  const fx = floatOf(k, op, x), fy = floatOf(k, op, y);
  const xd = k.dims(x), yd = k.dims(y);
  const rank = xd.length;
  const inverse = Number(op.attrs.get('inverse')?.value ?? 0) !== 0, onesided = Number(op.attrs.get('onesided')?.value ?? 0) !== 0;
  const cin = xd[rank - 1], outLast = yd[rank - 1];
  if (typeof cin !== 'number' || typeof outLast !== 'number') k.fail(op, 'dft needs a static trailing complex dim');
  const em = k.em;
  // The axis and dft_length may be run-time scalars: the blocks around the axis are then
  // products of the dims chosen by comparing each dim's position with the axis.
  const a0 = axisV ? scalarConst(k, axisV) : -2;
  let axisLabel: string, outerE: string, m: string, outN: string, inner: string;
  if (a0 !== undefined) {
    const axis = a0 < 0 ? a0 + rank : a0;
    if (axis < 0 || axis >= rank - 1) k.fail(op, `dft axis ${a0} is out of range`);
    axisLabel = String(axis);
    [outerE, m, outN, inner] = [k.size(xd.slice(0, axis)), k.dim(xd[axis]!), k.dim(yd[axis]!), k.size(xd.slice(axis + 1, rank - 1))];
  } else {
    axisLabel = 'run-time';
    const ax = em.local('axis', 'i32');
    em.set(ax, axisV!.type.dtype === 'i64' ? `(i32.wrap_i64 (i64.load ${k.ptr(axisV!)}))` : `(i32.load ${k.ptr(axisV!)})`);
    em.set(ax, `(select ${add(get(ax), i32(rank))} ${get(ax)} (i32.lt_s ${get(ax)} (i32.const 0)))`);
    // An axis outside [0, rank - 1) (the interpreter rejects it) is clamped into range.
    em.set(ax, `(select (i32.const 0) (select ${get(ax)} ${i32(rank - 2)} (i32.lt_s ${get(ax)} ${i32(rank - 1)})) (i32.lt_s ${get(ax)} (i32.const 0)))`);
    const [lo, mm, on, hi] = ['outer', 'm', 'outN', 'inner'].map((h) => em.local(h, 'i32')) as [string, string, string, string];
    [lo, mm, on, hi].forEach((l) => em.set(l, i32(1)));
    for (let a = 0; a < rank - 1; a++) {
      em.set(lo, `(select ${mul(get(lo), k.dim(xd[a]!))} ${get(lo)} (i32.lt_s ${i32(a)} ${get(ax)}))`);
      em.set(mm, `(select ${k.dim(xd[a]!)} ${get(mm)} (i32.eq ${i32(a)} ${get(ax)}))`);
      em.set(on, `(select ${k.dim(yd[a]!)} ${get(on)} (i32.eq ${i32(a)} ${get(ax)}))`);
      em.set(hi, `(select ${mul(get(hi), k.dim(xd[a]!))} ${get(hi)} (i32.gt_s ${i32(a)} ${get(ax)}))`);
    }
    [outerE, m, outN, inner] = [get(lo), get(mm), get(on), get(hi)];
  }
  const lenC = lenV ? scalarConst(k, lenV) : undefined;
  const n = lenC !== undefined ? i32(lenC)
    : lenV ? (lenV.type.dtype === 'i64' ? `(i32.wrap_i64 (i64.load ${k.ptr(lenV)}))` : `(i32.load ${k.ptr(lenV)})`)
      : inverse && onesided ? mul(i32(2), `(i32.sub ${m} (i32.const 1))`) : m;
  em.comment(`dft axis=${axisLabel}${inverse ? ' inverse' : ''}${onesided ? ' onesided' : ''}`);
  const sr = em.local('sr', 'f64'), si = em.local('si', 'f64'), re = em.local('re', 'f64'), im = em.local('im', 'f64');
  const ang = em.local('ang', 'f64'), cs = em.local('cs', 'f64'), sn = em.local('sn', 'f64'), src = em.local('src', 'i32'), nn = em.local('nn', 'i32');
  em.set(nn, n);
  // A non-positive length (the interpreter rejects it) is taken as 1: rem_u by 0 would trap.
  em.set(nn, `(select ${get(nn)} (i32.const 1) (i32.gt_s ${get(nn)} (i32.const 0)))`);
  const at = (a: string, kk: string, i: string): string => mul(add(mul(add(mul(a, m), kk), inner), i), i32(cin));
  // Complex f32 full transforms: the interpreter's float32 FFT, rounding for rounding (misc-fft.ts),
  // for a static length; with a run-time axis, one FFT per distinct static dim it may pick,
  // chosen at run time by the length (other lengths take the direct sum, as in the interpreter).
  const fftPath = (nv: number): void => {
    const bufs = fftSetup(k, nv);
    em.loop('a', outerE, (a) => em.loop('i', inner, (i) => {
      em.loop('k', i32(nv), (kk) => {
        const inside = `(i32.lt_u ${kk} ${m})`;
        em.line(`(f32.store ${addr(bufs.a, kk, 4)} (select (f32.load ${addr(k.ptr(x), `(select ${at(a, kk, i)} (i32.const 0) ${inside})`, 4)}) (f32.const 0) ${inside}))`);
        em.line(`(f32.store ${addr(bufs.a, add(kk, i32(nv)), 4)} (select (f32.load ${addr(k.ptr(x), `(select ${add(at(a, kk, i), i32(1))} (i32.const 0) ${inside})`, 4)}) (f32.const 0) ${inside}))`);
      });
      const res = emitFft(k, nv, !inverse, bufs);
      em.loop('f', outN, (f) => {
        const oi = mul(add(mul(add(mul(a, outN), f), inner), i), i32(2));
        em.line(`(f32.store ${addr(k.ptr(y), oi, 4)} (f32.load ${addr(res, f, 4)}))`);
        em.line(`(f32.store ${addr(k.ptr(y), add(oi, i32(1)), 4)} (f32.load ${addr(res, add(f, i32(nv)), 4)}))`);
      });
    }));
  };
  const direct = (): void => {
    em.loop('a', outerE, (a) => em.loop('i', inner, (i) => em.loop('f', outN, (f) => {
      em.set(sr, c64(0));
      em.set(si, c64(0));
      em.loop('k', get(nn), (kk) => {
        em.set(re, c64(0));
        em.set(im, c64(0));
        if (inverse && onesided) {
          // Rebuild the full spectrum from its Hermitian half: bin k > m mirrors n - k, conjugated.
          em.set(src, `(select ${kk} (i32.sub ${get(nn)} ${kk}) (i32.lt_u ${kk} ${m}))`);
          em.when(`(i32.lt_u ${get(src)} ${m})`, () => {
            em.set(re, fx.load(addr(k.ptr(x), at(a, get(src), i), fx.size)));
            if (cin === 2) em.set(im, `(f64.mul (select ${c64(1)} ${c64(-1)} (i32.lt_u ${kk} ${m})) ${fx.load(addr(k.ptr(x), add(at(a, get(src), i), i32(1)), fx.size))})`);
          });
        } else {
          em.when(`(i32.lt_u ${kk} ${m})`, () => {
            em.set(re, fx.load(addr(k.ptr(x), at(a, kk, i), fx.size)));
            if (cin === 2) em.set(im, fx.load(addr(k.ptr(x), add(at(a, kk, i), i32(1)), fx.size)));
          });
        }
        twiddleAcc(k, f, kk, get(nn), inverse ? 1 : -1, get(re), get(im), sr, si, ang, cs, sn);
      });
      if (inverse) { em.set(sr, `(f64.div ${get(sr)} (f64.convert_i32_u ${get(nn)}))`); em.set(si, `(f64.div ${get(si)} (f64.convert_i32_u ${get(nn)}))`); }
      const oi = mul(add(mul(add(mul(a, outN), f), inner), i), i32(outLast));
      em.line(fy.store(addr(k.ptr(y), oi, fy.size), get(sr)));
      if (outLast === 2) em.line(fy.store(addr(k.ptr(y), add(oi, i32(1)), fy.size), get(si)));
    })));
  };
  const fftOk = (v: number): boolean => v > 0 && v <= 4096 && fftFactors(v) !== null;
  const nStatic = constValue(n);
  const complexF32 = fx.t === 'f32' && fy.t === 'f32' && !onesided && cin === 2;
  if (complexF32 && nStatic !== undefined) {
    if (fftOk(nStatic)) fftPath(nStatic);
    else direct();
    return;
  }
  // Run-time axis without dft_length: n is the chosen dim, one of the static ones (or a symbol).
  const candidates = complexF32 && a0 === undefined && !lenV
    ? [...new Set(xd.slice(0, -1).filter((d): d is number => typeof d === 'number' && fftOk(d)))].sort((p, q) => p - q) : [];
  for (const v of candidates) em.when(`(i32.eq ${get(nn)} ${i32(v)})`, () => fftPath(v));
  if (candidates.length === 0) direct();
  else em.when(candidates.map((v) => `(i32.ne ${get(nn)} ${i32(v)})`).reduce((p, q) => `(i32.and ${p} ${q})`), direct);
}

/** i32 expression: a scalar integer operand, constant or read from its buffer at run time. */
function scalarI32(k: KernelCtx, v: Value): string {
  const c = scalarConst(k, v);
  if (c !== undefined) return i32(c);
  return v.type.dtype === 'i64' ? `(i32.wrap_i64 (i64.load ${k.ptr(v)}))` : `(i32.load ${k.ptr(v)})`;
}

function emitStft(k: KernelCtx, op: Op): void {
  const [x, stepV, winV, lenV] = op.operands as [Value, Value, Value | null, Value | null];
  const y = op.results[0]!;
  const fx = floatOf(k, op, x), fy = floatOf(k, op, y);
  const xd = k.dims(x), yd = k.dims(y);
  const cin = xd[2];
  if (typeof cin !== 'number') k.fail(op, 'stft needs a static trailing dim');
  const L = k.dim(xd[1]!), frames = k.dim(yd[1]!), bins = k.dim(yd[2]!);
  const fw = winV ? floatOf(k, op, winV) : undefined;
  const em = k.em;
  em.comment('stft');
  // frame_step and frame_length may be run-time scalars (the result's dims then carry them too).
  const step = em.local('step', 'i32'), flen = em.local('flen', 'i32');
  em.set(step, scalarI32(k, stepV));
  em.set(flen, lenV ? scalarI32(k, lenV) : winV ? k.dim(k.dims(winV)[0]!) : k.fail(op, 'stft needs frame_length or a window'));
  // A frame past the signal (the interpreter rejects frame_length > length) is cut at its end.
  em.set(flen, `(select ${get(flen)} ${L} (i32.le_s ${get(flen)} ${L}))`);
  if (winV) em.set(flen, `(select ${get(flen)} ${k.dim(k.dims(winV)[0]!)} (i32.le_s ${get(flen)} ${k.dim(k.dims(winV)[0]!)}))`);
  const sr = em.local('sr', 'f64'), si = em.local('si', 'f64'), w = em.local('w', 'f64'), ix = em.local('ix', 'i32');
  const ang = em.local('ang', 'f64'), cs = em.local('cs', 'f64'), sn = em.local('sn', 'f64');
  em.loop('b', k.dim(xd[0]!), (b) => em.loop('fr', frames, (fr) => em.loop('kb', bins, (kb) => {
    em.set(sr, c64(0));
    em.set(si, c64(0));
    em.loop('t', get(flen), (t) => {
      em.set(ix, add(mul(b, L), add(mul(fr, get(step)), t)));
      em.when(`(i32.lt_u ${get(ix)} ${mul(add(b, i32(1)), L)})`, () => {
        em.set(w, fw ? fw.load(addr(k.ptr(winV!), t, fw.size)) : c64(1));
        em.set(ix, mul(get(ix), i32(cin)));
        const re = `(f64.mul ${fx.load(addr(k.ptr(x), get(ix), fx.size))} ${get(w)})`;
        const im = cin === 2 ? `(f64.mul ${fx.load(addr(k.ptr(x), add(get(ix), i32(1)), fx.size))} ${get(w)})` : c64(0);
        twiddleAcc(k, kb, t, get(flen), -1, re, im, sr, si, ang, cs, sn);
      });
    });
    const oi = mul(add(mul(add(mul(b, frames), fr), bins), kb), i32(2));
    em.line(fy.store(addr(k.ptr(y), oi, fy.size), get(sr)));
    em.line(fy.store(addr(k.ptr(y), add(oi, i32(1)), fy.size), get(si)));
  })));
}

/** Window terms a0 - a1 cos(2 pi n / N) + a2 cos(4 pi n / N). */
const WINDOWS: Readonly<Record<string, readonly number[]>> = {
  hann_window: [0.5, 0.5, 0],
  hamming_window: [25 / 46, 21 / 46, 0],
  blackman_window: [0.42, 0.5, 0.08],
};

function emitWindow(k: KernelCtx, op: Op): void {
  const y = op.results[0]!;
  const fy = floatOf(k, op, y);
  const [a0, a1, a2] = WINDOWS[op.name]!;
  const size = k.dim(k.dims(y)[0]!);
  const periodic = Number(op.attrs.get('periodic')?.value ?? 1) !== 0;
  const em = k.em;
  em.comment(`${op.name}${periodic ? ' periodic' : ' symmetric'}`);
  // Periodic windows are the first `size` points of a window of size + 1 (N = size, else size - 1).
  const N = em.local('N', 'f64'), th = em.local('th', 'f64');
  em.set(N, `(f64.convert_i32_s ${periodic ? size : `(i32.sub ${size} (i32.const 1))`})`);
  em.loop('i', size, (i) => {
    em.set(th, `(f64.div (f64.mul ${c64(2 * Math.PI)} (f64.convert_i32_u ${i})) ${get(N)})`);
    let v = `(f64.sub ${c64(a0!)} (f64.mul ${c64(a1!)} ${sinF64(k, get(th), 1)}))`;
    if (a2) v = `(f64.add ${v} (f64.mul ${c64(a2)} ${sinF64(k, `(f64.mul ${c64(2)} ${get(th)})`, 1)}))`;
    em.line(fy.store(addr(k.ptr(y), i, fy.size), v));
  });
}

/** f64 expression: scalar operand `v` of any numeric dtype. */
function scalarF64(k: KernelCtx, op: Op, v: Value): string {
  const d = DTS[v.type.dtype];
  if (!d) return k.fail(op, `${op.name} operand of ${v.type.dtype}`);
  const x = `(${d.load} ${k.ptr(v)})`;
  if (d.t === 'f64') return x;
  return d.t === 'f32' ? `(f64.promote_f32 ${x})` : `(f64.convert_${d.t}_${d.signed ? 's' : 'u'} ${x})`;
}

/**
 * mel_weight_matrix with run-time inputs (the result's dims bound at run time): the interpreter's
 * filter edges floor(((dft_length + 1) hz_i) / rate), hz_i = 700 (10^((i step + lo_mel) / 2595) - 1),
 * then triangles. Writes outside the result (edges past the spectrum) are dropped, as the
 * interpreter's typed-array writes are.
 */
function emitMelRuntime(k: KernelCtx, op: Op): void {
  const y = op.results[0]!;
  const fy = floatOf(k, op, y);
  const [binsV, lenV, rateV, loV, hiV] = op.operands as [Value, Value, Value, Value, Value];
  const yd = k.dims(y);
  const nSpec = k.dim(yd[0]!), nb = k.dim(yd[1]!);
  const em = k.em;
  em.comment('mel_weight_matrix (run-time inputs)');
  const [bins, len, rate, loMel, step] = ['bins', 'len', 'rate', 'lomel', 'step'].map((h) => em.local(h, 'f64')) as [string, string, string, string, string];
  const toMel = (hz: string): string => `(f64.mul ${c64(2595 / Math.LN10)} ${logF64(k, `(f64.add ${c64(1)} (f64.div ${hz} ${c64(700)}))`)})`;
  em.set(bins, scalarF64(k, op, binsV));
  em.set(len, scalarF64(k, op, lenV));
  em.set(rate, scalarF64(k, op, rateV));
  em.set(loMel, toMel(scalarF64(k, op, loV)));
  em.set(step, `(f64.div (f64.sub ${toMel(scalarF64(k, op, hiV))} ${get(loMel)}) (f64.add ${get(bins)} ${c64(2)}))`);
  const edge = (i: string): string => {
    const hz = `(f64.mul ${c64(700)} (f64.sub ${expF64(k, `(f64.mul (f64.div (f64.add (f64.mul (f64.convert_i32_s ${i}) ${get(step)}) ${get(loMel)}) ${c64(2595)}) ${c64(Math.LN10)})`)} ${c64(1)}))`;
    return `(i32.trunc_sat_f64_s (f64.floor (f64.div (f64.mul (f64.add ${get(len)} ${c64(1)}) ${hz}) ${get(rate)})))`;
  };
  const [l, c, r] = ['l', 'c', 'r'].map((h) => em.local(h, 'i32')) as [string, string, string];
  em.line(`(memory.fill ${k.ptr(y)} (i32.const 0) ${mul(mul(nSpec, nb), i32(fy.size))})`);
  em.loop('i', nb, (i) => {
    em.set(l, edge(i));
    em.set(c, edge(add(i, i32(1))));
    em.set(r, edge(add(i, i32(2))));
    const store = (j: string, v: string): void => em.when(`(i32.lt_u ${j} ${nSpec})`, () => em.line(fy.store(addr(k.ptr(y), add(mul(j, nb), i), fy.size), v)));
    em.when(`(i32.eq ${get(c)} ${get(l)})`, () => store(get(c), c64(1)));
    em.when(`(i32.ne ${get(c)} ${get(l)})`, () => {
      const j = em.local('j', 'i32');
      em.forRange(j, get(l), add(get(c), i32(1)), 1, () => store(get(j), `(f64.div (f64.convert_i32_s (i32.sub ${get(j)} ${get(l)})) (f64.convert_i32_s (i32.sub ${get(c)} ${get(l)})))`));
    });
    em.when(`(i32.gt_s ${get(r)} ${get(c)})`, () => {
      const j = em.local('j', 'i32');
      em.forRange(j, get(c), get(r), 1, () => store(get(j), `(f64.div (f64.convert_i32_s (i32.sub ${get(r)} ${get(j)})) (f64.convert_i32_s (i32.sub ${get(r)} ${get(c)})))`));
    });
  });
}

function emitMel(k: KernelCtx, op: Op): void {
  const y = op.results[0]!;
  const fy = floatOf(k, op, y);
  const ins = op.operands.map((v) => k.constant(v));
  if (ins.some((t) => !t)) { emitMelRuntime(k, op); return; }
  const hooks: EvalHooks = {
    runRegion: () => k.fail(op, 'mel_weight_matrix has no regions'),
    weight: () => k.fail(op, 'mel_weight_matrix reads no weights'),
  };
  const vals = Float64Array.from(toNumbers(evalOp(op, getOpDef(op.name)!, ins as Tensor[], hooks)[0]!));
  // packed() stores f32 words: an f64 matrix travels as pairs of words holding its bytes. It is
  // keyed by a float operand (lower_edge_hertz), whose tensor packed() can read as f32.
  const words = fy.t === 'f32' ? Float32Array.from(vals) : new Float32Array(vals.buffer);
  const ptr = k.packed(op.operands[3]!, `mel:${op.results[0]!.name}`, () => words);
  k.em.comment('mel_weight_matrix (constant)');
  k.em.line(`(memory.copy ${k.ptr(y)} ${ptr} ${i32(words.length * 4)})`);
}

export const DFT_KERNEL: KernelDef = { emit: emitDft };
export const STFT_KERNEL: KernelDef = { emit: emitStft };
export const WINDOW_KERNEL: KernelDef = { emit: emitWindow };
export const WINDOW_OPS: readonly string[] = Object.keys(WINDOWS);
export const MEL_KERNEL: KernelDef = { emit: emitMel };
