// Kernels for quantisation, bit and integer ops over every storage dtype (storage.ts: registers are
// f32/i32/u32, values narrowed to their dtype after each op). Registered in index.ts (later entries
// override earlier ones).
// - bitwise and/or/xor/not, bit_shift (counts past 31 give 0), bit_cast (same-width
//   reinterpretation where the register holds all the bits: 32-bit types, 8/16-bit integers, bool;
//   never between 64-bit types, whose upper words the backend does not keep);
// - quantize_linear / dequantize_linear with per-tensor, per-axis and blocked scales;
// - dynamic_quantize_linear: each workgroup reduces the whole input's range itself (one dispatch);
// - matmul_integer, qlinear_matmul, conv_integer, qlinear_conv: one thread per result element, an
//   exact i32 accumulation (these ops are small in the models that use them);
// Quotients that quantisation rounds (x / scale) divide correctly rounded (div_rn_f32), as the
// reference does, so ties land where they do there.

import { intConvFlops, intMatmulFlops } from '../../int-flops.js';
import { DTYPE_INFO, intRange, isDType, isInteger } from '../../../../ir/dtype.js';
import type { Op } from '../../../../ir/ir.js';
import { widerFloat } from '../../../../ir/ops/quant.js';
import type { Dim } from '../../../../ir/types.js';
import { coords, intAttr, intsAttr, type KernelCtx, type KernelDef, type MapKernel, needFloat, type SpecialKernel, strides } from '../kernel-api.js';
import { castExpr, narrow } from '../storage.js';
import { addU, literal, mulU, REG, u32 } from '../wgsl.js';
import { isNanF32 } from './elementwise.js';
import { autoPads, axisOf, groupedSumU, sumU, treeReduce } from './common.js';

/** Register value of operand j at flat index idx: scalar constants as literals. */
function param(k: KernelCtx, op: Op, j: number, idx: string): string {
  const v = op.operands[j]!;
  const t = k.constant(v);
  if (t && t.data.length === 1) return literal(Number(t.data[0]), REG[v.type.dtype]!);
  return k.load(v, idx);
}

const BITWISE: Readonly<Record<string, (a: string, b: string) => string>> = {
  bitwise_and: (a, b) => `(${a} & ${b})`,
  bitwise_or: (a, b) => `(${a} | ${b})`,
  bitwise_xor: (a, b) => `(${a} ^ ${b})`,
};

const BIT_KERNEL: MapKernel = {
  kind: 'map',
  pointwise: (op) => op.operands.map((_v, j) => j),
  value: (k, op, i) => {
    const reg = REG[op.results[0]!.type.dtype];
    if (reg !== 'i32' && reg !== 'u32') k.fail(op, `${op.name} on ${op.results[0]!.type.dtype} is not supported by the webgpu backend`);
    const a = k.operand(op, 0, i);
    if (op.name === 'bitwise_not') return k.body.let('v', `(~${a})`);
    const b = k.operand(op, 1, i);
    if (op.name !== 'bit_shift') return k.body.let('v', BITWISE[op.name]!(a, b));
    // WGSL takes the count modulo 32; ONNX shifts everything out.
    const dir = String(op.attrs.get('direction')?.value ?? 'LEFT') === 'LEFT' ? '<<' : '>>';
    return k.body.let('v', `select(0u, ${a} ${dir} (${b} & 31u), ${b} < 32u)`);
  },
};

/** Same-width reinterpretation: bitcast between 32-bit registers, a wrapping cast between 8/16-bit integers. */
const BIT_CAST_KERNEL: MapKernel = {
  kind: 'map',
  pointwise: () => [0],
  value: (k, op, i) => {
    const from = op.operands[0]!.type.dtype, to = op.results[0]!.type.dtype;
    const fr = REG[from], tr = REG[to];
    const word = new Set(['f32', 'i32', 'u32']);
    const small = (d: string): boolean => ['i8', 'u8', 'i16', 'u16', 'bool'].includes(d);
    const x = k.operand(op, 0, i);
    if (word.has(from) && word.has(to)) return k.body.let('v', from === to ? x : `bitcast<${tr}>(${x})`);
    if (small(from) && small(to) && to !== 'bool') return k.body.let('v', castExpr(x, from, to, true)!);
    // The 64-bit pattern is not there to reinterpret: an f64 arrives rounded to f32 and is stored so,
    // a 64-bit integer register holds the low 32 bits and stores their sign or zero extension.
    // Reassembling the words would give the right bits only for f32-exact values below 2^31: refused.
    const wide = ['f64', 'i64', 'u64'];
    if (wide.includes(from) || wide.includes(to)) {
      return k.fail(op, `bit_cast from ${from} to ${to} needs all 64 bits of each element, which the webgpu backend does not keep (f64 is computed and stored as f32, 64-bit integers in 32 bits)`);
    }
    return k.fail(op, `bit_cast from ${from} to ${to} is not supported by the webgpu backend (the register holds ${fr ?? 'no'} value of ${from})`);
  },
};

