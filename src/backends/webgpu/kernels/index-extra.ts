// top_k (a special kernel), scatter_nd, gather_nd and tensor_scatter (map kernels: one result
// element per invocation). Every index read from a tensor is checked at run time (an index
// outside [-n, n) or a linear write position outside the cache makes the runtime refuse the run,
// naming the op, as the interpreter fails), wraps once when negative (ONNX), and is then clamped
// into its dim only so that the refused run never reads or writes outside a buffer (index-check.ts).
//
// - top_k (special, both results in one dispatch): one workgroup per row along the axis; each
//   thread ranks its elements, the rank of element m counting the elements that beat it: larger
//   (smaller for largest = 0) values, and equal values at a lower index, so the order is total and
//   ties keep the lower index first (ONNX). An element of rank r < k is written to position r of
//   both results (values through epi, indices through storeResult): each position exactly once.
//   The count stops once it reaches k, so most elements of a long row cost about k·ln(n/k)
//   compares and only the kept ones the whole row (the scan order below keeps this for sorted
//   rows); the worst case (an order adversarial to the scan) is O(n²) per row. A workgroup sort
//   would bound it by O(n log² n) for rows that fit workgroup memory. NaN is not ordered: WGSL
//   compilers may assume comparisons see none.
// - scatter_nd, tensor_scatter: each result element starts from data and walks the updates that
//   could land on it, in update order, combining those that do. With one invocation per result
//   element there are no write races, so repeated indices need no atomics and the result is
//   deterministic: reductions combine every update (ONNX), and 'none' keeps the last one (the
//   interpreter's choice; ONNX leaves duplicates undefined). scatter_nd is O(result × index
//   tuples), fine for small index tensors, except for constant indices that list a box (the
//   slice assignments exporters write as ScatterND): those are found by arithmetic, O(1).
// - gather_nd: the result element reads data at its tuple's offset plus its place in the slice.

import { fail } from '../../../../ir/diagnostics.js';
import type { Op } from '../../../../ir/ir.js';
import type { Tensor } from '../../../../ir/tensor.js';
import type { Dim } from '../../../../ir/types.js';
import { coords, intAttr, type KernelCtx, type KernelDef, type MapKernel, type SpecialKernel, type SpecialShader, strides } from '../kernel-api.js';
import { addU, mulU, REG, u32 } from '../wgsl.js';
import { wrapIndex } from '../index-check.js';
import { axisOf, clampIndex, loadClamped, sumU, workgroupIndex } from './common.js';

function needIntIndices(k: KernelCtx, op: Op, j: number): void {
  const v = op.operands[j];
  if (!v || REG[v.type.dtype] !== 'i32') k.fail(op, `${op.name}: indices must be i32 or i64 in the webgpu backend`);
}

/** A numeric register dtype (bool too where elements are only moved, not compared or combined). */
function need32(k: KernelCtx, op: Op, dtype: string, boolOk = false): void {
  const r = REG[dtype];
  if (r !== 'f32' && r !== 'i32' && r !== 'u32' && !(boolOk && r === 'bool')) k.fail(op, `${op.name} on ${dtype} is not supported by the webgpu backend`);
}

