// Importing one ONNX graph (the main graph or a subgraph) into a region: scopes, initializers,
// node lowering through the mapping table, and naming of results after their ONNX tensors.

import { Builder } from '../../ir/builder.js';
import { fail, TenthError } from '../../ir/diagnostics.js';
import type { AttrValue, Module } from '../../ir/ir.js';
import { Region, Value } from '../../ir/ir.js';
import { type Loc, nodeLoc } from '../../ir/location.js';
import { constantValue } from '../../ir/infer.js';
import { getOpDef } from '../../ir/op-def.js';
import type { Tensor } from '../../ir/tensor.js';
import { encodeBytes, sizeOf, tensorFrom } from '../../ir/tensor.js';
import type { TensorType } from '../../ir/types.js';
import { convertAttr, isGraphAttr, valueInfoType } from './attributes.js';
import type { GraphProto, NodeProto, TensorProto } from './decode.js';
import { type FunctionInliner, NODE_OPSETS, normDomain } from './functions.js';
import { nodeLabel, topoOrder } from './graph-order.js';
import { EMPTY_OPTIONAL, type EmitOptions, type Lowerer, type OnnxNodeView, type OpMapping } from './mapping-api.js';
import { MAPPINGS } from './mapping/index.js';
import { tensorHeader } from './tensor-proto.js';
import { INLINE_MAX_ELEMENTS, initializerValue } from './weights.js';

/** State shared by every graph of one import. */
export class ImportState {
  /** Value names in use (unique per function; subgraphs share their function's names). */
  private readonly names = new Set<string>();
  readonly freeVarCache = new WeakMap<GraphProto, Set<string>>();
  constructor(
    readonly module: Module,
    /** Basename of the model file (locations, weight paths). */
    readonly file: string,
    readonly baseDir: string,
    readonly fileBytes: Uint8Array,
    readonly opsets: ReadonlyMap<string, number>,
    readonly inliner: FunctionInliner,
  ) {}

  /** `base` itself if free, else `base.1`, `base.2`, ...; with `suffixed`, always a numbered name. */
  uniqueName(base: string, suffixed = false): string {
    const b = base || 'v';
    let name = suffixed ? `${b}.1` : b;
    for (let k = suffixed ? 2 : 1; this.names.has(name); k++) name = `${b}.${k}`;
    this.names.add(name);
    return name;
  }
  releaseName(name: string): void { this.names.delete(name); }

  uniqueWeightName(base: string): string {
    let name = base;
    for (let k = 1; this.module.weights.has(name); k++) name = `${base}.${k}`;
    return name;
  }

  opsetFor(node: NodeProto): number | undefined {
    const d = normDomain(node.domain);
    return NODE_OPSETS.get(node)?.get(d) ?? this.opsets.get(d);
  }
}

/** The mapping entry for a node at an opset: greatest `since` <= opset. */
export function pickMapping(domain: string, opType: string, opset: number | undefined): OpMapping | undefined {
  if (opset === undefined) return undefined;
  const entries = MAPPINGS[domain ? `${domain}:${opType}` : opType];
  let best: OpMapping | undefined;
  for (const e of entries ?? []) if (e.since <= opset && (!best || e.since >= best.since)) best = e;
  return best;
}

/** Names visible in one graph: its values, its (lazily materialised) initializers, then the parent's. */
export class Scope {
  readonly vals = new Map<string, Value>();
  readonly inits = new Map<string, TensorProto>();
  readonly builder: Builder;
  constructor(readonly st: ImportState, readonly parent: Scope | null, readonly region: Region) {
    this.builder = new Builder(region, st.module);
  }

  /** Sparse initializers: known names, but unsupported when used. */
  readonly sparse = new Set<string>();
  /** Names of empty optionals (EMPTY_OPTIONAL): defined, but holding no value. */
  readonly empty = new Set<string>();

  has(name: string): boolean {
    return this.vals.has(name) || this.inits.has(name) || this.sparse.has(name) || this.empty.has(name) || (this.parent?.has(name) ?? false);
  }

  /** Whether `name` is an empty optional here (an inner definition shadows an outer one). */
  isEmpty(name: string): boolean {
    if (this.empty.has(name)) return true;
    if (this.vals.has(name) || this.inits.has(name) || this.sparse.has(name)) return false;
    return this.parent?.isEmpty(name) ?? false;
  }