/**
 * Flat index of the scale (and zero point) of x's element i: 0 per tensor, the axis coordinate
 * per axis, the block's index when blocked (ir/ops/quant.ts scaleIndexMap).
 */
function scaleIndex(k: KernelCtx, op: Op, i: string): string {
  const xd = k.dims(op.operands[0]!), sd = k.dims(op.operands[1]!);
  const bs = intAttr(op, 'block_size', 0);
  const count = sd.reduce<number>((a, d) => a * (typeof d === 'number' ? d : 2), 1);
  if (count === 1 && (bs === 0 || sd.length <= 1)) return '0u';
  const axis = axisOf(op, xd.length, 1);
  if (bs === 0) {
    const inner = xd.slice(axis + 1).reduce<string>((a, d) => mulU(a, k.dim(d)), '1u');
    return k.body.let('si', `(${inner === '1u' ? i : `${i} / ${inner}`}) % ${k.dim(xd[axis]!)}`);
  }
  const c = coords(k, i, xd, 'qc');
  const ss = strides(k, sd);
  return k.body.let('si', sumU(c.map((cc, a) => mulU(a === axis ? `(${cc} / ${u32(bs)})` : cc, ss[a]!))));
}

/** The range of the narrow integer dtypes (at most 16 bits) that quantization targets here; undefined for others. */
const narrowRange = (dt: string): [number, number] | undefined =>
  (isDType(dt) && isInteger(dt) && DTYPE_INFO[dt].bits <= 16 ? intRange(dt) : undefined);
const fl = (n: number): string => `${n}.0f`;

/** Round half to even, add the zero point and saturate to an integer dtype (NaN gives 0), as a register of it. */
function toInt(q: string, z: string, dt: string): string {
  const [lo, hi] = narrowRange(dt)!;
  const v = `clamp(round_even_f32(${q}) + ${z}, ${fl(lo)}, ${fl(hi)})`;
  return `${REG[dt]}(select(${v}, 0.0f, ${isNanF32(q)}))`;
}


const QUANTIZE_KERNEL: MapKernel = {
  kind: 'map',
  pointwise: () => [0],
  value: (k, op, i) => {
    const dt = op.results[0]!.type.dtype;
    const [x, s, zp] = op.operands;
    needFloat(k, op, [x, s]);
    if (!REG[dt]) k.fail(op, `quantize_linear to ${dt} is not supported by the webgpu backend`);
    const si = scaleIndex(k, op, i);
    // The float dtype the quotient is rounded to: `precision`, else the wider of x and the scale
    // (f64 and f32 need no rounding: registers are f32).
    const p = op.attrs.get('precision')?.value;
    const prec = typeof p === 'string' ? p : widerFloat(x!.type.dtype, s!.type.dtype);
    const r = (e: string): string => (prec === 'f32' || prec === 'f64' ? e : narrow(e, prec, false));
    const q = k.body.let('q', r(`div_rn_f32(${r(k.operand(op, 0, i))}, ${r(param(k, op, 1, si))})`));
    const z = zp ? `f32(${param(k, op, 2, si)})` : '0.0f';
    if (narrowRange(dt)) return k.body.let('v', toInt(q, z, dt));
    // float8 / float4 targets: round with the saturate attribute (float4 always saturates; the
    // reference's encoder gives NaN float4's largest code, 6, where Cast gives 0).
    const y = k.body.let('qz', `${q} + ${z}`);
    const v = narrow(y, dt, intAttr(op, 'saturate', 1) !== 0);
    return k.body.let('v', dt === 'f4e2m1' ? `select(${v}, 6.0f, ${isNanF32(y)})` : v);
  },
};