function emitTopK(k: KernelCtx, op: Op): SpecialShader {
  const x = op.operands[0]!;
  need32(k, op, x.type.dtype);
  const xd = k.dims(x), yd = k.dims(op.results[0]!);
  const rank = xd.length;
  const axis = axisOf(op, rank, -1);
  const largest = intAttr(op, 'largest', 1) !== 0;
  const nd = xd[axis]!;
  const WG = typeof nd === 'number' && nd <= 64 ? 64 : 256;
  const b = k.body;
  const rowDims = xd.filter((_d, a) => a !== axis);
  // One workgroup per row; no barriers, so returning early is fine.
  workgroupIndex(b, 'row', k.size(rowDims));
  const inner = k.size(xd.slice(axis + 1));
  const n = k.dim(nd), kk = k.dim(yd[axis]!);
  const o = b.let('o', inner === '1u' ? 'row' : `row / ${inner}`), ii = inner === '1u' ? '0u' : b.let('ii', `row % ${inner}`);
  const base = b.let('base', addU(mulU(mulU(o, n), inner), ii));
  const at = (m: string): string => loadClamped(k, x, addU(base, mulU(m, inner)));
  const beats = largest ? '>' : '<';
  // The rank scan visits the row in a stride coprime to n (2654435761 is prime, larger than any
  // n), about 0.618·n for most n: spread over the row, it meets the elements that beat m at their
  // overall rate even in a sorted row, so the count reaches k early there too. Every thread scans
  // in the same order, so a step's loads are one address (a broadcast on GPUs).
  const stride = b.let('stride', `${u32(2654435761)} % ${n}`);
  b.block(`for (var m = lid; m < ${n}; m += ${WG}u)`, () => {
    const xm = b.let('xm', at('m'));
    // The rank of m: how many elements beat it; the count stops at k (m is not kept then).
    const r = b.var('rank', 'u32', '0u');
    const e = b.var('e', 'u32', '0u');
    b.block(`for (var j = 0u; j < ${n} && ${r} < ${kk}; j++)`, () => {
      const xe = b.let('xe', at(e));
      b.line(`${r} += select(0u, 1u, ${xe} ${beats} ${xm} || (${xe} == ${xm} && ${e} < m));`);
      b.line(`${e} += ${stride};`);
      b.line(`if (${e} >= ${n}) { ${e} -= ${n}; }`);
    });
    b.block(`if (${r} < ${kk})`, () => {
      const to = b.let('to', addU(mulU(addU(mulU(o, kk), r), inner), ii));
      b.line(`epi(${to}, ${xm});`);
      k.storeResult(op, 1, to, 'i32(m)');
    });
  });
  return {
    decls: [], workgroupSize: [WG, 1, 1],
    dispatch: [{ dims: rowDims, div: 1 }, { dims: [], div: 1 }, { dims: [], div: 1 }],
    fold: true, workgroupBytes: 0,
  };
}

function scatterNd(k: KernelCtx, op: Op, i: string): string {
  const [data, idx, upd] = op.operands;
  const red = String(op.attrs.get('reduction')?.value ?? 'none');
  need32(k, op, data!.type.dtype, red === 'none');
  needIntIndices(k, op, 1);
  if (!['none', 'add', 'mul', 'max', 'min'].includes(red)) k.fail(op, `scatter_nd reduction '${red}' is not supported by the webgpu backend`);
  const xd = k.dims(data!), id = k.dims(idx!);
  const kk = id[id.length - 1];
  if (typeof kk !== 'number' || kk > xd.length) k.fail(op, 'scatter_nd needs a constant last indices dim, at most the rank of data');
  const inner = k.size(xd.slice(kk));
  const b = k.body;
  const acc = b.var('acc', REG[data!.type.dtype]!, k.load(data!, i));
  const combine = (u: string): void => {
    const e = red === 'add' ? `${acc} + ${u}` : red === 'mul' ? `${acc} * ${u}` : red === 'max' ? `max(${acc}, ${u})` : red === 'min' ? `min(${acc}, ${u})` : u;
    b.line(`${acc} = ${e};`);
  };
  const updAt = (e: string): string => loadClamped(k, upd!, e);
  const it = k.constant(idx!);
  const box = it ? constantBox(it, xd, kk) : null;
  if (box) {
    // Constant indices that list a box in row-major order (a slice assignment, as exporters
    // write `x[..., 0:2] = y`): the update of this element is found by arithmetic, O(1).
    const c = coords(k, i, xd);
    const rel = box.off.map((o, j) => b.let('rel', `${c[j]} - ${u32(o)}`));
    let stride = 1;
    const terms: string[] = [];
    for (let j = kk - 1; j >= 0; j--) {
      terms.unshift(mulU(rel[j]!, u32(stride)));
      stride *= box.size[j]!;
    }
    const t = sumU(terms);
    // rel_j wraps to a huge u32 below the box, so one compare per axis.
    b.block(`if (${rel.map((r, j) => `${r} < ${u32(box.size[j]!)}`).join(' && ')})`, () => combine(updAt(addU(mulU(`(${t})`, inner), inner === '1u' ? '0u' : `${i} % ${inner}`))));
    return acc;
  }
  // Walk every index tuple, in order: O(tuples) per result element.
  const xs = strides(k, xd);
  b.block(`for (var t = 0u; t < ${k.size(id.slice(0, -1))}; t++)`, () => {
    const off = b.let('off', sumU(Array.from({ length: kk }, (_v, j) =>
      mulU(wrapIndex(k, op, k.load(idx!, addU(mulU('t', u32(kk)), u32(j))), k.dim(xd[j]!)), xs[j]!))));
    // Lands here when i lies in [off, off + inner) (u32 wraps below off).
    const r = b.let('r', `${i} - ${off}`);
    b.block(`if (${i} >= ${off} && ${r} < ${inner})`, () => combine(updAt(addU(mulU('t', inner), r))));
  });
  return acc;
}

