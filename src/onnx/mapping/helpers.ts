// Shared building blocks for mapping entries.

import type { AttrValue } from '../../../ir/ir.js';
import { getOpDef } from '../../../ir/op-def.js';
import { dtypeFromOnnx } from '../dtypes.js';
import type { Lowerer, Lowering, OnnxNodeView, OpMapping } from '../mapping-api.js';

export interface DirectOptions {
  /** ONNX attribute name -> IR attribute name. */
  readonly rename?: Readonly<Record<string, string>>;
  /** ONNX attributes to ignore (e.g. ones with no effect in inference). */
  readonly drop?: readonly string[];
  /** Extra IR attributes to set. */
  readonly set?: Readonly<Record<string, AttrValue>>;
}

/**
 * Convert a node's attributes to the IR op's schema: renames, drops, ONNX dtype codes -> dtypes,
 * and rejects attributes the IR op does not know (a silently ignored attribute is a wrong answer).
 */
export function convertAttrs(irOp: string, node: OnnxNodeView, b: Lowerer, opts: DirectOptions = {}): Record<string, AttrValue> {
  const def = getOpDef(irOp);
  if (!def) throw new Error(`mapping refers to unknown IR op '${irOp}'`);
  const out: Record<string, AttrValue> = {};
  for (const [onnxName, value] of node.attrs) {
    if (opts.drop?.includes(onnxName)) continue;
    const name = opts.rename?.[onnxName] ?? onnxName;
    const spec = def.attrs[name];
    if (!spec) b.fail(`attribute '${onnxName}' is not supported on ${node.opType}`);
    if (spec.kind === 'dtype' && value.kind === 'int') {
      const d = dtypeFromOnnx(value.value);
      if (!d) b.fail(`attribute '${onnxName}': unsupported ONNX data type ${value.value}`);
      out[name] = { kind: 'dtype', value: d };
    } else if (spec.kind === 'float' && value.kind === 'int') {
      out[name] = { kind: 'float', value: value.value };
    } else if (spec.kind !== value.kind) {
      b.fail(`attribute '${onnxName}' must be ${spec.kind}, got ${value.kind}`);
    } else {
      out[name] = value;
    }
  }
  Object.assign(out, opts.set ?? {});
  return out;
}

/** One ONNX node -> one IR op with the same operands, attributes (converted) and result count. */
export function direct(irOp: string, opts: DirectOptions = {}): Lowering {
  return (node, b) => b.emit(irOp, node.inputs, convertAttrs(irOp, node, b, opts), { results: node.numOutputs });
}

/** Shorthand for a table entry list. */
export const since = (version: number, lower: Lowering): OpMapping => ({ since: version, lower });

/**
 * Refuse a node with more inputs than the operator has at this opset (E207, naming the node). The
 * older forms' lowerings read only the inputs those forms have, so an extra one would be ignored:
 * ReduceMax-13 given axes as an input (an input only from opset 18) reduced over every axis.
 * `became`: the opset where the attribute turned into an input, named in the message.
 */
export function maxInputs(node: OnnxNodeView, b: Lowerer, max: number, became?: { what: string; opset: number }): void {
  let n = node.inputs.length;
  while (n > 0 && node.inputs[n - 1] === null) n--; // trailing '' names: omitted optional inputs
  if (n <= max) return;
  const why = became ? `: '${became.what}' is an attribute before opset ${became.opset}, an input from ${became.opset} on` : '';
  b.fail(`takes at most ${max} input${max === 1 ? '' : 's'} at opset ${node.opset}, got ${n}${why}`, 'E207');
}

/**
 * `lower`, refusing the attributes that became inputs at opset `became` (E204 saying so; the
 * IR op would only call them unknown).
 */
export function attrsNowInputs(names: readonly string[], became: number, lower: Lowering): Lowering {
  return (node, b) => {
    const moved = names.find((n) => node.attrs.has(n));
    if (moved !== undefined) b.fail(`'${moved}' is an input from opset ${became} on, not an attribute (this model imports opset ${node.opset})`);
    return lower(node, b);
  };
}

/** Refuse (E204) every attribute not in `known`, graph-valued ones too (for hand-written lowerings). */
export function onlyAttrs(node: OnnxNodeView, b: Lowerer, known: readonly string[]): void {
  for (const k of [...node.attrs.keys(), ...node.graphAttrs]) if (!known.includes(k)) b.fail(`attribute '${k}' is not supported on ${node.opType}`);
}

/** An int attribute; `dflt` undefined: required. */
export function intAttr(node: OnnxNodeView, b: Lowerer, name: string, dflt?: number): number {
  const a = node.attrs.get(name);
  if (a === undefined) return dflt ?? b.fail(`${node.opType} needs the int attribute '${name}'`);
  if (a.kind !== 'int') return b.fail(`attribute '${name}' must be an int, got ${a.kind}`);
  return a.value;
}

/** A float attribute (an int is taken as a float); `dflt` undefined: required. */
export function floatAttr(node: OnnxNodeView, b: Lowerer, name: string, dflt?: number): number {
  const a = node.attrs.get(name);
  if (a === undefined) return dflt ?? b.fail(`${node.opType} needs the float attribute '${name}'`);
  if (a.kind !== 'float' && a.kind !== 'int') return b.fail(`attribute '${name}' must be a float, got ${a.kind}`);
  return a.value;
}