  lookup(name: string): Value | undefined {
    const v = this.vals.get(name);
    if (v) return v;
    if (this.sparse.has(name)) fail('E109', `sparse initializer '${name}' is not supported`, nodeLoc(this.st.file, name));
    const p = this.inits.get(name);
    if (p) {
      const c = this.materialise(name, p);
      this.vals.set(name, c);
      return c;
    }
    return this.parent?.lookup(name);
  }

  /** An initializer becomes a `const` op at the end of its own graph's region, on first use. */
  private materialise(name: string, p: TensorProto): Value {
    const { st } = this;
    const loc = nodeLoc(st.file, name);
    const init = initializerValue(p, st.baseDir, st.file, st.fileBytes, loc);
    let value: AttrValue;
    if (init.kind === 'inline') {
      value = { kind: 'tensor', value: init.tensor };
    } else {
      const wname = st.uniqueWeightName(name);
      st.module.weights.set(wname, { name: wname, type: { dtype: init.header.dtype, shape: init.header.shape }, source: init.source });
      value = { kind: 'weight', value: wname };
    }
    return this.builder.op1('const', [], { attrs: { value }, names: [st.uniqueName(name)], loc });
  }
}

/**
 * Import a graph's initializers and nodes into `scope` and terminate its region; returns the
 * graph's outputs. With terminator null the ops stay in an enclosing region (an inlined subgraph).
 */
export function importGraphBody(scope: Scope, g: GraphProto, terminator: 'return' | 'yield' | null, graphLoc: Loc, prefix = ''): Value[] {
  const { st } = scope;
  for (const t of g.initializer ?? []) {
    const name = t.name ?? '';
    if (scope.vals.has(name)) continue; // IR < 4: an input with a default value; the input wins
    tensorHeader(t, nodeLoc(st.file, name)); // validates dims and dtype early
    scope.inits.set(name, t);
  }
  for (const sp of g.sparseInitializer ?? []) {
    const name = sp.values?.name ?? '';
    if (!scope.vals.has(name)) scope.sparse.add(name);
  }
  const nodes = st.inliner.nodes(g);
  const order = topoOrder(nodes, (n) => scope.has(n), st.file, st.inliner, st.freeVarCache, prefix);
  for (const i of order) lowerNode(scope, nodes[i]!, nodeLabel(nodes[i]!, i, prefix));
  const results = (g.output ?? []).map((o) => {
    if (scope.isEmpty(o.name ?? '')) {
      fail('E109', `graph output '${o.name}' is an empty optional; optional graph outputs are not supported`, graphLoc);
    }
    const v = scope.lookup(o.name ?? '');
    if (!v) fail('E202', `graph output '${o.name}' is never defined`, graphLoc);
    return v;
  });
  if (terminator) scope.builder.op(terminator, results, { results: 0, loc: graphLoc });
  return results;
}

