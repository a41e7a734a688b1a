// Shared by the optimum zoo models (models-optimum*.ts): how optimum's merge builds the If of a
// decoder_model_merged.onnx (branch subgraphs over the outer graph's initializers, constants
// hoisted there, transformers.js' quantize_dynamic over both branches) and the bool input.

import type { InitializerSpec, NodeSpec, ValueSpec } from '../../src/onnx/writer.js';
import { Graph, type ZooInput } from './graph.js';
import { quantizeDynamic } from './quant-rewrite.js';

/**
 * The bool `use_cache_branch` input: its value is the binding's `use_cache` (0 or 1). ZooInput has
 * no bool dtype (graph.ts's makeInputs makes only f32/f16/i64/i32), so the models taking it
 * have their own input maker (optimum-harness.ts) and are not in ZOO yet.
 */
export const USE_CACHE: ZooInput = { name: 'use_cache_branch', dtype: 'bool' as ZooInput['dtype'], shape: [1], equals: 'use_cache' };

/** A branch subgraph: its own node list (names under /then or /else), no inputs, typed outputs. */
export function branch(seed: number, scope: string, build: (g: Graph) => BranchOutput[]): { nodes: NodeSpec[]; outputs: ValueSpec[] } {
  const g = new Graph(seed);
  g.scope = scope;
  const outs = build(g);
  // Each output becomes an Identity named as optimum's sub-graph outputs are (unique per branch).
  for (const o of outs) g.nodes.push({ opType: 'Identity', inputs: [o.value], outputs: [o.name], name: `${scope}/${o.name}_Identity`, attrs: {} });
  if (g.inits.length) throw new Error('branch graphs read the outer initializers only');
  return { nodes: g.nodes, outputs: outs.map((o) => ({ ...o.spec, name: o.name })) };
}

/**
 * Constants as a do_constant_folding export leaves them: initializers, which the merge moves to
 * the outer graph, one per distinct value (both branches' `[-1]`, `[0]`, `1/sqrt 2`, ... shared).
 */
export function hoistConstants(g: Graph, branches: { nodes: NodeSpec[] }[]): void {
  const byValue = new Map<string, string>(), rename = new Map<string, string>();
  for (const b of branches) {
    b.nodes = b.nodes.filter((n) => {
      const v = n.attrs?.['value'];
      if (n.opType !== 'Constant' || !v || typeof v !== 'object' || !('dtype' in v)) return true;
      const key = `${v.dtype}[${v.shape.join(',')}]${Array.from(v.data as ArrayLike<number | bigint>, String).join(',')}`;
      let name = byValue.get(key);
      if (!name) {
        name = `optimum::constant_${byValue.size}`;
        byValue.set(key, name);
        g.inits.push({ name, tensor: v });
      }
      rename.set(n.outputs[0]!, name);
      return false;
    });
  }
  for (const b of branches) b.nodes = b.nodes.map((n) => ({ ...n, inputs: n.inputs.map((x) => rename.get(x) ?? x) }));
}

/**
 * transformers.js' decoder_model_merged_quantized.onnx: quantize_dynamic (QInt8 weights per
 * tensor, MatMulConstBOnly, EnableSubgraph) run over both branches. Each branch's MatMuls with an
 * outer-graph weight become DynamicQuantizeLinear -> MatMulInteger -> Cast -> Mul; the int8
 * weights land once in the outer graph (both branches quantize the same weight alike), and the
 * float weights no node reads any more are dropped (wte stays: Gather and the tied head read it).
 */
export function quantizeBranches(g: Graph, branches: { nodes: NodeSpec[] }[]): void {
  const inits = new Map<string, InitializerSpec>();
  for (const b of branches) {
    const q = quantizeDynamic({ opset: 0, inputs: [], outputs: [], inits: [...g.inits], nodes: b.nodes }, () => 'i8');
    b.nodes = q.nodes;
    for (const i of q.inits) inits.set(i.name, i);
  }
  for (const i of g.inits) inits.set(i.name, i);
  const read = new Set([...g.nodes, ...branches.flatMap((b) => b.nodes)].flatMap((n) => n.inputs));
  g.inits.splice(0, g.inits.length, ...[...inits.values()].filter((i) => read.has(i.name)));
}


/** nn.Linear over outer-graph weight and bias: MatMul + Add. */
export const lin = (g: Graph, x: string, [w, b]: [string, string]): string => g.op('Add', [g.op('MatMul', [x, w]), b]);

/** A decoder's output: `name` in its branch, the value it comes from, its (branch's) type. */
export interface BranchOutput { name: string; value: string; spec: ValueSpec }

/** The merged graph's If: use_cache_branch picks the then (cache) or else branch. */
export function mergedIf(g: Graph, outputs: readonly string[], then: { nodes: NodeSpec[]; outputs: ValueSpec[] }, els: { nodes: NodeSpec[]; outputs: ValueSpec[] }): void {
  g.nodes.push({
    opType: 'If', inputs: ['use_cache_branch'], outputs, name: 'optimum::if',
    attrs: { then_branch: { name: 'then', inputs: [], ...then }, else_branch: { name: 'else', inputs: [], ...els } },
  });
}

/**
 * An encoder-decoder merged export's cache I/O (whisper, t5): per layer past_key_values.L.{decoder,
 * encoder}.{key,value} inputs and present.L.* outputs (after `logits`), self-attention entries
 * over past_decoder_sequence_length (+ decoder_sequence_length for the presents), cross-attention
 * ones over encoder_sequence_length_out.
 */
export function seq2seqCache(layers: number, heads: number, headDim: number): { outNames: string[]; pastInputs: ZooInput[]; presents: ValueSpec[] } {
  const kinds = ['decoder.key', 'decoder.value', 'encoder.key', 'encoder.value'];
  const perLayer = <T>(f: (l: number, k: string) => T): T[] => Array.from({ length: layers }, (_, l) => kinds.map((k) => f(l, k))).flat();
  const selfLen = 'past_decoder_sequence_length + decoder_sequence_length';
  const len = (k: string, self: string): string => (k.startsWith('decoder') ? self : 'encoder_sequence_length_out');
  return {
    outNames: ['logits', ...perLayer((l, k) => `present.${l}.${k}`)],
    pastInputs: perLayer((l, k): ZooInput => ({ name: `past_key_values.${l}.${k}`, dtype: 'f32', shape: ['batch_size', heads, len(k, 'past_decoder_sequence_length'), headDim] })),
    presents: perLayer((l, k): ValueSpec => ({ name: `present.${l}.${k}`, dtype: 'f32', shape: ['batch_size', heads, len(k, selfLen), headDim] })),
  };
}