/**
 * The box that constant scatter_nd indices list in row-major order (tuple t addresses off +
 * unravel(t, size), negative indices wrapped), or null when they list anything else.
 */
function constantBox(t: Tensor, xd: readonly Dim[], kk: number): { off: number[]; size: number[] } | null {
  const dims = xd.slice(0, kk);
  if (!dims.every((d): d is number => typeof d === 'number')) return null;
  const n = t.data.length / kk;
  if (n === 0 || kk === 0) return null;
  const at = (q: number, j: number): number => {
    const v = Number(t.data[q * kk + j]);
    return v < 0 ? v + (dims[j] as number) : v;
  };
  // Tuple 0 is the box's first corner.
  const off = dims.map((_d, j) => at(0, j));
  const size = dims.map((_d, j) => {
    let hi = at(0, j);
    for (let q = 1; q < n; q++) hi = Math.max(hi, at(q, j));
    return hi - off[j]! + 1;
  });
  if (size.reduce((a, x) => a * x, 1) !== n || off.some((o, j) => o < 0 || o + size[j]! > (dims[j] as number))) return null;
  // Tuple q must address off + its row-major position in the box.
  for (let q = 0; q < n; q++) {
    let rest = q;
    for (let j = kk - 1; j >= 0; j--) {
      if (at(q, j) !== off[j]! + (rest % size[j]!)) return null;
      rest = Math.floor(rest / size[j]!);
    }
  }
  return { off, size };
}

function gatherNd(k: KernelCtx, op: Op, i: string): string {
  const [data, idx] = op.operands;
  needIntIndices(k, op, 1);
  const xd = k.dims(data!), id = k.dims(idx!);
  const bd = intAttr(op, 'batch_dims', 0);
  const kk = id[id.length - 1];
  if (typeof kk !== 'number' || bd + kk > xd.length) k.fail(op, 'gather_nd needs a constant last indices dim, with batch_dims at most the rank of data');
  const xs = strides(k, xd);
  const inner = k.size(xd.slice(bd + kk));
  const b = k.body;
  // o: the index tuple (batch and tuple dims of indices flattened), r: the place in its slice.
  const o = b.let('o', inner === '1u' ? i : `${i} / ${inner}`);
  const r = inner === '1u' ? '0u' : b.let('r', `${i} % ${inner}`);
  const tuples = k.size(id.slice(bd, -1));
  const batchOff = bd === 0 ? '0u' : mulU(`(${o} / ${tuples})`, xs[bd - 1]!);
  const terms = Array.from({ length: kk }, (_v, j) =>
    mulU(wrapIndex(k, op, loadClamped(k, idx!, addU(mulU(o, u32(kk)), u32(j))), k.dim(xd[bd + j]!)), xs[bd + j]!));
  return k.load(data!, b.let('src', clampIndex(k, data!, sumU([batchOff, ...terms, r]))));
}