function lowerNode(scope: Scope, node: NodeProto, label: string): void {
  const { st } = scope;
  const opType = node.opType ?? '';
  const loc = nodeLoc(st.file, label);
  const domain = normDomain(node.domain);
  const opset = st.opsetFor(node);
  const mapping = pickMapping(domain, opType, opset);
  if (!mapping) fail('E201', `unsupported operator ${domain ? `${domain}:` : ''}${opType} (opset ${opset ?? 'not imported'})`, loc);
  const inputs = (node.input ?? []).map((name) => {
    if (!name || scope.isEmpty(name)) return null;
    const v = scope.lookup(name);
    if (!v) fail('E202', `node "${label}" reads '${name}', which is never defined`, loc);
    return v;
  });
  const attrs = new Map<string, AttrValue>();
  const graphAttrs: string[] = [];
  for (const a of node.attribute ?? []) {
    if (isGraphAttr(a)) graphAttrs.push(a.name ?? '');
    else attrs.set(a.name ?? '', convertAttr(a, st.baseDir, loc));
  }
  const outputs = node.output ?? [];
  const view: OnnxNodeView = {
    opType, domain, name: label, opset: opset!, inputs,
    numOutputs: outputs.length,
    outputUsed: outputs.map((o) => o !== ''),
    attrs, graphAttrs, loc,
  };
  const lowerer = new NodeLowerer(scope, node, view, outputs.find((o) => o !== '') ?? label);
  let outs: readonly (Value | null | typeof EMPTY_OPTIONAL)[];
  try {
    outs = mapping.lower(view, lowerer);
  } catch (e) {
    if (e instanceof TenthError || (e as { tenthNode?: boolean }).tenthNode) throw e;
    // A mapping or shape rule that crashed: almost always on a malformed node (absurd dims or
    // attributes) that the rule did not anticipate. Report it against the node so the user gets
    // a diagnostic rather than a crash; the note keeps the original message for bug reports.
    fail('E208', `${opType}: cannot infer the result types of this node`, loc,
      [`${(e as Error).name}: ${(e as Error).message}`, 'if the node is valid ONNX, this is a bug in tenth']);
  }
  const renamed = new Set<Value>();
  outputs.forEach((name, i) => {
    if (!name) return;
    const v = outs[i];
    if (v === EMPTY_OPTIONAL) {
      scope.vals.delete(name);
      scope.empty.add(name);
      return;
    }
    if (!v) fail('E204', `${opType} produced no value for output '${name}'`, loc);
    scope.empty.delete(name);
    if (lowerer.created.has(v) && !renamed.has(v)) {
      st.releaseName(v.name);
      v.name = st.uniqueName(name);
      renamed.add(v);
    }
    scope.vals.set(name, v);
  });
}

/** The Lowerer a mapping sees for one node. */
class NodeLowerer implements Lowerer {
  readonly created = new Set<Value>();
  constructor(private scope: Scope, private readonly node: NodeProto, private readonly view: OnnxNodeView, private readonly base: string) {}

  buildRegion(argTypes: readonly TensorType[], body: (args: readonly Value[]) => readonly Value[]): Region {
    const outer = this.scope;
    const sub = new Scope(outer.st, outer, new Region());
    sub.region.args = argTypes.map((t) => new Value(outer.st.uniqueName(`${this.base}.arg`, true), t));
    this.scope = sub;
    try {
      const results = body(sub.region.args);
      sub.builder.op('yield', [...results], { results: 0, loc: this.view.loc });
    } finally {
      this.scope = outer;
    }
    return sub.region;
  }

  emit(op: string, operands: readonly (Value | null)[], attrs: Record<string, AttrValue> = {}, opts: EmitOptions = {}): Value[] {
    const n = opts.results ?? 1;
    const { st } = this.scope;
    this.checkOperands(op, operands);
    const names = Array.from({ length: n }, () => st.uniqueName(this.base, true));
    let vals: Value[];
    try {
      vals = this.scope.builder.op(op, [...operands], { attrs, results: n, regions: opts.regions, names, loc: this.view.loc });
    } catch (e) {
      names.forEach((x) => st.releaseName(x));
      if (!(e instanceof TenthError)) throw e;
      const msg = e.diagnostics.map((d) => d.message);
      if (e.code === 'E304') fail('E201', `${this.view.opType} lowers to IR op '${op}', which is not implemented yet`, this.view.loc);
      if (e.code === 'E307' || e.code === 'E205') fail('E208', `${this.view.opType}: ${msg[0]}`, this.view.loc, msg.slice(1));
      if (e.code === 'E306') fail('E204', `${this.view.opType}: ${msg[0]}`, this.view.loc, msg.slice(1));
      throw e;
    }
    vals.forEach((v) => this.created.add(v));
    return vals;
  }

  /**
   * Operand counts and required operands, checked before the shape rule runs (shape rules assume
   * them; a malformed node must be a diagnostic, not a crash inside a rule).
   */
  private checkOperands(op: string, operands: readonly (Value | null)[]): void {
    const def = getOpDef(op);
    if (!def) fail('E201', `${this.view.opType} lowers to IR op '${op}', which is not implemented yet`, this.view.loc);
    const specs = def.inputs;
    const last = specs[specs.length - 1];
    const max = last?.variadic ? Infinity : specs.length;
    if (operands.length > max) this.fail(`takes at most ${max} inputs, got ${operands.length}`, 'E207');
    specs.forEach((spec, i) => {
      if (spec.optional) return;
      if (spec.variadic ? operands.slice(i).every((v) => v === null) : !operands[i]) {
        this.fail(`input ${i} ('${spec.name}') is required`, 'E207');
      }
    });
  }

