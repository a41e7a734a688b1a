// Helpers shared by the com.microsoft attention mappings (ms-attention.ts, ms-attention-embed.ts).
import { attr } from '../../../ir/attrs.js';
import type { AttrValue, Value } from '../../../ir/ir.js';
import type { Lowerer, OnnxNodeView } from '../mapping-api.js';

type Kind = AttrValue['kind'];

/** The node's attributes, refusing any outside `known` or of the wrong kind (ints may be floats). */
export function msAttrs(node: OnnxNodeView, b: Lowerer, known: Readonly<Record<string, Kind>>): {
  int(n: string, d: number): number; float(n: string, d?: number): number | undefined; ints(n: string): readonly number[] | undefined;
} {
  for (const [k, v] of node.attrs) {
    const want = known[k];
    if (!want) b.fail(`attribute '${k}' is not supported on ${node.opType}`);
    if (v.kind !== want && !(want === 'float' && v.kind === 'int')) b.fail(`attribute '${k}' must be ${want}, got ${v.kind}`);
  }
  return {
    int: (n, d) => { const v = node.attrs.get(n); return v?.kind === 'int' ? v.value : d; },
    float: (n, d) => { const v = node.attrs.get(n); return v?.kind === 'float' || v?.kind === 'int' ? v.value : d; },
    ints: (n) => { const v = node.attrs.get(n); return v?.kind === 'ints' ? v.value : undefined; },
  };
}

/** Refuse the given optional inputs when present (onnxruntime features not lowered), naming each. */
export function refuseInputs(node: OnnxNodeView, b: Lowerer, names: Readonly<Record<number, string>>): void {
  for (const [i, name] of Object.entries(names)) {
    if (node.inputs[Number(i)]) b.fail(`input '${name}' is not supported on ${node.opType}`, 'E205');
  }
}

/** Dim `axis` of `v` as an i64 scalar computed at run time. */
export function dimScalar(b: Lowerer, v: Value, axis: number): Value {
  return b.emit('gather', [b.emit('shape', [v])[0]!, b.constInts([axis], [])], { axis: attr.int(0) })[0]!;
}