function tensorScatter(k: KernelCtx, op: Op, i: string): string {
  const [past, upd, wi] = op.operands;
  need32(k, op, past!.type.dtype, true);
  if (wi) needIntIndices(k, op, 2);
  const pd = k.dims(past!), ud = k.dims(upd!);
  const rank = pd.length;
  const axis = axisOf(op, rank, -2);
  if (axis === 0) k.fail(op, 'tensor_scatter: axis must not be the batch axis 0');
  const circular = String(op.attrs.get('mode')?.value ?? 'linear') === 'circular';
  const b = k.body;
  const c = coords(k, i, pd);
  const maxSeq = b.let('mx', `i32(${k.dim(pd[axis]!)})`), seq = b.let('sq', `i32(${k.dim(ud[axis]!)})`);
  const w = wi ? b.let('wr', loadClamped(k, wi, c[0]!)) : '0i';
  // Linear mode writes positions w .. w + seq - 1, which must lie in the cache (the interpreter
  // fails on the first that does not: w itself when negative, else max(w, mx)). Not wrapped.
  const fits = !wi && typeof pd[axis] === 'number' && typeof ud[axis] === 'number' && ud[axis] <= pd[axis];
  if (!circular && !fits) {
    k.indexCheck(op, `select(max(${w}, ${maxSeq}), ${w}, ${w} < 0i)`, `u32(${maxSeq})`, `${seq} > 0i && (${w} < 0i || ${w} > ${maxSeq} - ${seq})`);
  }
  // s: the update position that lands on this cache position. Circular: the last of those
  // congruent to it (an update longer than the cache wraps onto itself; the last write wins).
  // Circular: w reduced into [0, mx) first, so that the difference cannot overflow i32 (w near
  // -2^31 would wrap; the interpreter works on the full value).
  const wm = circular && wi ? b.let('wm', `((${w} % ${maxSeq}) + ${maxSeq}) % ${maxSeq}`) : w;
  let s = b.let('s', `i32(${c[axis]}) - ${wm}`);
  if (circular) {
    const s0 = b.let('s0', `((${s} % ${maxSeq}) + ${maxSeq}) % ${maxSeq}`);
    s = b.let('s1', `select(${s0}, ${s0} + ((${seq} - 1i - ${s0}) / ${maxSeq}) * ${maxSeq}, ${s0} < ${seq})`);
  }
  const us = strides(k, ud);
  const src = sumU(c.map((cc, a) => mulU(a === axis ? `u32(${s})` : cc, us[a]!)));
  const v = b.var('v', REG[past!.type.dtype]!, k.load(past!, i));
  b.block(`if (${s} >= 0i && ${s} < ${seq})`, () => b.line(`${v} = ${loadClamped(k, upd!, src)};`));
  return v;
}

const TOP_K_KERNEL: SpecialKernel = {
  kind: 'special', emit: emitTopK, extraResults: true,
  reads: () => [0],
  flops: (op, numel) => {
    const x = op.operands[0]!, r = x.type.shape?.length ?? 1;
    const n = x.type.shape?.[axisOf(op, r, -1)];
    return numel(x) * (typeof n === 'number' ? n : 1);
  },
};

const readsPresent = (op: Op): number[] => op.operands.flatMap((v, j) => (v ? [j] : []));

/**
 * tensor_scatter in linear mode into a statically empty cache with a nonempty update: the
 * interpreter refuses every run (no write position lies in the cache), but the result is empty,
 * so lowering dispatches nothing and the run-time check would never run: refused now, as arg_max
 * refuses a static empty axis. Checked from `reads`, the one hook lowering calls for a live op
 * whose result is empty. A cache length that is 0 only at run time (a symbolic dim) is not caught.
 */
function tensorScatterReads(op: Op): number[] {
  const pd = op.operands[0]?.type.shape, ud = op.operands[1]?.type.shape;
  if (pd && ud && String(op.attrs.get('mode')?.value ?? 'linear') !== 'circular') {
    const a0 = Number(op.attrs.get('axis')?.value ?? -2), axis = a0 < 0 ? a0 + pd.length : a0;
    const seq = ud[axis];
    if (pd[axis] === 0 && typeof seq === 'number' && seq > 0) {
      fail('E205', `tensor_scatter %${op.results[0]!.name}: an update of length ${seq} cannot be written into an empty cache (axis ${axis} has size 0)`, op.loc);
    }
  }
  return readsPresent(op);
}

const INDEX_EXTRA_KERNEL: MapKernel = {
  kind: 'map',
  pointwise: () => [],
  reads: (op) => (op.name === 'tensor_scatter' ? tensorScatterReads(op) : readsPresent(op)),
  value: (k, op, i) => {
    switch (op.name) {
      case 'scatter_nd': return scatterNd(k, op, i);
      case 'gather_nd': return gatherNd(k, op, i);
      default: return tensorScatter(k, op, i);
    }
  },
};

export const INDEX_EXTRA_KERNELS: ReadonlyArray<readonly [string, KernelDef]> = [
  ['top_k', TOP_K_KERNEL],
  ...['scatter_nd', 'gather_nd', 'tensor_scatter'].map((n) => [n, INDEX_EXTRA_KERNEL] as const),
];
