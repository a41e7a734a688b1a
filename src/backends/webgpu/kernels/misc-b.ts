// batch_normalization in training mode, mean_variance_normalization, max_pool with its Indices
// result, and max_unpool.
//
// Training batch_normalization and mean_variance_normalization normalise groups of elements with
// their own statistics: one workgroup of 64 threads per group (a channel; the positions of the
// axes MVN keeps) strides over the group's elements for the mean, again for the variance, and
// writes each element through epi once. The statistics of a group are the same in every thread
// (read after the tree's last barrier); group index and bounds are uniform, so the early return
// keeps the barriers valid.
//
// lower.ts picks one kernel per op name, and only special kernels store results after the first
// (extraResults). So batch_normalization and max_pool are special kernels here for every case:
// the cases handled before (inference batch norm, max_pool with one result) print the same map
// kernel's code inside a map-shaped main (one thread per element, same dispatch), and keep
// chaining the elementwise ops after them into the epilogue.

import type { Op, Value } from '../../../../ir/ir.js';
import type { Dim } from '../../../../ir/types.js';
import { coords, floatAttr, intAttr, intsAttr, type KernelCtx, type KernelDef, type MapKernel, needFloat, sameDims, type SpecialKernel, type SpecialShader, strides } from '../kernel-api.js';
import { index0 } from '../index-check.js';
import { MAP_WG, mapShader } from '../shader-text.js';
import { addU, f32Lit, literal, mulU, REG, u32 } from '../wgsl.js';
import { autoPads, axesOf, invocationIndex, RED_WG, reduceWg, workgroupIndex } from './common.js';
import { isNanF32 } from './elementwise.js';
import { POOL_ND_KERNEL } from './pool-nd.js';
import { BATCH_NORM_KERNEL, maxInit, poolReg } from './window.js';

const WG = RED_WG;

/** A map kernel's code in a special kernel's main: one thread per element of `dims`, as lower.ts's map dispatch. */
function asMap(k: KernelCtx, dims: readonly Dim[], value: (i: string) => string): SpecialShader {
  const i = invocationIndex(k.body, 'i', MAP_WG, k.size(dims));
  k.body.line(`epi(i, ${value(i)});`);
  return mapShader(dims);
}

// ---------------------------------------------------------------------------------------------
// Group statistics (training batch_normalization, mean_variance_normalization)

/** Tree sum of each thread's `partial` in workgroup memory; every thread gets the total (no subgroup variant). */
const sumWg = (k: KernelCtx, partial: string, name: string): string => reduceWg(k, partial, (p, q) => `${p} + ${q}`, name, 'f32', false);

interface GroupStats { readonly group: string; readonly mean: string; readonly variance: string; readonly each: (f: (v: string, at: string) => void) => void }

/**
 * One workgroup per group: the positions of the `kept` axes of x; the elements of a group are
 * those of the other axes. Mean and (biased) variance of the group, two passes for precision.
 */
function groupStats(k: KernelCtx, x: Value, keptAxes: readonly number[]): GroupStats {
  const xd = k.dims(x);
  const redAxes = xd.map((_d, a) => a).filter((a) => !keptAxes.includes(a));
  const kept = keptAxes.map((a) => xd[a]!), rd = redAxes.map((a) => xd[a]!);
  const xs = strides(k, xd);
  const b = k.body;
  const grp = workgroupIndex(b, 'grp', k.size(kept));
  const kc = coords(k, grp, kept, 'kc');
  const base = b.let('base', keptAxes.reduce((e, a, j) => addU(e, mulU(kc[j]!, xs[a]!)), '0u'));
  const n = k.size(rd);
  // A static empty group: no loop (its coordinates would divide by a constant 0u, as in rows.ts's reduce).
  const each = (f: (v: string, at: string) => void): void => {
    if (rd.includes(0)) return;
    b.block(`for (var r = lid; r < ${n}; r += ${WG}u)`, () => {
      const rc = coords(k, 'r', rd, 'rc');
      const at = b.let('at', redAxes.reduce((e, a, j) => addU(e, mulU(rc[j]!, xs[a]!)), base));
      f(k.load(x, at), at);
    });
  };
  const s1 = b.var('s1', 'f32', '0.0f');
  each((v) => b.line(`${s1} = ${s1} + ${v};`));
  // An empty group (a dim bound to 0 at run time) gives 0 / 0 = NaN, as the interpreter's.
  const mean = b.let('mean', `${sumWg(k, s1, 'tot')} / f32(${n})`);
  const s2 = b.var('s2', 'f32', '0.0f');
  each((v) => {
    const d = b.let('d', `${v} - ${mean}`);
    b.line(`${s2} = ${s2} + ${d} * ${d};`);
  });
  const variance = b.let('var_', `${sumWg(k, s2, 'tot')} / f32(${n})`);
  return { group: grp, mean, variance, each };
}

