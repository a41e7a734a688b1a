// More data movement and scans as map kernels: tile (the repeats only sized the result, so a
// result coordinate reads c mod d), depth_to_space (DCR and CRD), space_to_depth, eye_like, and
// cum_sum / cum_prod (each element walks its prefix along the axis: exclusive, reverse; the axis
// a constant or read at run time). Every computed index is clamped into its buffer.

import type { Op } from '../../../../ir/ir.js';
import { coords, intAttr, type KernelCtx, type MapKernel, strides } from '../kernel-api.js';
import { literal, mulU, REG, u32 } from '../wgsl.js';
import { clampIndex, loadClamped, sumU } from './common.js';

function tile(k: KernelCtx, op: Op, i: string): string {
  const x = op.operands[0]!;
  const xd = k.dims(x);
  const c = coords(k, i, k.dims(op.results[0]!));
  const xs = strides(k, xd);
  return k.load(x, k.body.let('src', clampIndex(k, x, sumU(xd.map((d, a) => mulU(d === 1 ? '0u' : `(${c[a]} % ${k.dim(d)})`, xs[a]!))))));
}

function depthSpace(k: KernelCtx, op: Op, i: string): string {
  const x = op.operands[0]!, y = op.results[0]!;
  const xd = k.dims(x), yd = k.dims(y);
  if (xd.length !== 4) k.fail(op, `${op.name} needs a 4-D NCHW input in the webgpu backend`);
  const bs = intAttr(op, 'blocksize', 1);
  const b = k.body;
  const [n, c, h, w] = coords(k, i, yd);
  const xs = strides(k, xd);
  let src: string[];
  if (op.name === 'depth_to_space') {
    const co = k.dim(yd[1]!);
    const bh = b.let('bh', `${h} % ${u32(bs)}`), bw = b.let('bw', `${w} % ${u32(bs)}`);
    const ci = String(op.attrs.get('mode')?.value ?? 'DCR') === 'CRD'
      ? `(${c} * ${u32(bs * bs)} + ${bh} * ${u32(bs)} + ${bw})` : `((${bh} * ${u32(bs)} + ${bw}) * ${co} + ${c})`;
    src = [n!, ci, `(${h} / ${u32(bs)})`, `(${w} / ${u32(bs)})`];
  } else {
    const ci = k.dim(xd[1]!);
    const blk = b.let('blk', `${c} / ${ci}`);
    src = [n!, `(${c} % ${ci})`, `(${h} * ${u32(bs)} + ${blk} / ${u32(bs)})`, `(${w} * ${u32(bs)} + ${blk} % ${u32(bs)})`];
  }
  return k.load(x, b.let('src', clampIndex(k, x, sumU(src.map((s, a) => mulU(s, xs[a]!))))));
}

function eyeLike(k: KernelCtx, op: Op, i: string): string {
  const yd = k.dims(op.results[0]!);
  const reg = REG[op.results[0]!.type.dtype];
  if (!reg || yd.length !== 2) k.fail(op, 'eye_like needs a 2-D result of a 32-bit dtype in the webgpu backend');
  const [r, c] = coords(k, i, yd);
  return k.body.let('v', `select(${literal(0, reg!)}, ${literal(1, reg!)}, i32(${c}) - i32(${r}) == ${intAttr(op, 'k', 0)}i)`);
}

function cumulative(k: KernelCtx, op: Op, i: string): string {
  const [x, axisV] = op.operands;
  const xd = k.dims(x!), rank = xd.length;
  const reg = REG[x!.type.dtype];
  if (reg !== 'f32' && reg !== 'i32') k.fail(op, `${op.name} on ${x!.type.dtype} is not supported by the webgpu backend`);
  const b = k.body;
  const t = k.constant(axisV!);
  const a0 = t ? `${Number(t.data[0])}i` : b.let('ax', k.load(axisV!, '0u'));
  const axis = b.let('axis', `u32(select(${a0}, ${a0} + ${rank}i, ${a0} < 0i))`);
  // Stride and length of the axis, chosen at run time from tables over all axes.
  const st = strides(k, xd);
  const sv = b.var('sts', `array<u32, ${rank}>`, `array<u32, ${rank}>(${st.join(', ')})`);
  const dv = b.var('dms', `array<u32, ${rank}>`, `array<u32, ${rank}>(${xd.map((d) => k.dim(d)).join(', ')})`);
  const s = b.let('s', `${sv}[min(${axis}, ${u32(rank - 1)})]`), n = b.let('n', `${dv}[min(${axis}, ${u32(rank - 1)})]`);
  const pos = b.let('pos', `(${i} / ${s}) % ${n}`);
  const base = b.let('base', `${i} - ${pos} * ${s}`);
  const exclusive = intAttr(op, 'exclusive', 0) !== 0, reverse = intAttr(op, 'reverse', 0) !== 0;
  const isSum = op.name === 'cum_sum';
  const acc = b.var('acc', reg!, literal(isSum ? 0 : 1, reg!));
  // Positions summed: [0, pos] forward, [pos, n) in reverse; exclusive drops pos itself.
  const [lo, hi] = reverse ? [exclusive ? `${pos} + 1u` : pos, n] : ['0u', exclusive ? pos : `${pos} + 1u`];
  b.block(`for (var j = ${lo}; j < ${hi}; j++)`, () => {
    const v = loadClamped(k, x!, `${base} + j * ${s}`);
    b.line(`${acc} = ${acc} ${isSum ? '+' : '*'} ${v};`);
  });
  return acc;
}

export const DATA_EXTRA_KERNEL: MapKernel = {
  kind: 'map',
  pointwise: () => [],
  reads: (op) => (op.name === 'cum_sum' || op.name === 'cum_prod' ? [0, 1] : op.name === 'eye_like' ? [] : [0]),
  value: (k, op, i) => {
    switch (op.name) {
      case 'tile': return tile(k, op, i);
      case 'depth_to_space': case 'space_to_depth': return depthSpace(k, op, i);
      case 'eye_like': return eyeLike(k, op, i);
      default: return cumulative(k, op, i);
    }
  },
};

export const DATA_EXTRA_OPS: readonly string[] = ['tile', 'depth_to_space', 'space_to_depth', 'eye_like', 'cum_sum', 'cum_prod'];
