// Data movement as map kernels: each result element is read from one computed input index.
// Reshape-like ops read the same flat index (so they chain for free); transpose, slice, gather,
// concat compute the input index from the result's coordinates; shape writes the (bound) dims.
// Every computed index is clamped into its buffer, so no access leaves it for any shape.

import type { Op, Value } from '../../../../ir/ir.js';
import { toNumbers } from '../../../../ir/tensor.js';
import { coords, intAttr, type KernelCtx, type MapKernel, strides } from '../kernel-api.js';
import { castExpr } from '../storage.js';
import { addU, f32Lit, i32Lit, literal, mulU, REG, u32 } from '../wgsl.js';
import { wrapIndex } from '../index-check.js';
import { axisOf, clampIndex, groupedSumU, loadClamped, sumU } from './common.js';

export const COPY_KERNEL: MapKernel = {
  kind: 'map', flat: true,
  pointwise: () => [0],
  reads: () => [0],
  value: (k, op, i) => {
    if (op.name === 'dropout' && op.results.length > 1) k.fail(op, 'dropout with a mask output is not supported by the webgpu backend');
    return k.operand(op, 0, i);
  },
};

export const CAST_KERNEL: MapKernel = {
  kind: 'map',
  pointwise: () => [0],
  reads: () => [0],
  value: (k, op, i) => {
    const from = op.operands[0]!.type.dtype, to = op.results[0]!.type.dtype;
    // Cast's saturate (float8 targets) and round_mode (float8e8m0) attributes; cast_like's too.
    const e = castExpr(k.operand(op, 0, i), from, to, intAttr(op, 'saturate', 1) !== 0, String(op.attrs.get('round_mode')?.value ?? 'up'));
    if (e === undefined) return k.fail(op, `cast from ${from} to ${to} is not supported by the webgpu backend`);
    return k.body.let('v', e);
  },
};

/** Expand: operand 0 broadcast to the result (the shape operand only fixed the result type). */
export const EXPAND_KERNEL: MapKernel = { kind: 'map', pointwise: () => [0], reads: () => [0], value: (k, op, i) => k.operand(op, 0, i) };

export const TRANSPOSE_KERNEL: MapKernel = {
  kind: 'map',
  pointwise: () => [],
  value: (k, op, i) => {
    const x = op.operands[0]!;
    const xd = k.dims(x);
    const perm = (op.attrs.get('perm')?.value as number[] | undefined) ?? xd.map((_d, a) => xd.length - 1 - a);
    const c = coords(k, i, k.dims(op.results[0]!));
    const xs = strides(k, xd);
    return k.load(x, k.body.let('src', sumU(perm.map((p, a) => mulU(c[a]!, xs[p]!)))));
  },
  scatter: (k, op, i) => {
    const xd = k.dims(op.operands[0]!);
    const perm = (op.attrs.get('perm')?.value as number[] | undefined) ?? xd.map((_d, a) => xd.length - 1 - a);
    const c = coords(k, i, xd, 'tc');
    const ys = strides(k, k.dims(op.results[0]!));
    // Nested addU, not sumU: the golden shaders (test/backends/webgpu/golden) spell this index so.
    return perm.map((p, a) => mulU(c[p]!, ys[a]!)).reduce((e, t) => addU(e, t), '0u');
  },
};

export const SLICE_KERNEL: MapKernel = {
  kind: 'map',
  pointwise: () => [],
  // starts, axes and steps are compile-time constants; the sizes come from the result type.
  reads: () => [0],
  value: (k, op, i) => {
    const [x, starts, , axesV, stepsV] = op.operands;
    const xd = k.dims(x!);
    const st = k.constant(starts!), ax = axesV ? k.constant(axesV) : undefined, sp = stepsV ? k.constant(stepsV) : undefined;
    if (!st || (axesV && !ax) || (stepsV && !sp)) k.fail(op, 'slice needs constant starts, axes and steps in the webgpu backend');
    const s0 = toNumbers(st!);
    const axes = ax ? toNumbers(ax).map((a) => (a < 0 ? a + xd.length : a)) : s0.map((_v, j) => j);
    const steps = sp ? toNumbers(sp) : s0.map(() => 1);
    const start = xd.map(() => 0), step = xd.map(() => 1);
    axes.forEach((a, j) => {
      let s = s0[j]!;
      const d = xd[a]!, dir = steps[j]!;
      if (typeof d === 'number') {
        if (s < 0) s += d;
        s = dir > 0 ? Math.min(Math.max(s, 0), d) : Math.min(Math.max(s, -1), d - 1);
      } else if (s < 0 || s >= 2 ** 31) k.fail(op, `slice start ${s} on symbolic dim ${d} is not supported by the webgpu backend`);
      start[a] = s; step[a] = dir;
    });
    const c = coords(k, i, k.dims(op.results[0]!));
    const xs = strides(k, xd);
    // start + c * step as i32 (steps may be negative), then into the buffer's range.
    const terms = xd.map((_d, a) => {
      const idx = start[a] === 0 && step[a] === 1 ? c[a]! : `u32(${start[a]}i + i32(${c[a]}) * ${step[a]}i)`;
      return mulU(idx, xs[a]!);
    });
    return k.load(x!, k.body.let('src', clampIndex(k, x!, sumU(terms))));
  },
};