function groupShader(groups: readonly Dim[]): SpecialShader {
  return {
    decls: [`var<workgroup> red: array<f32, ${WG}>;`],
    workgroupSize: [WG, 1, 1],
    dispatch: [{ dims: [...groups], div: 1 }, { dims: [], div: 1 }, { dims: [], div: 1 }],
    fold: true, workgroupBytes: 4 * WG,
  };
}

/**
 * Training batch_normalization: Y with the batch statistics of each channel (axis 1), and the
 * running statistics input * momentum + batch * (1 - momentum) when the model reads them.
 */
function emitBatchNormTraining(k: KernelCtx, op: Op): SpecialShader {
  const [x, scale, bias, mean, variance] = op.operands;
  needFloat(k, op, [x, scale, bias, mean, variance, ...op.results]);
  const xd = k.dims(x!);
  const keptAxes = xd.length >= 2 ? [1] : [];
  const C = xd.length >= 2 ? xd[1]! : 1;
  // Per-activation parameters (opset < 9, spatial = 0) exist only in inference mode.
  for (const p of [scale, bias, mean, variance]) {
    const pd = k.dims(p!);
    if (k.size(pd) !== k.dim(C)) k.fail(op, `batch_normalization in training mode needs per-channel parameters of ${C} elements (%${p!.name} has dims [${pd.join(',')}])`);
  }
  const st = groupStats(k, x!, keptAxes);
  const b = k.body;
  const c = st.group;
  const eps = f32Lit(floatAttr(op, 'epsilon', 1e-5));
  const inv = b.let('inv', `inverseSqrt(${st.variance} + ${eps})`);
  const sc = b.let('sc', k.load(scale!, c)), bi = b.let('bi', k.load(bias!, c));
  st.each((v, at) => b.line(`epi(${at}, (${v} - ${st.mean}) * ${inv} * ${sc} + ${bi});`));
  if (op.results.length > 1) {
    const mom = floatAttr(op, 'momentum', 0.9);
    const m = f32Lit(mom), m1 = f32Lit(1 - mom);
    b.block('if (lid == 0u)', () => {
      k.storeResult(op, 1, c, `${k.load(mean!, c)} * ${m} + ${st.mean} * ${m1}`);
      if (op.results.length > 2) k.storeResult(op, 2, c, `${k.load(variance!, c)} * ${m} + ${st.variance} * ${m1}`);
    });
  }
  return groupShader(keptAxes.map((a) => xd[a]!));
}

// runsEmpty (lower.ts): in training mode the running statistics [C] are written even for an empty
// batch (NaN, the mean of an empty set, as the interpreter's); groupStats' loops then run zero times.
export const BATCH_NORM_ANY_KERNEL: SpecialKernel & { readonly runsEmpty: (op: Op) => boolean } = {
  kind: 'special', extraResults: true,
  runsEmpty: (op) => intAttr(op, 'training_mode', 0) !== 0 && op.results.length > 1,
  emit: (k, op) => {
    if (intAttr(op, 'training_mode', 0) !== 0) return emitBatchNormTraining(k, op);
    if (op.results.length > 1) k.fail(op, 'batch_normalization: running mean and variance results need training_mode = 1');
    return asMap(k, k.dims(op.results[0]!), (i) => BATCH_NORM_KERNEL.value(k, op, i));
  },
  flops: (op, numel) => (intAttr(op, 'training_mode', 0) !== 0 ? 8 : 4) * numel(op.results[0]!),
};

