// onnxruntime's side of the benchmark: let onnxruntime-node optimise a model fully (CPU execution
// provider, graphOptimizationLevel 'all'), save the optimised graph, and count its nodes.
//
// The count is made comparable with tenth's kernel count (passes/fuse.ts countKernels):
// - `Constant` nodes are not counted (tenth does not count consts; ORT folds them into
//   initializers anyway);
// - a node with graph attributes (If, Loop, Scan) counts the nodes of its bodies instead of itself.
// Everything else counts one, including ORT's layout nodes (com.microsoft.nchwc:ReorderInput/Output)
// and the shape arithmetic it could not fold: each is a kernel ORT launches.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeModel, type GraphProto, type NodeProto } from '../../src/onnx/decode.js';

export interface NodeCount {
  /** Nodes ORT would run, counted as described above. */
  readonly nodes: number;
  /** The same nodes by op type (`domain:OpType` outside the default domain), keys sorted. */
  readonly byOp: Readonly<Record<string, number>>;
}

const DEFAULT_DOMAINS = new Set(['', 'ai.onnx']);

/** `Conv`, or `com.microsoft.nchwc:Conv` outside the default domain. */
export function opKey(node: NodeProto): string {
  const domain = node.domain ?? '';
  return DEFAULT_DOMAINS.has(domain) ? String(node.opType) : `${domain}:${String(node.opType)}`;
}

function subgraphs(node: NodeProto): GraphProto[] {
  const out: GraphProto[] = [];
  for (const a of node.attribute ?? []) {
    if (a.g) out.push(a.g);
    for (const g of a.graphs ?? []) out.push(g);
  }
  return out;
}

function tally(graph: GraphProto, counts: Map<string, number>): void {
  for (const node of graph.node ?? []) {
    const bodies = subgraphs(node);
    if (bodies.length > 0) {
      for (const g of bodies) tally(g, counts);
      continue;
    }
    if (opKey(node) === 'Constant') continue;
    counts.set(opKey(node), (counts.get(opKey(node)) ?? 0) + 1);
  }
}

/** Count the nodes of an ONNX graph the way the benchmark compares them with tenth's kernels. */
export function countGraphNodes(graph: GraphProto): NodeCount {
  const counts = new Map<string, number>();
  tally(graph, counts);
  const keys = [...counts.keys()].sort();
  const byOp: Record<string, number> = {};
  let nodes = 0;
  for (const k of keys) {
    byOp[k] = counts.get(k)!;
    nodes += counts.get(k)!;
  }
  return { nodes, byOp };
}

/** Count the nodes of a serialised ONNX model. */
export function countModelNodes(bytes: Uint8Array, file = 'model.onnx'): NodeCount {
  return countGraphNodes(decodeModel(bytes, file).graph!);
}

export interface OrtResult extends NodeCount {
  /** Session creation time (includes ORT's graph optimisation and saving the model), ms. */
  readonly sessionMs: number;
}

/**
 * Optimise a model with onnxruntime-node and count the nodes of the saved graph. The optimised model
 * goes to a temporary folder that is removed afterwards. onnxruntime-node is loaded on first use so
 * the pure helpers above work without its native binding.
 */
export async function ortOptimisedCount(modelPath: string): Promise<OrtResult> {
  // onnxruntime-node is CommonJS; require it so the named exports do not depend on the ESM loader.
  const { InferenceSession } = createRequire(import.meta.url)('onnxruntime-node') as typeof import('onnxruntime-node');
  const dir = mkdtempSync(join(tmpdir(), 'tenth-bench-ort-'));
  try {
    const optimizedModelFilePath = join(dir, 'optimised.onnx');
    const t0 = performance.now();
    const session = await InferenceSession.create(modelPath, {
      graphOptimizationLevel: 'all',
      optimizedModelFilePath,
      executionProviders: ['cpu'],
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      // Level 3 = errors only: ORT warns that an NCHWc-optimised model is specific to this CPU,
      // which is expected here (the saved model is only counted).
      logSeverityLevel: 3,
    });
    const sessionMs = performance.now() - t0;
    await session.release();
    return { ...countModelNodes(readFileSync(optimizedModelFilePath), optimizedModelFilePath), sessionMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