const DEQUANTIZE_KERNEL: MapKernel = {
  kind: 'map',
  pointwise: () => [0],
  value: (k, op, i) => {
    const [x, s, zp] = op.operands;
    if (!REG[x!.type.dtype]) k.fail(op, `dequantize_linear from ${x!.type.dtype} is not supported by the webgpu backend`);
    needFloat(k, op, [s], 'dequantize_linear scale');
    const si = scaleIndex(k, op, i);
    const d = zp ? `(f32(${k.operand(op, 0, i)}) - f32(${param(k, op, 2, si)}))` : `f32(${k.operand(op, 0, i)})`;
    // Computed in f32; the lowering rounds the result to output_dtype.
    return k.body.let('v', `${d} * ${param(k, op, 1, si)}`);
  },
};

// The range over the whole input: each workgroup reduces it itself (tree in workgroup memory),
// so one dispatch computes y, and the first thread stores the scale and zero point.
const DQ_WG = 256;
const DYNAMIC_QUANTIZE_KERNEL: SpecialKernel = {
  kind: 'special', extraResults: true,
  emit: (k, op) => {
    const x = op.operands[0]!;
    const n = k.size(k.dims(x));
    const b = k.body;
    const lo = b.var('lo', 'f32', '0.0f'), hi = b.var('hi', 'f32', '0.0f');
    b.block(`for (var j = lid; j < ${n}; j += ${DQ_WG}u)`, () => {
      const v = b.let('xv', k.load(x, 'j'));
      b.line(`${lo} = min(${lo}, ${v});`);
      b.line(`${hi} = max(${hi}, ${v});`);
    });
    treeReduce(b, DQ_WG, [
      { arr: 'dq_lo', value: lo, combine: (p, q) => `min(${p}, ${q})` },
      { arr: 'dq_hi', value: hi, combine: (p, q) => `max(${p}, ${q})` },
    ]);
    const scale = b.let('scale', 'div_rn_f32(dq_hi[0] - dq_lo[0], 255.0f)');
    const zp = b.let('zp', `select(clamp(round_even_f32(0.0f - div_rn_f32(dq_lo[0], ${scale})), 0.0f, 255.0f), 0.0f, ${scale} == 0.0f)`);
    b.line(`let i = (wid.x + wid.y * nwg.x) * ${DQ_WG}u + lid;`);
    b.block('if (i == 0u)', () => {
      k.storeResult(op, 1, '0u', scale);
      k.storeResult(op, 2, '0u', `u32(${zp})`);
    });
    b.block(`if (i < ${n})`, () => {
      const q = b.let('q', `clamp(round_even_f32(div_rn_f32(${k.load(x, 'i')}, ${scale})) + ${zp}, 0.0f, 255.0f)`);
      b.line(`epi(i, u32(select(${q}, ${zp}, ${scale} == 0.0f)));`);
    });
    return {
      decls: [`var<workgroup> dq_lo: array<f32, ${DQ_WG}>;`, `var<workgroup> dq_hi: array<f32, ${DQ_WG}>;`],
      workgroupSize: [DQ_WG, 1, 1],
      dispatch: [{ dims: [...k.dims(x)], div: DQ_WG }, { dims: [], div: 1 }, { dims: [], div: 1 }],
      fold: true, workgroupBytes: 8 * DQ_WG,
    };
  },
};

/**
 * The i32 sum over K of (a - a_zp) * (b - b_zp) for result element i of a (batched, broadcast)
 * matmul, and the row and column of the element (for per-row / per-column parameters).
 */