/** mean_variance_normalization: (x - mean) / (sqrt(variance) + 1e-9) over `axes` (ONNX's function body). */
function emitMvn(k: KernelCtx, op: Op): SpecialShader {
  const x = op.operands[0]!;
  needFloat(k, op, [x, op.results[0]]);
  const xd = k.dims(x);
  const r = xd.length;
  const axes = axesOf(op, r, [0, 2, 3]);
  if (axes.some((a) => a < 0 || a >= r)) k.fail(op, `mean_variance_normalization: axes [${(intsAttr(op, 'axes') ?? [0, 2, 3]).join(',')}] are outside rank ${r}`);
  const keptAxes = xd.map((_d, a) => a).filter((a) => !axes.includes(a));
  const st = groupStats(k, x, keptAxes);
  const b = k.body;
  const den = b.let('den', `sqrt(${st.variance}) + ${f32Lit(1e-9)}`);
  st.each((v, at) => b.line(`epi(${at}, (${v} - ${st.mean}) / ${den});`));
  return groupShader(keptAxes.map((a) => xd[a]!));
}

export const MVN_KERNEL: SpecialKernel = { kind: 'special', emit: emitMvn, flops: (op, numel) => 6 * numel(op.results[0]!) };

// ---------------------------------------------------------------------------------------------
// max_pool with Indices

/**
 * Max and its flat input index (plane offset + the tap's offset in the plane, row-major, or
 * column-major over the spatial axes with storage_order = 1), as the interpreter: taps in
 * row-major order, the first tap inside the input to start, a strictly larger value or the first
 * NaN (which ends the search) replaces it. A window with no tap inside gives -inf and index -1.
 */
function emitMaxPoolIndices(k: KernelCtx, op: Op): SpecialShader {
  const x = op.operands[0]!, y = op.results[0]!;
  const xd = k.dims(x), yd = k.dims(y);
  const reg = poolReg(k, op);
  const ks = intsAttr(op, 'kernel_shape');
  const r = xd.length - 2;
  if (!ks || ks.length !== r || r < 1) k.fail(op, `max_pool needs a kernel_shape for its ${r} spatial axes`);
  const st = intsAttr(op, 'strides') ?? ks!.map(() => 1), dil = intsAttr(op, 'dilations') ?? ks!.map(() => 1);
  const [pb] = autoPads(k, op, xd.slice(2), ks!, st, dil);
  const colMajor = intAttr(op, 'storage_order', 0) === 1;
  const K = ks!.reduce((a, v) => a * v, 1);
  const xstr = strides(k, xd);
  // Column-major strides over the spatial axes: the first spatial axis varies fastest.
  const cstr: string[] = [];
  for (let a = 0, acc = '1u'; a < r; a++) { cstr[a] = acc; acc = mulU(acc, k.dim(xd[a + 2]!)); }
  return asMap(k, yd, (i) => {
    const b = k.body;
    const c = coords(k, i, yd);
    const plane = b.let('plane', addU(mulU(c[0]!, xstr[0]!), mulU(c[1]!, xstr[1]!)));
    const best = b.var('best', reg, maxInit(reg, i));
    const arg = b.var('arg', 'i32', '-1i');
    const done = b.var('done', 'bool', 'false');
    b.block(`for (var kk = 0u; kk < ${u32(K)} && !${done}; kk++)`, () => {
      const rem = b.var('rem', 'u32', 'kk');
      const inside = b.var('in', 'bool', 'true');
      const off = b.var('off', 'u32', '0u'), offc = b.var('offc', 'u32', '0u');
      for (let a = r - 1; a >= 0; a--) {
        const t = b.let('t', `i32(${rem} % ${u32(ks![a]!)})`);
        b.line(`${rem} = ${rem} / ${u32(ks![a]!)};`);
        const D = b.let('dd', `i32(${k.dim(xd[a + 2]!)})`);
        const ia = b.let('ia', `i32(${c[a + 2]}) * ${st[a]}i - ${pb[a]}i + ${t} * ${dil[a]}i`);
        b.line(`${inside} = ${inside} && ${ia} >= 0i && ${ia} < ${D};`);
        const ca = b.let('ca', `u32(clamp(${ia}, 0i, max(${D} - 1i, 0i)))`);
        b.line(`${off} = ${off} + ${mulU(ca, xstr[a + 2]!)};`);
        b.line(`${offc} = ${offc} + ${mulU(ca, cstr[a]!)};`);
      }
      b.block(`if (${inside})`, () => {
        const v = b.let('v', k.load(x, `min(${plane} + ${off}, ${k.size(xd)} - 1u)`));
        const nan = reg === 'f32' ? isNanF32(v) : 'false';
        b.block(`if (${arg} < 0i || ${v} > ${best} || ${nan})`, () => {
          b.line(`${best} = ${v};`);
          b.line(`${arg} = i32(${plane} + ${colMajor ? offc : off});`);
          if (reg === 'f32') b.line(`${done} = ${nan};`);
        });
      });
    });
    k.storeResult(op, 1, i, arg);
    return best;
  });
}