export const GATHER_KERNEL: MapKernel = {
  kind: 'map',
  pointwise: () => [],
  value: (k, op, i) => {
    const [data, idx] = op.operands;
    const dd = k.dims(data!), id = k.dims(idx!);
    const axis = axisOf(op, dd.length, 0);
    if (REG[idx!.type.dtype] !== 'i32') k.fail(op, 'gather indices must be i32 or i64');
    const c = coords(k, i, k.dims(op.results[0]!));
    const q = c.slice(axis, axis + id.length);
    const qi = groupedSumU(q.map((cq, a) => mulU(cq, strides(k, id)[a]!)));
    const K = k.dim(dd[axis]!);
    // Negative indices count from the end; out-of-range ones are reported (the runtime refuses
    // the run) and clamped, so every read stays in bounds (index-check.ts).
    const jj = wrapIndex(k, op, k.load(idx!, qi), K);
    const ds = strides(k, dd);
    const outer = c.slice(0, axis), inner = c.slice(axis + id.length);
    const terms = [...outer.map((cc, a) => mulU(cc, ds[a]!)), mulU(jj, ds[axis]!), ...inner.map((cc, a) => mulU(cc, ds[axis + 1 + a]!))];
    return k.load(data!, k.body.let('src', sumU(terms)));
  },
};

export const CONCAT_KERNEL: MapKernel = {
  kind: 'map',
  pointwise: () => [],
  value: (k, op, i) => {
    const y = op.results[0]!;
    const yd = k.dims(y);
    const axis = axisOf(op, yd.length, 0);
    const c = coords(k, i, yd);
    const reg = REG[y.type.dtype]!;
    const v = k.body.var('v', reg);
    let lo = '0u';
    // Empty operands add nothing (and their index arithmetic would not compile).
    const parts = op.operands.filter((x): x is Value => x !== null && !k.dims(x).includes(0));
    parts.forEach((x, n) => {
      const xd = k.dims(x);
      const hi = addU(lo, k.dim(xd[axis]!));
      const xs = strides(k, xd);
      const at = lo;
      const body = (): void => {
        const terms = xd.map((_d, a) => mulU(a === axis ? `(${c[a]} - ${at})` : c[a]!, xs[a]!));
        k.body.line(`${v} = ${loadClamped(k, x, sumU(terms))};`);
      };
      if (n === parts.length - 1) k.body.block(n === 0 ? 'if (true)' : 'else', body);
      else k.body.block(`${n === 0 ? 'if' : 'else if'} (${c[axis]} < ${hi})`, body);
      lo = hi;
    });
    return v;
  },
};

export const SHAPE_KERNEL: MapKernel = {
  kind: 'map',
  pointwise: () => [],
  reads: () => [],
  value: (k, op, i) => {
    const xd = k.dims(op.operands[0]!);
    const r = xd.length;
    const norm = (v: number): number => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
    const start = norm(intAttr(op, 'start', 0)), end = norm(intAttr(op, 'end', r));
    const dims = xd.slice(start, end).map((d) => `i32(${k.dim(d)})`);
    if (dims.length === 0) return '0i';
    const a = k.body.var('dims', `array<i32, ${dims.length}>`, `array<i32, ${dims.length}>(${dims.join(', ')})`);
    return k.body.let('v', `${a}[min(${i}, ${u32(dims.length - 1)})]`);
  },
};

/** size: the element count of the operand, from its (possibly symbolic) dims; no data read. */
export const SIZE_KERNEL: MapKernel = {
  kind: 'map',
  pointwise: () => [],
  reads: () => [],
  emptyOperands: true,
  value: (k, op) => {
    const dims = k.dims(op.operands[0]!).map((d) => `i32(${k.dim(d)})`);
    return dims.length === 0 ? '1i' : k.body.let('v', dims.join(' * '));
  },
};

