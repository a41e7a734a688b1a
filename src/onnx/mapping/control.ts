// ONNX -> IR mapping entries for the control op family: Constant, If, Loop, Scan.
// Subgraph inputs whose ValueInfo lacks a type get one from the surrounding op (Loop's iteration
// number and condition, carried values, Scan's state and per-step slices).

import { fail } from '../../../ir/diagnostics.js';
import type { Region, Value } from '../../../ir/ir.js';
import { tensorFrom } from '../../../ir/tensor.js';
import type { TensorType } from '../../../ir/types.js';
import { typesEqual } from '../../../ir/types.js';
import { joinTypes } from '../../../ir/ops/control.js';
import type { Lowerer, Lowering, MappingTable } from '../mapping-api.js';
import { since } from './helpers.js';
import { counterLoopTrips } from './loop-trips.js';

/** Constant: exactly one of value / value_float(s) / value_int(s) (/ value_string(s), out of scope). */
const constant: Lowering = (node, b) => {
  const [name, v] = [...node.attrs][0] ?? [];
  if (node.attrs.size !== 1 || !v) return b.fail('Constant needs exactly one value attribute');
  switch (name) {
    case 'value': if (v.kind === 'tensor') return [b.constant(v.value)]; break;
    case 'value_float': if (v.kind === 'float' || v.kind === 'int') return [b.constant(tensorFrom('f32', [], [v.value]))]; break;
    case 'value_floats': if (v.kind === 'floats' || v.kind === 'ints') return [b.constant(tensorFrom('f32', [v.value.length], v.value))]; break;
    case 'value_int': if (v.kind === 'int') return [b.constInts([v.value], [])]; break;
    case 'value_ints': if (v.kind === 'ints' || v.kind === 'floats') return [b.constInts(v.value)]; break;
    case 'value_string': case 'value_strings':
      return fail('E109', 'Constant: string tensors are not supported', node.loc);
  }
  return b.fail(`unsupported attribute '${name}' (${v.kind})`);
};

const ifLowering: Lowering = (node, b) => {
  const regions = [b.region('then_branch', []), b.region('else_branch', [])];
  return b.emit('if', [node.inputs[0]!], {}, { results: node.numOutputs, regions });
};

const yielded = (r: Region): TensorType[] => r.terminator!.operands.map((v) => v!.type);

/**
 * Import a body whose leading args are loop-carried: if what the body yields for them is less
 * precise than what it was given (a dim changes between iterations), import it again with the
 * joined types so that shape rules inside never assume a dim that later changes.
 */
function carriedBody(b: Lowerer, attr: string, fixed: TensorType[], carried: TensorType[], yieldOffset: number, extra: TensorType[] = []): Region {
  let types = carried;
  for (let attempt = 0; ; attempt++) {
    const region = b.region(attr, [...fixed, ...types, ...extra]);
    const out = yielded(region);
    const argTypes = region.args.slice(fixed.length, fixed.length + types.length).map((a) => a.type);
    const joined = argTypes.map((t, i) => (out[i + yieldOffset] ? joinTypes(t, out[i + yieldOffset]!) ?? t : t));
    if (attempt > 0 || joined.every((t, i) => typesEqual(t, argTypes[i]!))) return region;
    b.discardRegion?.(region);
    types = joined;
  }
}

const typeOf = (v: Value | null | undefined, what: string, b: Lowerer): TensorType => v?.type ?? b.fail(`${what} is required`);

const loop: Lowering = (node, b) => {
  const [m, cond, ...init] = node.inputs;
  const carried = init.map((v, i) => typeOf(v, `loop-carried input ${i}`, b));
  const fixed: TensorType[] = [{ dtype: 'i64', shape: [] }, { dtype: 'bool', shape: [] }];
  const body = carriedBody(b, 'body', fixed, carried, 1);
  const trips = counterLoopTrips(b, m, cond, init, body);
  if (trips) return b.emit('loop', [trips, null, ...init], {}, { results: node.numOutputs, regions: [body] });
  return b.emit('loop', [m ?? null, cond ?? null, ...init], {}, { results: node.numOutputs, regions: [body] });
};