  /** Large constants (e.g. a Constant node holding a table) become weights, so the IR text stays small. */
  constant(t: Tensor): Value {
    if (sizeOf(t.shape) <= INLINE_MAX_ELEMENTS || t.dtype === 'string') {
      return this.emit('const', [], { value: { kind: 'tensor', value: t } })[0]!;
    }
    const { module } = this.scope.st;
    const name = this.scope.st.uniqueWeightName(this.base);
    module.weights.set(name, { name, type: { dtype: t.dtype, shape: [...t.shape] }, source: { kind: 'inline', bytes: encodeBytes(t) } });
    return this.emit('const', [], { value: { kind: 'weight', value: name } })[0]!;
  }

  constInts(values: readonly number[], shape: readonly number[] = [values.length]): Value {
    return this.constant(tensorFrom('i64', shape, values));
  }

  constantOf(v: Value | null): Tensor | undefined {
    return v?.def ? constantValue(v.def, this.scope.st.module) : undefined;
  }

  region(attrName: string, argTypes?: readonly (TensorType | undefined)[]): Region {
    const a = (this.node.attribute ?? []).find((x) => x.name === attrName);
    if (!a?.g) this.fail(`missing subgraph attribute '${attrName}'`);
    const g = a.g;
    const { st } = this.scope;
    const sub = new Scope(st, this.scope, new Region());
    sub.region.args = (g.input ?? []).map((vi, i) => {
      const declared = valueInfoType(vi, this.view.loc);
      const type = mergeTypes(declared, argTypes?.[i]);
      if (!type) this.fail(`subgraph '${attrName}' input '${vi.name}' has no type`, 'E207');
      const v = new Value(st.uniqueName(vi.name ?? ''), type);
      sub.vals.set(vi.name ?? '', v);
      return v;
    });
    importGraphBody(sub, g, 'yield', nodeLoc(st.file, `${this.view.name}/${attrName}`), `${this.view.name}/${attrName}/`);
    return sub.region;
  }

  inlineGraph(attrName: string, inputs: readonly Value[]): Value[] {
    const a = (this.node.attribute ?? []).find((x) => x.name === attrName);
    if (!a?.g) this.fail(`missing subgraph attribute '${attrName}'`);
    const g = a.g;
    const declared = g.input ?? [];
    if (declared.length !== inputs.length) this.fail(`subgraph '${attrName}' has ${declared.length} inputs, expected ${inputs.length}`, 'E207');
    // A child scope over the same region: the subgraph's names shadow the outer ones, its ops
    // land where this node's ops go.
    const sub = new Scope(this.scope.st, this.scope, this.scope.region);
    declared.forEach((vi, i) => sub.vals.set(vi.name ?? '', inputs[i]!));
    const where = `${this.view.name}/${attrName}`;
    return importGraphBody(sub, g, null, nodeLoc(this.scope.st.file, where), `${where}/`);
  }

  discardRegion(r: Region): void {
    const { st } = this.scope;
    const drop = (region: Region): void => {
      for (const a of region.args) st.releaseName(a.name);
      for (const op of region.ops) {
        for (const v of op.results) st.releaseName(v.name);
        const w = op.name === 'const' ? op.attrs.get('value') : undefined;
        if (w?.kind === 'weight') st.module.weights.delete(w.value);
        op.regions.forEach(drop);
      }
    };
    drop(r);
  }

  fail(message: string, code: Parameters<Lowerer['fail']>[1] = 'E204'): never {
    return fail(code ?? 'E204', `${this.view.opType}: ${message}`, this.view.loc);
  }
}

/** A subgraph input's declared type, completed from what the surrounding op implies. */
function mergeTypes(declared: TensorType | undefined, implied: TensorType | undefined): TensorType | undefined {
  if (!declared) return implied;
  if (!implied) return declared;
  if (declared.shape === null) return { dtype: declared.dtype, shape: implied.shape };
  if (implied.shape && implied.shape.length === declared.shape.length) {
    return { dtype: declared.dtype, shape: declared.shape.map((d, i) => (d === '?' ? implied.shape![i]! : d)) };
  }
  return declared;
}