/** max_pool: with Indices here; with one result pool-nd.ts's kernel (window.ts's for 1-D and 2-D). */
export const MAX_POOL_KERNEL: SpecialKernel = {
  kind: 'special', extraResults: true,
  emit: (k, op) => (op.results.length > 1 ? emitMaxPoolIndices(k, op) : asMap(k, k.dims(op.results[0]!), (i) => POOL_ND_KERNEL.value(k, op, i))),
  flops: (op, numel) => numel(op.results[0]!) * (intsAttr(op, 'kernel_shape') ?? [1]).reduce((a, v) => a * v, 1),
};

// ---------------------------------------------------------------------------------------------
// max_unpool

/** The max_pool whose Indices result `v` is (directly, or yielded by a fused group), if any. */
function poolOfIndices(v: Value): Op | undefined {
  let d = v.def;
  let r = d ? d.results.indexOf(v) : -1;
  if (d?.name === 'fused') {
    const y = d.regions[0]?.terminator?.operands[r];
    d = y?.def ?? null;
    r = d && y ? d.results.indexOf(y) : -1;
  }
  return d?.name === 'max_pool' && r === 1 ? d : undefined;
}

/**
 * Each result element looks for the elements of X whose index I addresses it (in the default
 * unpooled layout, kept at the same spatial coordinates of the result, as the interpreter) and
 * takes the last one, else 0. An index outside that layout is refused at run time.
 *
 * Where I is the Indices of a max_pool (row-major) whose input has the default unpooled dims, an
 * index can only address a place inside its own window, so only the X elements whose pooling
 * window covers this element are looked at (kernel-size many). Otherwise any element of X may
 * address it: the search walks all of X (from the end, stopping at the first match), quadratic.
 */
