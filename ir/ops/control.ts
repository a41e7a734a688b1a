// Op family: control flow with regions (ONNX If, Loop, Scan). Region bodies may read values of
// enclosing regions. Result types join what the regions yield with the initial values: a dim that
// can differ between branches or iterations becomes `?`.

import type { Dim, TensorType } from '../types.js';
import { UNKNOWN_DIM } from '../types.js';
import { defineOps } from '../op-def.js';
import type { Tensor } from '../tensor.js';
import { scalar, sizeOf, zeros } from '../tensor.js';
import { normAxis } from './util.js';
import { dataSymbol, dimExpr, dimSel, exprDim } from '../symbolic.js';
import type { Value } from '../ir.js';

/** The most precise type covering both (dims that disagree become `?`, ranks that disagree unranked). */
export function joinTypes(a: TensorType, b: TensorType): TensorType | undefined {
  if (a.dtype !== b.dtype) return undefined;
  if (a.shape === null || b.shape === null || a.shape.length !== b.shape.length) return { dtype: a.dtype, shape: null };
  return { dtype: a.dtype, shape: a.shape.map((d, i) => (d === b.shape![i] ? d : UNKNOWN_DIM)) };
}

/** Element `index` of `t` along `axis` (that axis removed). */
export function takeAlong(t: Tensor, axis: number, index: number): Tensor {
  const shape = t.shape.filter((_, i) => i !== axis);
  const out = zeros(t.dtype, shape);
  const outer = sizeOf(t.shape.slice(0, axis));
  const inner = sizeOf(t.shape.slice(axis + 1));
  const len = t.shape[axis]!;
  const src = t.data as unknown as ArrayLike<unknown> & { [i: number]: unknown };
  const dst = out.data as unknown as { [i: number]: unknown };
  for (let o = 0; o < outer; o++) {
    const base = (o * len + index) * inner;
    for (let k = 0; k < inner; k++) dst[o * inner + k] = src[base + k];
  }
  return out;
}

/** Stack equally shaped tensors along a new `axis`. `elemShape` is used when the list is empty. */
export function stackAlong(parts: readonly Tensor[], axis: number, dtype: Tensor['dtype'], elemShape: readonly number[]): Tensor {
  const es = parts[0]?.shape ?? elemShape;
  const shape = [...es.slice(0, axis), parts.length, ...es.slice(axis)];
  const out = zeros(dtype, shape);
  const outer = sizeOf(es.slice(0, axis));
  const inner = sizeOf(es.slice(axis));
  const dst = out.data as unknown as { [i: number]: unknown };
  parts.forEach((p, j) => {
    if (p.shape.length !== es.length || p.shape.some((d, i) => d !== es[i])) {
      throw new Error(`scan output ${j} has shape [${p.shape.join(',')}], earlier iterations [${es.join(',')}]`);
    }
    const src = p.data as unknown as { [i: number]: unknown };
    for (let o = 0; o < outer; o++) {
      const base = (o * parts.length + j) * inner;
      for (let k = 0; k < inner; k++) dst[base + k] = src[o * inner + k];
    }
  });
  return out;
}

/**
 * The data symbol of an If condition read straight from a graph input (a bool of one element, as
 * optimum's merged decoders take `use_cache_branch`), else undefined. A value without a defining
 * op is a function or region argument: a region argument's symbol names no input, so the
 * backends refuse it as an unbound dim, as they refuse `?`.
 */
function selectorOf(c: Value | null | undefined): string | undefined {
  if (!c || c.def || c.type.dtype !== 'bool' || /[[\]]/.test(c.name)) return undefined;
  const s = c.type.shape;
  return s && (s.length === 0 || (s.length === 1 && s[0] === 1)) ? dataSymbol(c.name, 0) : undefined;
}

/**
 * Per-dim `sel(cond, then, else)` where the branches disagree (a merged decoder's present length
 * past + seq vs seq): the runtime evaluates it once it has read the condition, so both branches'
 * results keep a size known before any kernel runs. Ranks that disagree stay unranked.
 */
function selectTypes(cond: string, a: TensorType, b: TensorType): TensorType | undefined {
  if (a.dtype !== b.dtype) return undefined;
  if (a.shape === null || b.shape === null || a.shape.length !== b.shape.length) return { dtype: a.dtype, shape: null };
  return { dtype: a.dtype, shape: a.shape.map((d, i) => (d === b.shape![i] ? d : dimSel(cond, d, b.shape![i]!))) };
}