function integerDot(k: KernelCtx, op: Op, i: string, ja: number, jb: number, jaz: number, jbz: number): { acc: string; m: string; n: string } {
  const a = op.operands[ja]!, bv = op.operands[jb]!;
  const ad = k.dims(a), bd = k.dims(bv);
  if (ad.length < 2 || bd.length < 2) k.fail(op, `${op.name} with 1-D operands is not supported by the webgpu backend`);
  const M = ad[ad.length - 2]!, K = ad[ad.length - 1]!, N = bd[bd.length - 1]!;
  const yd = k.dims(op.results[0]!);
  const b = k.body;
  const n = b.let('n', `${i} % ${k.dim(N)}`), m = b.let('m', `(${i} / ${k.dim(N)}) % ${k.dim(M)}`);
  // Batch coordinates of the result, broadcast into each operand's batch dims.
  const batch = yd.slice(0, -2);
  const c = coords(k, b.let('p', `${i} / ${mulU(k.dim(M), k.dim(N))}`), batch, 'bc');
  const base = (dims: readonly Dim[], rows: Dim, cols: Dim): string => {
    const bdims = dims.slice(0, -2), pad = batch.length - bdims.length;
    const st = strides(k, bdims);
    return mulU(groupedSumU(bdims.map((d, q) => (d === 1 ? '0u' : mulU(c[q + pad]!, st[q]!)))), mulU(k.dim(rows), k.dim(cols)));
  };
  const ab = b.let('ab', base(ad, M, K)), bb = b.let('bb', base(bd, K, N));
  const zero = (j: number, idx: string): string => (op.operands[j] ? `i32(${param(k, op, j, k.size(k.dims(op.operands[j]!)) === '1u' ? '0u' : idx)})` : '0i');
  const az = b.let('az', zero(jaz, m)), bz = b.let('bz', zero(jbz, n));
  const acc = b.var('acc', 'i32', '0i');
  b.block(`for (var kk = 0u; kk < ${k.dim(K)}; kk++)`, () => {
    const av = k.load(a, addU(ab, `${m} * ${k.dim(K)} + kk`)), bw = k.load(bv, addU(bb, `kk * ${k.dim(N)} + ${n}`));
    b.line(`${acc} += (i32(${av}) - ${az}) * (i32(${bw}) - ${bz});`);
  });
  return { acc, m, n };
}

const MATMUL_INTEGER_KERNEL: MapKernel = {
  kind: 'map',
  pointwise: () => [],
  value: (k, op, i) => integerDot(k, op, i, 0, 1, 2, 3).acc,
  flops: intMatmulFlops,
};

// y = saturate(round_half_even(acc * a_scale * b_scale / y_scale) + y_zp); the multiplier is
// rounded in the scales' dtype after each step, as the reference does.
const QLINEAR_MATMUL_KERNEL: MapKernel = {
  kind: 'map',
  pointwise: () => [],
  value: (k, op, i) => {
    const dt = op.results[0]!.type.dtype;
    if (!narrowRange(dt)) k.fail(op, `qlinear_matmul to ${dt} is not supported by the webgpu backend`);
    const { acc, m, n } = integerDot(k, op, i, 0, 3, 2, 5);
    const sd = op.operands[1]!.type.dtype;
    const r = (e: string): string => (sd === 'f32' || sd === 'f64' ? e : narrow(e, sd, false));
    const per = (j: number, idx: string): string => param(k, op, j, k.size(k.dims(op.operands[j]!)) === '1u' ? '0u' : idx);
    const mult = k.body.let('mult', r(`div_rn_f32(${r(`${per(1, m)} * ${per(4, n)}`)}, ${param(k, op, 6, '0u')})`));
    const z = op.operands[7] ? `f32(${param(k, op, 7, '0u')})` : '0.0f';
    return k.body.let('v', toInt(`(i32_to_f32(${acc}) * ${mult})`, z, dt));
  },
  flops: intMatmulFlops,
};

/**
 * Direct convolution, any spatial rank, for result element i: loops over the input channels of
 * its group and the kernel window (taps outside the input, the padding, are skipped); the i32 sum
 * of (x - x_zp) * (w - w_zp) and the element's output channel.
 */