function unpoolValue(k: KernelCtx, op: Op, i: string): string {
  const [x, ind] = op.operands;
  const y = op.results[0]!;
  const xd = k.dims(x!), yd = k.dims(y);
  const reg = REG[y.type.dtype]!;
  if (ind!.type.dtype !== 'i64' && ind!.type.dtype !== 'i32') k.fail(op, `max_unpool indices must be i64 (got ${ind!.type.dtype})`);
  if (!sameDims(xd, k.dims(ind!))) k.fail(op, `max_unpool: X [${xd.join(',')}] and I [${k.dims(ind!).join(',')}] must have the same dims`);
  const ks = intsAttr(op, 'kernel_shape');
  const r = xd.length - 2;
  if (!ks || ks.length !== r || r < 1) k.fail(op, `max_unpool needs a kernel_shape for its ${r} spatial axes`);
  const st = intsAttr(op, 'strides') ?? ks!.map(() => 1);
  const pads = intsAttr(op, 'pads') ?? new Array<number>(2 * r).fill(0);
  const def = xd.slice(2).map((d, a) => (typeof d === 'number' ? (d - 1) * st[a]! + ks![a]! - pads[a]! - pads[a + r]! : k.fail(op, 'max_unpool needs static spatial input dims in the webgpu backend')));
  if (def.some((d) => d <= 0)) k.fail(op, `max_unpool: the default unpooled size [${def.join(',')}] is empty`);
  const b = k.body;
  const c = coords(k, i, yd);
  const inPlane = def.reduce((a, v) => a * v, 1);
  // The index that addresses this element: its plane, then its spatial coordinates in the default layout.
  let target = mulU(addU(mulU(c[0]!, k.dim(yd[1]!)), c[1]!), u32(inPlane));
  const fits: string[] = [];
  for (let a = 0, stride = inPlane; a < r; a++) {
    stride /= def[a]!;
    target = addU(target, mulU(c[a + 2]!, u32(stride)));
    if (yd[a + 2] !== def[a] && !(typeof yd[a + 2] === 'number' && (yd[a + 2] as number) <= def[a]!)) fits.push(`${c[a + 2]} < ${u32(def[a]!)}`);
  }
  const want = b.let('want', `i32(${target})`);
  const v = b.var('v', reg, literal(0, reg));
  const n = k.size(xd);
  // Every index is checked, by the thread(s) of the result positions congruent to it: one outside
  // the default unpooled tensor is refused at run time, as by the interpreter (index-check.ts).
  const total = mulU(k.size(xd.slice(0, 2)), u32(inPlane));
  b.block(`for (var q = ${i}; q < ${n}; q += ${k.size(yd)})`, () => { index0(k, op, ind!, 'q', total); });
  const pool = poolOfIndices(ind!);
  const auto = String(pool?.attrs.get('auto_pad')?.value ?? 'NOTSET');
  if (pool && intAttr(pool, 'storage_order', 0) === 0 && (auto === 'NOTSET' || auto === 'VALID') && k.dims(pool.operands[0]!).slice(2).every((d, a) => d === def[a])) {
    const pk = intsAttr(pool, 'kernel_shape')!, ps = intsAttr(pool, 'strides') ?? pk.map(() => 1), pd = intsAttr(pool, 'dilations') ?? pk.map(() => 1);
    const [pb] = autoPads(k, pool, def, pk, ps, pd);
    const xs = strides(k, xd);
    const best = b.var('be', 'i32', '-1i');
    const os: string[] = [];
    // Window taps t of each axis: the pooled position o with o * stride - pad + t * dilation = c.
    const loops = (a: number): void => {
      if (a === r) {
        const e = b.let('e', os.reduce((acc, o, j) => addU(acc, mulU(o, xs[j + 2]!)), addU(mulU(c[0]!, xs[0]!), mulU(c[1]!, xs[1]!))));
        b.block(`if (${k.load(ind!, e)} == ${want} && i32(${e}) > ${best})`, () => {
          b.line(`${best} = i32(${e});`);
          b.line(`${v} = ${k.load(x!, e)};`);
        });
        return;
      }
      b.block(`for (var t${a} = 0i; t${a} < ${pk[a]}i; t${a}++)`, () => {
        const num = b.let('num', `i32(${c[a + 2]}) + ${pb[a]}i - t${a} * ${pd[a]}i`);
        b.line(`if (${num} < 0i || ${num} % ${ps[a]}i != 0i || ${num} / ${ps[a]}i >= i32(${k.dim(xd[a + 2]!)})) { continue; }`);
        os.push(b.let('o', `u32(${num} / ${ps[a]}i)`));
        loops(a + 1);
        os.pop();
      });
    };
    if (fits.length) b.block(`if (${fits.join(' && ')})`, () => loops(0));
    else loops(0);
    return v;
  }
  const guard = fits.length ? `(${fits.join(' && ')}) && ` : '';
  b.block(`for (var e = ${n}; ${guard}e > 0u; e--)`, () => {
    const j = b.let('j', 'e - 1u');
    b.block(`if (${k.load(ind!, j)} == ${want})`, () => {
      b.line(`${v} = ${k.load(x!, j)};`);
      b.line('break;');
    });
  });
  return v;
}

export const MAX_UNPOOL_KERNEL: MapKernel = {
  kind: 'map', pointwise: () => [], reads: () => [0, 1], value: unpoolValue,
  flops: (op, numel) => numel(op.results[0]!) * (poolOfIndices(op.operands[1]!) ? (intsAttr(op, 'kernel_shape') ?? [1]).reduce((a, v) => a * v, 1) : numel(op.operands[0]!)),
};

export const MISC_B_KERNELS: ReadonlyArray<readonly [string, KernelDef]> = [
  ['batch_normalization', BATCH_NORM_ANY_KERNEL],
  ['mean_variance_normalization', MVN_KERNEL],
  ['max_pool', MAX_POOL_KERNEL],
  ['max_unpool', MAX_UNPOOL_KERNEL],
];
