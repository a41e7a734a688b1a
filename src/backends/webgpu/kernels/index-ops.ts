// scatter_elements and one_hot as map kernels. scatter_elements: each result element starts from
// data and walks every update (in order, so with reduction none the last write wins, as in the
// interpreter), combining those whose target is this element: O(result * updates), meant for the
// small index tensors these ops see; an index outside [-n, n) is refused at run time
// (index-check.ts). one_hot: the element at position p of the new axis is values[1] where the
// index (negative ones counted from the end) equals p, else values[0] (ONNX: an index out of
// range gives a row of values[0], not an error).

import type { Op } from '../../../../ir/ir.js';
import { coords, type KernelCtx, type MapKernel, strides } from '../kernel-api.js';
import { REG } from '../wgsl.js';
import { wrapIndex } from '../index-check.js';
import { axisOf, loadClamped } from './common.js';

function scatterElements(k: KernelCtx, op: Op, i: string): string {
  const [data, idx, upd] = op.operands;
  const xd = k.dims(data!), id = k.dims(idx!);
  const reg = REG[data!.type.dtype];
  if ((reg !== 'f32' && reg !== 'i32') || REG[idx!.type.dtype] !== 'i32') k.fail(op, 'scatter_elements needs f32 or integer data and integer indices in the webgpu backend');
  const red = String(op.attrs.get('reduction')?.value ?? 'none');
  const rank = xd.length;
  const axis = axisOf(op, rank, 0);
  const b = k.body;
  const acc = b.var('acc', reg!, k.load(data!, i));
  const xs = strides(k, xd);
  const K = k.dim(xd[axis]!);
  // The loop variable is a fresh name: wrapIndex declares lets of its own.
  const e = b.fresh('e');
  b.block(`for (var ${e} = 0u; ${e} < ${k.size(id)}; ${e}++)`, () => {
    const c = coords(k, e, id, 'sc');
    const qq = wrapIndex(k, op, k.load(idx!, e), K);
    const target = c.map((cc, a) => `${a === axis ? qq : cc} * ${xs[a]}`).join(' + ');
    b.block(`if (${target} == ${i})`, () => {
      const u = k.load(upd!, e);
      const nv = red === 'add' ? `${acc} + ${u}` : red === 'mul' ? `${acc} * ${u}` : red === 'max' ? `max(${acc}, ${u})` : red === 'min' ? `min(${acc}, ${u})` : u;
      b.line(`${acc} = ${nv};`);
    });
  });
  if (!['none', 'add', 'mul', 'max', 'min'].includes(red)) k.fail(op, `scatter_elements reduction '${red}' is not supported by the webgpu backend`);
  return acc;
}

function oneHot(k: KernelCtx, op: Op, i: string): string {
  const [idx, , values] = op.operands;
  const yd = k.dims(op.results[0]!);
  const ri = REG[idx!.type.dtype], rv = REG[values!.type.dtype];
  if (!ri || ri === 'bool' || !rv) k.fail(op, 'one_hot needs numeric indices and 32-bit values in the webgpu backend');
  const rank = yd.length;
  const axis = axisOf(op, rank, -1);
  const c = coords(k, i, yd);
  const id = k.dims(idx!);
  const is = strides(k, id);
  const src = c.filter((_c, a) => a !== axis).map((cc, a) => `${cc} * ${is[a]}`).join(' + ') || '0u';
  const b = k.body;
  const depth = b.let('dp', `i32(${k.dim(yd[axis]!)})`);
  const raw = loadClamped(k, idx!, src);
  const q = b.let('q', ri === 'f32' ? `i32(trunc(${raw}))` : ri === 'u32' ? `i32(${raw})` : raw);
  const qq = b.let('qq', `select(${q}, ${q} + ${depth}, ${q} < 0i)`);
  return b.let('v', `select(${k.load(values!, '0u')}, ${k.load(values!, '1u')}, ${qq} == i32(${c[axis]}))`);
}

export const INDEX_OPS_KERNEL: MapKernel = {
  kind: 'map',
  pointwise: () => [],
  reads: (op) => (op.name === 'one_hot' ? [0, 2] : [0, 1, 2]),
  value: (k, op, i) => (op.name === 'one_hot' ? oneHot(k, op, i) : scatterElements(k, op, i)),
};

export const INDEX_OPS: readonly string[] = ['scatter_elements', 'one_hot'];