function convDot(k: KernelCtx, op: Op, i: string, jx: number, jw: number, jxz: number, jwz: number): { acc: string; m: string } {
  const x = op.operands[jx], w = op.operands[jw];
  const xd = k.dims(x!), wd = k.dims(w!), yd = k.dims(op.results[0]!);
  const r = xd.length - 2;
  const kern = wd.slice(2);
  if (!kern.every((d) => typeof d === 'number')) k.fail(op, 'conv_integer needs a constant kernel size in the webgpu backend');
  const list = (name: string, fill: number, len: number): number[] => [...(intsAttr(op, name) ?? new Array<number>(len).fill(fill))];
  const st = list('strides', 1, r), dil = list('dilations', 1, r);
  const group = intAttr(op, 'group', 1);
  const [pb] = autoPads(k, op, xd.slice(2), kern as number[], st, dil);
  const b = k.body;
  const c = coords(k, i, yd, 'yc');
  const Cg = k.dim(wd[1]!), Mg = typeof wd[0] === 'number' ? u32(wd[0] / group) : `(${k.dim(wd[0]!)} / ${u32(group)})`;
  const c0 = b.let('c0', `(${c[1]} / ${Mg}) * ${Cg}`);
  const xz = op.operands[jxz] ? `i32(${param(k, op, jxz, '0u')})` : '0i';
  const wzv = op.operands[jwz];
  const wz = wzv ? `i32(${param(k, op, jwz, k.size(k.dims(wzv)) === '1u' ? '0u' : c[1]!)})` : '0i';
  const xzl = b.let('xz', xz), wzl = b.let('wz', wz);
  const acc = b.var('acc', 'i32', '0i');
  const K = (kern as number[]).reduce((a, d) => a * d, 1);
  const xs = strides(k, xd), ws = strides(k, wd);
  b.block(`for (var ci = 0u; ci < ${Cg}; ci++)`, () => {
    b.block(`for (var t = 0u; t < ${u32(K)}; t++)`, () => {
      // Window coordinates of tap t, the input position, and whether it is inside.
      const kc = coords(k, 't', kern, 'kc');
      const pos = kc.map((kk, d) => b.let('ip', `i32(${c[d + 2]}) * ${st[d]}i + i32(${kk}) * ${dil[d]}i - ${pb[d]}i`));
      const inside = pos.map((p, d) => `${p} >= 0i && ${p} < i32(${k.dim(xd[d + 2]!)})`).join(' && ');
      b.block(`if (${inside})`, () => {
        const xi = groupedSumU([mulU(c[0]!, xs[0]!), mulU(`(${c0} + ci)`, xs[1]!), ...pos.map((p, d) => mulU(`u32(${p})`, xs[d + 2]!))]);
        const wi = groupedSumU([mulU(c[1]!, ws[0]!), mulU('ci', ws[1]!), ...kc.map((kk, d) => mulU(kk, ws[d + 2]!))]);
        b.line(`${acc} += (i32(${k.load(x!, xi)}) - ${xzl}) * (i32(${k.load(w!, wi)}) - ${wzl});`);
      });
    });
  });
  return { acc, m: c[1]! };
}

const CONV_INTEGER_KERNEL: MapKernel = { kind: 'map', pointwise: () => [], value: (k, op, i) => convDot(k, op, i, 0, 1, 2, 3).acc, flops: intConvFlops };

// qlinear_conv: the integer conv plus the i32 bias, requantized as qlinear_matmul does.
const QLINEAR_CONV_KERNEL: MapKernel = {
  kind: 'map',
  pointwise: () => [],
  value: (k, op, i) => {
    const dt = op.results[0]!.type.dtype;
    if (!narrowRange(dt)) k.fail(op, `qlinear_conv to ${dt} is not supported by the webgpu backend`);
    const { acc, m } = convDot(k, op, i, 0, 3, 2, 5);
    const sd = op.operands[1]!.type.dtype;
    const r = (e: string): string => (sd === 'f32' || sd === 'f64' ? e : narrow(e, sd, false));
    const sw = param(k, op, 4, k.size(k.dims(op.operands[4]!)) === '1u' ? '0u' : m);
    const mult = k.body.let('mult', r(`div_rn_f32(${r(`${param(k, op, 1, '0u')} * ${sw}`)}, ${param(k, op, 6, '0u')})`));
    const total = op.operands[8] ? `(${acc} + ${param(k, op, 8, m)})` : acc;
    const z = op.operands[7] ? `f32(${param(k, op, 7, '0u')})` : '0.0f';
    return k.body.let('v', toInt(`(i32_to_f32(${total}) * ${mult})`, z, dt));
  },
  flops: intConvFlops,
};

export const DTYPE_KERNELS: ReadonlyArray<readonly [string, KernelDef]> = [
  ...['bitwise_and', 'bitwise_or', 'bitwise_xor', 'bitwise_not', 'bit_shift'].map((n) => [n, BIT_KERNEL] as const),
  ['bit_cast', BIT_CAST_KERNEL],
  ['quantize_linear', QUANTIZE_KERNEL], ['dequantize_linear', DEQUANTIZE_KERNEL], ['dynamic_quantize_linear', DYNAMIC_QUANTIZE_KERNEL],
  ['matmul_integer', MATMUL_INTEGER_KERNEL], ['qlinear_matmul', QLINEAR_MATMUL_KERNEL], ['conv_integer', CONV_INTEGER_KERNEL], ['qlinear_conv', QLINEAR_CONV_KERNEL],
];