/** gather_elements: indices have the result's shape; the axis coordinate comes from them. */
export const GATHER_ELEMENTS_KERNEL: MapKernel = {
  kind: 'map',
  pointwise: () => [],
  value: (k, op, i) => {
    const [data, idx] = op.operands;
    const dd = k.dims(data!);
    const axis = axisOf(op, dd.length, 0);
    if (REG[idx!.type.dtype] !== 'i32') k.fail(op, 'gather_elements indices must be i32 or i64');
    const c = coords(k, i, k.dims(op.results[0]!));
    const K = k.dim(dd[axis]!);
    const jj = wrapIndex(k, op, k.load(idx!, i), K);
    const ds = strides(k, dd);
    return k.load(data!, k.body.let('src', sumU(c.map((cc, a) => mulU(a === axis ? jj : cc, ds[a]!)))));
  },
};

/** trilu: keep the upper (j - i >= k) or lower (j - i <= k) triangle of the last two dims. */
export const TRILU_KERNEL: MapKernel = {
  kind: 'map',
  pointwise: () => [0],
  value: (k, op, i) => {
    const y = op.results[0]!;
    // k: a constant folded into the shader, or read from its (i64) buffer at run time.
    const kv = op.operands[1];
    const kt = kv ? k.constant(kv) : null;
    const kk = kt === null ? '0i' : kt ? i32Lit(Number(toNumbers(kt)[0])) : k.body.let('kk', k.load(kv!, '0u'));
    const yd = k.dims(y);
    const c = coords(k, i, yd.slice(-2).length === 2 ? yd : [1, ...yd]);
    const r = c[c.length - 2]!, col = c[c.length - 1]!;
    const upper = intAttr(op, 'upper', 1) !== 0;
    const keep = `(i32(${col}) - i32(${r}) ${upper ? '>=' : '<='} ${kk})`;
    const reg = REG[y.type.dtype]!;
    return k.body.let('v', `select(${reg === 'bool' ? 'false' : `${reg}(0)`}, ${k.operand(op, 0, i)}, ${keep})`);
  },
};

/** split: result r is the slab of operand 0 along the axis after the results before it. */
export const SPLIT_KERNEL: MapKernel = {
  kind: 'map', multi: true,
  pointwise: () => [],
  reads: () => [0],
  value: (k, op, i, result = 0) => {
    const x = op.operands[0]!;
    const xd = k.dims(x);
    const axis = axisOf(op, xd.length, 0);
    const before = op.results.slice(0, result).map((r) => k.dims(r)[axis]!);
    const at = before.reduce<string>((a, d) => addU(a, k.dim(d)), '0u');
    const c = coords(k, i, k.dims(op.results[result]!));
    const xs = strides(k, xd);
    return k.load(x, k.body.let('src', sumU(c.map((cc, a) => mulU(a === axis ? addU(cc, at) : cc, xs[a]!)))));
  },
};

/** range: start + i * delta (the length comes from the result type, so a symbolic one works). */
export const RANGE_KERNEL: MapKernel = {
  kind: 'map',
  pointwise: () => [],
  reads: () => [0, 2],
  value: (k, op, i) => {
    const [start, , delta] = op.operands;
    const reg = REG[op.results[0]!.type.dtype];
    if (reg !== 'f32' && reg !== 'i32') k.fail(op, `range on ${op.results[0]!.type.dtype} is not supported by the webgpu backend`);
    const scalar = (v: Value): string => {
      const t = k.constant(v);
      return t ? (reg === 'f32' ? f32Lit(Number(t.data[0])) : i32Lit(Number(t.data[0]))) : k.load(v, '0u');
    };
    return k.body.let('v', `${scalar(start!)} + ${reg}(${i}) * ${scalar(delta!)}`);
  },
};

/** constant_of_shape: every element is the `value` attribute (default f32 0). */
export const CONSTANT_OF_SHAPE_KERNEL: MapKernel = {
  kind: 'map',
  pointwise: () => [],
  reads: () => [],
  value: (k, op) => {
    const a = op.attrs.get('value');
    const t = a?.kind === 'tensor' ? a.value : undefined;
    const reg = REG[op.results[0]!.type.dtype];
    if (!reg) k.fail(op, `constant_of_shape of ${op.results[0]!.type.dtype} is not supported by the webgpu backend`);
    return literal(t ? Number(t.data[0]) : 0, reg);
  },
};
