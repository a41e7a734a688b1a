// ONNX model -> IR module with one function `main`. Arguments are the graph inputs that are not
// initializers, results the graph outputs (Func.resultNames = ONNX output names), value names the
// ONNX tensor names. Before anything is lowered, every node (subgraphs included) is checked against
// the mapping table so that all unsupported operators are reported at once (E201).

import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { type Diagnostic, diag, fail, TenthError } from '../../ir/diagnostics.js';
import { Func, Module, Region, Value } from '../../ir/ir.js';
import { nodeLoc } from '../../ir/location.js';
import '../../ir/ops/index.js';
import { valueInfoType } from './attributes.js';
import { decodeModel, plainBytes, type FunctionProto, type GraphProto, toNum } from './decode.js';
import { FunctionInliner, normDomain, opsetMap } from './functions.js';
import { ImportState, importGraphBody, pickMapping, Scope } from './graph.js';
import { nodeLabel } from './graph-order.js';
import { FileWeightStore } from './weights.js';

export interface ImportOptions {
  /** Module name (default: the file name without `.onnx`). */
  name?: string;
}

export function importOnnxFile(path: string, opts: ImportOptions = {}): Module {
  if (!existsSync(path)) fail('E101', `file not found: ${path}`);
  let bytes: Uint8Array;
  try {
    bytes = plainBytes(readFileSync(path));
  } catch (e) {
    return fail('E102', `cannot read ${path}: ${(e as Error).message}`);
  }
  return importOnnxBytes(bytes, { file: path, baseDir: dirname(path), name: opts.name });
}

/** `file` names the model (its basename is used in locations and as the weights' file path). */
export function importOnnxBytes(bytes: Uint8Array, opts: { file: string; baseDir: string; name?: string }): Module {
  const file = basename(opts.file);
  bytes = plainBytes(bytes);
  const model = decodeModel(bytes, file);
  const graph = model.graph!;
  const module = new Module(opts.name ?? file.replace(/\.onnx$/, ''));
  const opsets = opsetMap(model.opsetImport);
  if (!opsets.has('')) opsets.set('', 1); // IR v1/v2 models had no opset_import
  module.meta.set('ir_version', String(toNum(model.irVersion)));
  module.meta.set('opset', String(opsets.get('')));
  if (model.producerName) module.meta.set('producer', `${model.producerName}${model.producerVersion ? ` ${model.producerVersion}` : ''}`);
  module.store = new FileWeightStore(opts.baseDir, new Map([[file, bytes]]));

  const inliner = new FunctionInliner((model.functions ?? []) as FunctionProto[], file);
  const st = new ImportState(module, file, opts.baseDir, bytes, opsets, inliner);
  checkSupported(st, graph);

  const graphLoc = nodeLoc(file, graph.name ?? '');
  const initNames = new Set((graph.initializer ?? []).map((t) => t.name ?? ''));
  const body = new Region();
  const scope = new Scope(st, null, body);
  for (const vi of graph.input ?? []) {
    const name = vi.name ?? '';
    if (initNames.has(name)) continue; // IR < 4 lists initializers as inputs too: they are constants
    const type = valueInfoType(vi, graphLoc);
    if (!type) fail('E207', `graph input '${name}' has no tensor type`, graphLoc);
    const v = new Value(st.uniqueName(name), type);
    body.args.push(v);
    scope.vals.set(name, v);
  }
  importGraphBody(scope, graph, 'return', graphLoc);
  module.funcs.push(new Func('main', body, (graph.output ?? []).map((o) => o.name ?? '')));
  return module;
}

/** Report every node without a mapping at the model's opset, grouped by op type (E201). */
function checkSupported(st: ImportState, graph: GraphProto): void {
  const missing = new Map<string, { opType: string; domain: string; opset: number | undefined; nodes: string[] }>();
  const walk = (g: GraphProto, prefix: string): void => {
    st.inliner.nodes(g).forEach((n, i) => {
      const label = nodeLabel(n, i, prefix);
      const domain = normDomain(n.domain);
      const opType = n.opType ?? '';
      const opset = st.opsetFor(n);
      if (!pickMapping(domain, opType, opset)) {
        const key = `${domain}:${opType}:${opset}`;
        const e = missing.get(key) ?? { opType, domain, opset, nodes: [] };
        e.nodes.push(label);
        missing.set(key, e);
      }
      for (const a of n.attribute ?? []) for (const sg of [a.g, ...(a.graphs ?? [])]) if (sg) walk(sg, `${label}/${a.name}/`);
    });
  };
  walk(graph, '');
  if (missing.size === 0) return;
  const diags: Diagnostic[] = [...missing.keys()].sort().map((k) => {
    const e = missing.get(k)!;
    const op = `${e.domain ? `${e.domain}:` : ''}${e.opType}`;
    const where = e.opset === undefined ? `domain '${e.domain}' is not imported by the model` : `opset ${e.opset}`;
    const shown = e.nodes.slice(0, 8).map((x) => `"${x}"`).join(', ') + (e.nodes.length > 8 ? `, ... (${e.nodes.length} in all)` : '');
    return diag('E201', `unsupported operator ${op} (${where}), used by ${e.nodes.length} node${e.nodes.length === 1 ? '' : 's'}`,
      nodeLoc(st.file, e.nodes[0]!), [`nodes: ${shown}`]);
  });
  throw new TenthError(diags);
}
