// fuse: producer-consumer grouping of ops into `fused` ops (ir/ops/fused.ts), each of which a
// backend emits as one kernel.
//
// What it forms (passes/fuse-groups.ts has the rules, passes/fuse-build.ts the rewrite):
// - contraction: matmul/gemm/conv with its epilogue (bias add, activation, clip, residual add,
//   the GELU erf chain) and injective prologue (a transpose or gather feeding it); after a
//   matmul/gemm, also a last-axis normalisation (residual add + LayerNormalization); with option
//   weight-dequant (webgpu turns it on), the dequantize_linear of a weight that only a matmul's B
//   reads (4-bit LLM projections), which that backend's matmul decodes as it loads B;
// - attention: matmul (QK^T) -> scale -> mask add -> softmax -> matmul (V), plus epilogue, and
//   (option qkv-projections) the Q/K/V projections that only it reads, as onnxruntime's
//   Attention op does;
// - reduction: softmax, layer/group normalisation, pools and reduce_* with elementwise prologue
//   and epilogue (embedding gathers + adds + LayerNormalization; decomposed mean/variance);
// - elementwise: chains of elementwise, broadcast and injective (reshape, transpose, ...) ops;
// - shape: arithmetic on small integer tensors (shape -> gather -> unsqueeze -> concat), kept apart
//   from data kernels because it runs on the host.
// Consts, ops with regions, random/impure ops and opaque ops stay outside. Small inline constants
// are copied into the groups that read them; weights stay outside as operands.
//
// Assumes: a verified module (canonicalize/fold-constants/cse/dce ideally ran first).
// Keeps: the interpreter's results bit for bit (a group runs the very same ops on the same values),
// verification, determinism (groups are seeded in program order). No group exceeds `max-ops`, a
// group never depends on its own results through outside ops, and a value used outside its group
// is a result of the fused op (under its old name). Control-flow bodies are fused too, each on its
// own; a fused region is never fused again, so running the pass twice changes nothing.

import type { Func, Module, Op, Region } from '../ir/ir.js';
import { getOpDef } from '../ir/op-def.js';
import { buildFused, NameTable, stableTopoSort } from './fuse-build.js';
import { GroupFinder, type GroupOptions, RegionGraph } from './fuse-groups.js';
import type { Pass, PassResult } from './pass.js';

/**
 * Kernels a function would launch: every op except consts and terminators, where a `fused` op counts
 * once and a control-flow op (if/loop/scan) counts the kernels of its bodies instead of itself.
 */
export function countKernels(func: Func): number {
  return regionKernels(func.body);
}

function regionKernels(region: Region): number {
  let n = 0;
  for (const op of region.ops) {
    const def = getOpDef(op.name);
    if (op.name === 'const' || def?.traits.includes('terminator')) continue;
    if (op.name !== 'fused' && op.regions.length > 0) n += op.regions.reduce((s, r) => s + regionKernels(r), 0);
    else n += 1;
  }
  return n;
}

interface Tally { groups: number; opsFused: number; kinds: Map<string, number> }

function fuseRegion(region: Region, names: NameTable, opts: GroupOptions, tally: Tally): void {
  // Bodies of control-flow ops first (their ops are not candidates at this level).
  for (const op of region.ops) {
    if (op.name !== 'fused') for (const r of op.regions) fuseRegion(r, names, opts, tally);
  }
  const graph = new RegionGraph(region);
  const groups = new GroupFinder(graph, opts).run();
  if (groups.length === 0) return;
  const removed = new Set<Op>();
  const priority = new Map<Op, number>(graph.index);
  const touchedConsts = new Set<Op>();
  const replacement = new Map<Op, Op>();
  for (const g of groups) {
    const { fused, movedConsts } = buildFused(graph, g, names);
    for (const m of g.members) removed.add(m);
    for (const c of movedConsts) removed.add(c);
    for (const m of g.members) for (const p of graph.preds.get(m)!) if (p.name === 'const') touchedConsts.add(p);
    const first = Math.min(...g.members.map((m) => graph.index.get(m)!));
    priority.set(fused, first);
    replacement.set(g.members.reduce((a, b) => (graph.index.get(a)! < graph.index.get(b)! ? a : b)), fused);
    tally.groups++;
    tally.opsFused += g.members.length;
    tally.kinds.set(g.kind, (tally.kinds.get(g.kind) ?? 0) + 1);
  }
  const ops: Op[] = [];
  for (const op of region.ops) {
    const f = replacement.get(op);
    if (f) ops.push(f);
    if (!removed.has(op)) ops.push(op);
  }
  // Consts that groups copied and nothing else reads any more.
  const read = new Set<unknown>();
  for (const op of ops) for (const inner of [op, ...op.regions.flatMap((r) => [...walkAll(r)])]) for (const v of inner.operands) read.add(v);
  region.ops = ops.filter((op) => !(touchedConsts.has(op) && op.results.every((r) => !read.has(r))));
  stableTopoSort(region, priority);
}

function* walkAll(region: Region): Generator<Op> {
  for (const op of region.ops) {
    yield op;
    for (const r of op.regions) yield* walkAll(r);
  }
}

export const fusePass: Pass = {
  name: 'fuse',
  summary: 'Group producer-consumer chains (contraction + epilogue, attention, reductions, elementwise) into fused kernels',
  options: {
    'max-ops': { type: 'int', default: 24, summary: 'most ops (consts not counted) in one fused group' },
    'qkv-projections': {
      type: 'bool', default: true,
      summary: 'pull the Q/K/V projections into the attention group (one kernel, like onnxruntime\'s Attention op)',
    },
    'weight-dequant': {
      type: 'bool', default: false,
      summary: 'a dequantize_linear of weights read only as a matmul\'s B joins its group (for backends whose matmul decodes B while loading it: webgpu)',
    },
  },
  run(module: Module, _ctx, options): PassResult {
    const maxOps = Number(options['max-ops'] ?? 24);
    const opts: GroupOptions = { maxOps, qkvProjections: options['qkv-projections'] !== false, dequantPrologue: options['weight-dequant'] === true };
    const tally: Tally = { groups: 0, opsFused: 0, kinds: new Map() };
    let kernels = 0;
    for (const f of module.funcs) {
      if (maxOps >= 2) fuseRegion(f.body, new NameTable(f), opts, tally);
      kernels += countKernels(f);
    }
    const counters: Record<string, number> = { groups: tally.groups, 'ops-fused': tally.opsFused, kernels };
    for (const k of [...tally.kinds.keys()].sort()) counters[`${k}-groups`] = tally.kinds.get(k)!;
    return { changed: tally.groups > 0, counters };
  },
};