const scan: Lowering = (node, b) => {
  const a = node.attrs;
  const m = a.get('num_scan_inputs');
  if (m?.kind !== 'int') return b.fail("missing attribute 'num_scan_inputs'");
  const n = node.inputs.length - m.value;
  const axes = a.get('scan_input_axes')?.value as readonly number[] | undefined;
  const state = node.inputs.slice(0, n).map((v, i) => typeOf(v, `state input ${i}`, b));
  const slices = node.inputs.slice(n).map((v, i): TensorType => {
    const t = typeOf(v, `scan input ${i}`, b);
    if (!t.shape) return t;
    const ax0 = axes?.[i] ?? 0;
    const ax = ax0 < 0 ? ax0 + t.shape.length : ax0;
    return { dtype: t.dtype, shape: t.shape.filter((_, k) => k !== ax) };
  });
  const body = carriedBody(b, 'body', [], state, 0, slices);
  const attrs: Record<string, import('../../../ir/ir.js').AttrValue> = {};
  for (const k of ['num_scan_inputs', 'scan_input_axes', 'scan_input_directions', 'scan_output_axes', 'scan_output_directions']) {
    const v = a.get(k);
    if (v) attrs[k] = v;
  }
  for (const k of a.keys()) if (!(k in attrs)) b.fail(`attribute '${k}' is not supported on Scan`);
  return b.emit('scan', node.inputs, attrs, { results: node.numOutputs, regions: [body] });
};

/**
 * Scan-8 has a batch axis 0 on every input and output (and per-batch sequence_lens). It becomes an
 * outer scan over the batch axis whose body is a Scan-9 over the sequence axis (now axis 0).
 */
const scan8: Lowering = (node, b) => {
  const m = node.attrs.get('num_scan_inputs');
  if (m?.kind !== 'int') return b.fail("missing attribute 'num_scan_inputs'");
  if (!b.buildRegion) return b.fail('Scan-8 needs Lowerer.buildRegion');
  const [lens, ...rest] = node.inputs;
  const n = rest.length - m.value;
  const types = rest.map((v, i) => typeOf(v, `input ${i}`, b));
  const dropAxis = (t: TensorType, ax: number): TensorType => (t.shape ? { dtype: t.dtype, shape: t.shape.filter((_, k) => k !== ax) } : t);
  if (lens) {
    // Only full-length sequences are supported: every sequence_lens entry must equal the scan length.
    const c = b.constantOf(lens);
    const len = types[n]?.shape?.[1];
    if (!c || typeof len !== 'number' || [...c.data].some((x) => Number(x) !== len)) b.fail('sequence_lens shorter than the scan length are not supported', 'E201');
  }
  const perBatch = types.map((t) => dropAxis(t, 0));
  const dirs = node.attrs.get('directions');
  const outer = b.buildRegion(perBatch, (args) => {
    const body = carriedBody(b, 'body', [], perBatch.slice(0, n), 0, perBatch.slice(n).map((t) => dropAxis(t, 0)));
    const inner: Record<string, import('../../../ir/ir.js').AttrValue> = { num_scan_inputs: m };
    if (dirs) inner['scan_input_directions'] = dirs;
    return b.emit('scan', args, inner, { results: node.numOutputs, regions: [body] });
  });
  return b.emit('scan', rest, { num_scan_inputs: { kind: 'int', value: rest.length } }, { results: node.numOutputs, regions: [outer] });
};

export const CONTROL_MAPPINGS: MappingTable = {
  Constant: [since(1, constant)],
  If: [since(1, ifLowering)],
  Loop: [since(1, loop)],
  Scan: [since(8, scan8), since(9, scan)],
};
