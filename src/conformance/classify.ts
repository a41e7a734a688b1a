// Deciding whether an ONNX backend test is in scope, from the model alone. Out of scope (issue 2):
// training ops (domain ai.onnx.preview.training), the ai.onnx.ml domain (but for the ml ops that
// are plain tensor arithmetic, which the importer maps: src/onnx/mapping/ml.ts), string tensors, and
// sequence/optional values. Everything else must run: a test is skipped only with one of these
// stated reasons, never because an op is unsupported.
//
// The check walks subgraphs too (If/Loop/Scan bodies and model-local functions), since a sequence
// or string value inside a body is just as out of scope as one at the top level.

import type { GraphProto, ModelProto, NodeProto, ValueInfoProto } from '../onnx/decode.js';
import { ML_MAPPINGS } from '../onnx/mapping/ml.js';

const STRING = 8; // TensorProto.DataType.STRING

/**
 * Ops whose results are sequences or optionals. Ops that only consume them (SequenceAt,
 * OptionalGetElement, ...) are not listed: their operand is then either a typed graph input or the
 * result of one of these, both caught; OptionalGetElement on a plain tensor holds no optional value
 * and is in scope.
 */
const SEQUENCE_OPS = new Set([
  'SequenceConstruct', 'SequenceEmpty', 'SequenceInsert', 'SequenceErase', 'SplitToSequence', 'SequenceMap', 'Optional',
]);

export interface ModelFacts {
  /** Distinct op types (`domain:op` outside the default domain) of the top-level graph, sorted. */
  readonly opTypes: readonly string[];
  /** Why the test is out of scope, or null. */
  readonly skipReason: string | null;
}

type TypeProto = NonNullable<ValueInfoProto['type']>;

/** What makes a value type out of scope, or null for an in-scope tensor type. */
function typeProblem(t: TypeProto | null | undefined): string | null {
  if (!t) return null;
  if (t.sequenceType) return 'a sequence';
  if (t.optionalType) return 'an optional';
  if (t.mapType) return 'a map';
  if (t.tensorType && t.tensorType.elemType === STRING) return 'a string tensor';
  if (t.sparseTensorType && t.sparseTensorType.elemType === STRING) return 'a string tensor';
  return null;
}

const isDefaultDomain = (d: string | null | undefined): boolean => !d || d === 'ai.onnx';

function nodeProblem(n: NodeProto): string | null {
  const domain = n.domain ?? '';
  if (domain === 'ai.onnx.preview.training') return `training op ${n.opType} (domain ai.onnx.preview.training)`;
  if (domain === 'ai.onnx.ml' && !(`ai.onnx.ml:${n.opType}` in ML_MAPPINGS)) return `op ${n.opType} is in the ai.onnx.ml domain`;
  if (isDefaultDomain(domain) && SEQUENCE_OPS.has(n.opType ?? '')) return `op ${n.opType} makes a sequence/optional value`;
  for (const a of n.attribute ?? []) {
    if (a.t && a.t.dataType === STRING) return `string tensor attribute '${a.name}' on ${n.opType}`;
    if (a.strings && a.strings.length > 0 && n.opType === 'Constant') return `string tensor constant (${n.opType}.${a.name})`;
    for (const g of [a.g, ...(a.graphs ?? [])]) {
      const p = g ? graphProblem(g, `subgraph '${a.name}' of ${n.opType}`) : null;
      if (p) return p;
    }
  }
  return null;
}

function graphProblem(g: GraphProto, where: string): string | null {
  const values: [string, readonly ValueInfoProto[]][] = [
    ['input', g.input ?? []], ['output', g.output ?? []], ['value', g.valueInfo ?? []],
  ];
  for (const [kind, list] of values) {
    for (const v of list) {
      const p = typeProblem(v.type);
      if (p) return `${where}: ${kind} '${v.name}' is ${p}`;
    }
  }
  for (const t of g.initializer ?? []) {
    if (t.dataType === STRING) return `${where}: initializer '${t.name}' is a string tensor`;
  }
  for (const n of g.node ?? []) {
    const p = nodeProblem(n);
    if (p) return where === 'graph' ? p : `${where}: ${p}`;
  }
  return null;
}

/** Facts about a decoded model used to skip and to group tests. */
export function inspectModel(m: ModelProto): ModelFacts {
  const g = m.graph!;
  const ops = new Set<string>();
  for (const n of g.node ?? []) ops.add(isDefaultDomain(n.domain) ? n.opType ?? '' : `${n.domain}:${n.opType}`);
  let skipReason = graphProblem(g, 'graph');
  for (const f of m.functions ?? []) {
    if (skipReason) break;
    for (const n of f.node ?? []) {
      const p = nodeProblem(n);
      if (p) { skipReason = `function ${f.name}: ${p}`; break; }
    }
  }
  return { opTypes: [...ops].sort(), skipReason };
}