/** The dims of an If result as branch `r` (0 then, 1 else) yields them: each `sel(c, a, b)` picked. */
export function branchDims(shape: readonly Dim[], cond: string | undefined, r: number): Dim[] {
  const pre = cond === undefined ? undefined : `sel(${cond},`;
  return shape.map((d) => {
    if (pre === undefined || typeof d !== 'string' || !d.startsWith(pre)) return d;
    const e = dimExpr(d);
    return e && e.k === 'sel' && e.args[0]!.k === 'sym' && e.args[0]!.name === cond ? exprDim(e.args[r + 1]!) : d;
  });
}

/** The `%cond[0]` symbol an If's result dims select on, if any. */
export const ifSelector = (cond: Value | null | undefined): string | undefined => selectorOf(cond);

const staticOr0 = (s: readonly Dim[] | null): number[] => (s ?? []).map((d) => (typeof d === 'number' ? d : 0));

defineOps(
  {
    name: 'if',
    summary: 'Runs region 0 (then) when the scalar condition is true, else region 1; yields that region\'s values.',
    inputs: [{ name: 'cond' }],
    outputs: [{ name: 'outputs', variadic: true, optional: true }],
    attrs: {},
    regions: 2,
    traits: ['pure'],
    fusion: 'control',
    infer(ctx) {
      const c = ctx.inputs[0]!;
      if (c.dtype !== 'bool') ctx.fail(`condition must be bool, got ${c.dtype}`);
      const a = ctx.regionResults(0), b = ctx.regionResults(1);
      if (a.length !== b.length) ctx.fail(`branches yield ${a.length} and ${b.length} values`);
      if (a.length !== ctx.numResults) ctx.fail(`branches yield ${a.length} values, op has ${ctx.numResults} results`);
      const pick = selectorOf(ctx.op.operands[0]);
      return a.map((t, i) => (pick ? selectTypes(pick, t, b[i]!) : joinTypes(t, b[i]!)) ?? ctx.fail(`result ${i}: branches yield ${t.dtype} and ${b[i]!.dtype}`));
    },
    eval(ctx) {
      const c = ctx.inputs[0]!;
      if (c.data.length !== 1) ctx.fail(`condition has ${c.data.length} elements, expected 1`);
      return ctx.runRegion(c.data[0] ? 0 : 1, []);
    },
  },
  {
    name: 'loop',
    summary: 'ONNX Loop: runs the body while i < max_trip_count and cond; body (i, cond, carried...) -> (cond, carried..., scan...).',
    inputs: [{ name: 'max_trip_count', optional: true }, { name: 'cond', optional: true }, { name: 'initial', variadic: true, optional: true }],
    outputs: [{ name: 'outputs', variadic: true, optional: true }],
    attrs: {},
    regions: 1,
    traits: ['pure'],
    fusion: 'control',
    infer(ctx) {
      const init = ctx.inputs.slice(2);
      const body = ctx.regionResults(0);
      const n = init.length;
      if (body.length < n + 1) ctx.fail(`body yields ${body.length} values, needs at least ${n + 1} (cond + ${n} carried)`);
      if (body.length - 1 !== ctx.numResults) ctx.fail(`body yields ${body.length - 1} values after cond, op has ${ctx.numResults} results`);
      const carried = init.map((t, i) => {
        if (!t) return ctx.fail(`carried value ${i} is omitted`);
        return joinTypes(t, body[i + 1]!) ?? ctx.fail(`carried value ${i}: initial ${t.dtype}, body yields ${body[i + 1]!.dtype}`);
      });
      const scans = body.slice(n + 1).map((t) => ({ dtype: t.dtype, shape: t.shape ? [UNKNOWN_DIM, ...t.shape] : null }));
      return [...carried, ...scans];
    },
    eval(ctx) {
      const [m, c] = ctx.inputs;
      const max = m ? Number(m.data[0]) : Infinity;
      let cond = c ? Boolean(c.data[0]) : true;
      let carried = ctx.inputs.slice(2) as Tensor[];
      const n = carried.length;
      const k = ctx.resultTypes.length - n;
      const scans: Tensor[][] = Array.from({ length: k }, () => []);
      for (let i = 0; i < max && cond; i++) {
        const out = ctx.runRegion(0, [scalar('i64', BigInt(i)), scalar('bool', 1), ...carried]);
        cond = Boolean(out[0]!.data[0]);
        carried = out.slice(1, n + 1);
        out.slice(n + 1).forEach((t, j) => scans[j]!.push(t));
      }
      return [...carried, ...scans.map((parts, j) => {
        const rt = ctx.resultTypes[n + j]!;
        try {
          return stackAlong(parts, 0, rt.dtype, staticOr0(rt.shape).slice(1));
        } catch (e) {
          return ctx.fail((e as Error).message);
        }
      })];
    },
  },
  {
    name: 'scan',
    summary: 'ONNX Scan (opset 9+): iterates the body over slices of the scan inputs, carrying state; stacks the scan outputs.',
    inputs: [{ name: 'inputs', variadic: true }],
    outputs: [{ name: 'outputs', variadic: true }],
    attrs: {
      num_scan_inputs: { kind: 'int', required: true },
      scan_input_axes: { kind: 'ints' },
      scan_input_directions: { kind: 'ints' },
      scan_output_axes: { kind: 'ints' },
      scan_output_directions: { kind: 'ints' },
    },
    regions: 1,
    traits: ['pure'],
    fusion: 'control',
    infer(ctx) {
      const m = ctx.attrs.int('num_scan_inputs');
      const n = ctx.inputs.length - m;
      if (m < 1 || n < 0) ctx.fail(`num_scan_inputs ${m} does not fit ${ctx.inputs.length} operands`);
      const body = ctx.regionResults(0);
      if (body.length < n || body.length !== ctx.numResults) ctx.fail(`body yields ${body.length} values, op has ${ctx.numResults} results and ${n} state values`);
      const inAxes = ctx.attrs.has('scan_input_axes') ? ctx.attrs.ints('scan_input_axes') : [];
      const first = ctx.inputs[n]!;
      let len: Dim = UNKNOWN_DIM;
      if (first.shape) len = first.shape[normAxis(inAxes[0] ?? 0, first.shape.length, ctx.fail)]!;
      const outAxes = ctx.attrs.has('scan_output_axes') ? ctx.attrs.ints('scan_output_axes') : [];
      const states = ctx.inputs.slice(0, n).map((t, i) =>
        joinTypes(t!, body[i]!) ?? ctx.fail(`state ${i}: initial ${t!.dtype}, body yields ${body[i]!.dtype}`));
      const scans = body.slice(n).map((t, j) => {
        if (!t.shape) return { dtype: t.dtype, shape: null };
        const ax = normAxis(outAxes[j] ?? 0, t.shape.length + 1, ctx.fail);
        return { dtype: t.dtype, shape: [...t.shape.slice(0, ax), len, ...t.shape.slice(ax)] };
      });
      return [...states, ...scans];
    },
    eval(ctx) {
      const m = ctx.attrs.int('num_scan_inputs');
      const n = ctx.inputs.length - m;
      const ins = ctx.inputs.slice(n) as Tensor[];
      const get = (name: string, i: number): number => (ctx.attrs.has(name) ? ctx.attrs.ints(name)[i] ?? 0 : 0);
      const inAxes = ins.map((t, i) => normAxis(get('scan_input_axes', i), t.shape.length, ctx.fail));
      const len = ins[0]!.shape[inAxes[0]!]!;
      ins.forEach((t, i) => { if (t.shape[inAxes[i]!] !== len) ctx.fail(`scan input ${i} has length ${t.shape[inAxes[i]!]}, expected ${len}`); });
      let state = ctx.inputs.slice(0, n) as Tensor[];
      const k = ctx.resultTypes.length - n;
      const scans: Tensor[][] = Array.from({ length: k }, () => []);
      for (let t = 0; t < len; t++) {
        const slices = ins.map((x, i) => takeAlong(x, inAxes[i]!, get('scan_input_directions', i) === 1 ? len - 1 - t : t));
        const out = ctx.runRegion(0, [...state, ...slices]);
        state = out.slice(0, n);
        out.slice(n).forEach((x, j) => scans[j]!.push(x));
      }
      return [...state, ...scans.map((parts, j) => {
        const rt = ctx.resultTypes[n + j]!;
        const rank = rt.shape ? rt.shape.length : (parts[0]?.shape.length ?? 0) + 1;
        const axis = normAxis(get('scan_output_axes', j), rank, ctx.fail);
        const ordered = get('scan_output_directions', j) === 1 ? [...parts].reverse() : parts;
        const elem = staticOr0(rt.shape).filter((_, i) => i !== axis);
        try {
          return stackAlong(ordered, axis, rt.dtype, elem);
        } catch (e) {
          return ctx.fail((e as Error).message);
        }
      })];
    },
  },
);
