// The verifier: SSA (single definition, definition before use, region scoping), op table
// conformance (operand/result counts, attribute schema, terminators, regions), weights, and each
// op's shape rule (declared result types must agree with what the rule infers).
// It collects every problem it finds as diagnostics with the op's location.

import { type Diagnostic, diag, TenthError } from './diagnostics.js';
import type { Func, Module, Op, Region, Value } from './ir.js';
import { getOpDef, type OpDef } from './op-def.js';
import { inferOp } from './infer.js';
import { formatType, typesCompatible } from './types.js';
import './ops/index.js';

export function verify(module: Module): Diagnostic[] {
  const out: Diagnostic[] = [];
  const names = new Set<string>();
  for (const f of module.funcs) {
    if (names.has(f.name)) out.push(diag('E301', `function @${f.name} defined more than once`));
    names.add(f.name);
    verifyFunc(module, f, out);
  }
  return out;
}

export function verifyOrThrow(module: Module): void {
  const d = verify(module);
  if (d.length > 0) throw new TenthError(d);
}

function verifyFunc(module: Module, f: Func, out: Diagnostic[]): void {
  const defined = new Set<Value>();
  verifyRegion(module, f.body, 'return', [], defined, out);
  const term = f.body.terminator;
  if (term && term.name === 'return' && f.resultNames.length !== term.operands.length) {
    out.push(diag('E305', `function @${f.name} names ${f.resultNames.length} results but returns ${term.operands.length}`, term.loc));
  }
}

/** `scopes` is the stack of value sets visible from enclosing regions. */
function verifyRegion(module: Module, region: Region, terminator: 'return' | 'yield', scopes: Set<Value>[], everDefined: Set<Value>, out: Diagnostic[]): void {
  const local = new Set<Value>();
  const visible = (v: Value): boolean => local.has(v) || scopes.some((s) => s.has(v));
  const define = (v: Value, op: Op | null): void => {
    if (everDefined.has(v)) {
      out.push(diag('E301', `value %${v.name} is defined more than once`, op?.loc));
    }
    everDefined.add(v);
    local.add(v);
  };
  for (const a of region.args) define(a, null);
  if (region.ops.length === 0) {
    out.push(diag('E308', `region has no terminator (expected '${terminator}')`));
    return;
  }
  region.ops.forEach((op, idx) => {
    const def = getOpDef(op.name);
    const last = idx === region.ops.length - 1;
    if (!def) {
      out.push(diag('E304', `unknown op '${op.name}'`, op.loc));
      op.results.forEach((r) => define(r, op));
      return;
    }
    const isTerm = def.traits.includes('terminator');
    if (last && op.name !== terminator) {
      out.push(diag('E308', `region must end with '${terminator}', found '${op.name}'`, op.loc));
    } else if (!last && isTerm) {
      out.push(diag('E308', `terminator '${op.name}' in the middle of a region`, op.loc));
    }
    op.operands.forEach((v, i) => {
      if (v && !visible(v)) {
        out.push(diag('E302', `operand ${i} of ${op.name}: %${v.name} is used before it is defined (or is not in scope)`, op.loc));
      }
    });
    const shapeOk = checkSignature(module, op, def, out);
    const nRegions = def.regions ?? 0;
    if (op.regions.length !== nRegions) {
      out.push(diag('E308', `${op.name} takes ${nRegions} regions, has ${op.regions.length}`, op.loc));
    } else {
      for (const r of op.regions) verifyRegion(module, r, 'yield', [...scopes, local], everDefined, out);
    }
    if (shapeOk && !isTerm) checkTypes(module, op, out);
    op.results.forEach((r) => {
      if (r.def !== op) out.push(diag('E301', `result %${r.name} of ${op.name} points at another defining op`, op.loc));
      define(r, op);
    });
  });
}

/** Operand/result counts, attribute schema and weight references. Returns false if types cannot be checked. */
function checkSignature(module: Module, op: Op, def: OpDef, out: Diagnostic[]): boolean {
  let ok = true;
  const count = (specs: OpDef['inputs'], n: number, what: string, nullable: boolean, values: readonly (Value | null)[]): void => {
    const variadic = specs.length > 0 && specs[specs.length - 1]!.variadic;
    const required = specs.filter((s) => !s.optional && !s.variadic).length + (variadic && !specs[specs.length - 1]!.optional ? 1 : 0);
    const max = variadic ? Infinity : specs.length;
    if (n < required || n > max) {
      const want = variadic ? `at least ${required}` : required === specs.length ? `${required}` : `${required} to ${specs.length}`;
      out.push(diag('E305', `${op.name} takes ${want} ${what}, has ${n}`, op.loc));
      ok = false;
      return;
    }
    values.forEach((v, i) => {
      const spec = specs[Math.min(i, specs.length - 1)]!;
      if (v === null && !(nullable && spec.optional)) {
        out.push(diag('E305', `${op.name}: ${what.slice(0, -1)} ${i} ('${spec.name}') is required but omitted`, op.loc));
        ok = false;
      }
    });
  };
  count(def.inputs, op.operands.length, 'operands', true, op.operands);
  count(def.outputs, op.results.length, 'results', false, op.results);
  for (const [name, value] of op.attrs) {
    // Dotted names (`mem.offset`, `layout.from`) are annotations that passes attach for later
    // passes and backends; they are outside the op's schema and may be dropped by rewrites.
    if (isAnnotation(name)) continue;
    const spec = def.attrs[name];
    if (!spec) {
      out.push(diag('E306', `${op.name} has no attribute '${name}'`, op.loc, [`known attributes: ${Object.keys(def.attrs).join(', ') || '(none)'}`]));
      ok = false;
    } else if (spec.kind !== value.kind && !(spec.kind === 'tensor' && value.kind === 'weight')) {
      out.push(diag('E306', `${op.name}: attribute '${name}' must be ${spec.kind}, got ${value.kind}`, op.loc));
      ok = false;
    }
    if (value.kind === 'weight' && !module.weights.has(value.value)) {
      out.push(diag('E309', `${op.name}: unknown weight @${value.value}`, op.loc));
      ok = false;
    }
  }
  for (const [name, spec] of Object.entries(def.attrs)) {
    if (spec.required && !op.attrs.has(name)) {
      out.push(diag('E306', `${op.name}: missing required attribute '${name}'`, op.loc));
      ok = false;
    }
  }
  return ok;
}

/** Attribute names containing a dot are annotations, not schema attributes. */
export const isAnnotation = (name: string): boolean => name.includes('.');

function checkTypes(module: Module, op: Op, out: Diagnostic[]): void {
  let inferred;
  try {
    inferred = inferOp(op, module);
  } catch (e) {
    if (e instanceof TenthError) { out.push(...e.diagnostics); return; }
    throw e;
  }
  op.results.forEach((r, i) => {
    const t = inferred[i];
    if (!t) {
      out.push(diag('E305', `${op.name}: shape rule gives ${inferred.length} results, op has ${op.results.length}`, op.loc));
    } else if (!typesCompatible(r.type, t)) {
      out.push(diag('E303', `${op.name}: result %${r.name} is declared ${formatType(r.type)} but the shape rule gives ${formatType(t)}`, op.loc));
    }
  });
}
