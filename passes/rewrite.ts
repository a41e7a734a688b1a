// Local rewrites as tables. A rule is `{name, root, match, rewrite}`: `match` looks at one op (the
// root) and the ops defining its operands, checks types, attributes and constant values through a
// Matcher, and returns the bindings it needs (or undefined); `rewrite` builds the replacement with
// a Rewriter (new ops inherit the root's location) and returns one value per root result.
// applyRules runs a table to a fixed point with a worklist and counts firings per rule name.
//
// The contract every rule keeps (passes/README.md): it never raises cost, never changes results
// beyond what its comment says, returns values whose types are compatible with the results they
// replace, and leaves an `undefined` replacement only for a result it checked has no uses.

import { attrReader } from '../ir/attrs.js';
import { Builder } from '../ir/builder.js';

import type { AttrValue, Func, Module, Op } from '../ir/ir.js';
import { Region, Value } from '../ir/ir.js';
import { constantValue } from '../ir/infer.js';
import type { Loc } from '../ir/location.js';
import type { AttrReader } from '../ir/op-def.js';
import { getOpDef } from '../ir/op-def.js';
import type { Tensor } from '../ir/tensor.js';
import { encodeBytes, isBigData, sizeOf, tensorFrom } from '../ir/tensor.js';
import type { Dim, TensorType } from '../ir/types.js';
import { formatType, typesCompatible, UNKNOWN_DIM } from '../ir/types.js';

/** One rewrite rule. `B` is what match hands to rewrite (typed by match's return type). */
export interface Rule<B = unknown> {
  /** Kebab-case; also the counter name (`{'fold-batchnorm-into-conv': 52}`). */
  readonly name: string;
  /** The op names the rule can match as its root. */
  readonly root: readonly string[];
  // Method syntax on purpose: it lets a Rule<B> stand in a Rule<unknown>[] table.
  match(op: Op, m: Matcher): B | undefined;
  rewrite(bindings: B, r: Rewriter): readonly (Value | undefined)[];
}

/** Declare a rule; TypeScript infers the bindings type from `match`. */
export function rule<B>(r: Rule<B>): Rule<B> {
  return r;
}

// ---------------------------------------------------------------------------------------------
// Matching.

export interface Matcher {
  readonly module: Module;
  /** The op defining `v`, when there is one and (if given) its name is one of `names`. */
  def(v: Value | null | undefined, ...names: string[]): Op | undefined;
  /** Compile-time value of `v` when a `const` op (inline or weight) defines it. */
  constant(v: Value | null | undefined): Tensor | undefined;
  /** Whether `v` is a constant whose every element is `x` (bitwise: -0 and +0 differ). */
  isSplat(v: Value | null | undefined, x: number): boolean;
  /** Number of operand slots (in any op, any region, the terminator included) that use `v`. */
  uses(v: Value): number;
  /** An op's attributes with its schema's defaults. */
  attrs(op: Op): AttrReader;
}

/** Every element of `t` equals `x`; -0 and +0 are told apart, NaN never matches. */
export function tensorIsSplat(t: Tensor, x: number): boolean {
  const d = t.data;
  if (Array.isArray(d)) return false;
  if (isBigData(d)) {
    if (!Number.isInteger(x)) return false;
    const b = BigInt(x);
    for (let i = 0; i < d.length; i++) if (d[i] !== b) return false;
    return true;
  }
  for (let i = 0; i < d.length; i++) if (!Object.is(d[i] as number, x)) return false;
  return true;
}

/** `small` broadcast against `big` gives exactly `big`'s shape (it never enlarges `big`). */
export function broadcastsInto(small: readonly Dim[] | null, big: readonly Dim[] | null): boolean {
  if (!small || !big || small.length > big.length) return false;
  const off = big.length - small.length;
  return small.every((d, i) => d === 1 || (d === big[off + i] && d !== UNKNOWN_DIM));
}

// ---------------------------------------------------------------------------------------------
// Building replacements.

/** Inline constants up to this many elements (or splats); larger ones become module weights. */
export const MAX_INLINE_ELEMENTS = 16;

export class Rewriter {
  private readonly b: Builder;
  constructor(
    /** The op being replaced. */
    readonly root: Op,
    readonly module: Module,
    readonly region: Region,
    private readonly names: NameSource,
  ) {
    this.b = new Builder(region, module, root.loc);
  }

  /** A new op before the root (location: the root's, unless `loc` is given); returns its results. */
  ops(name: string, operands: readonly (Value | null)[], opts: { attrs?: Record<string, AttrValue>; results?: number; loc?: Loc } = {}): Value[] {
    const n = opts.results ?? 1;
    const names = Array.from({ length: n }, () => this.names.value(this.root.results[0]?.name ?? 'v'));
    return this.b.op(name, [...operands], { attrs: opts.attrs, results: n, names, loc: opts.loc });
  }

  op(name: string, operands: readonly (Value | null)[], opts: { attrs?: Record<string, AttrValue>; loc?: Loc } = {}): Value {
    return this.ops(name, operands, { ...opts, results: 1 })[0]!;
  }

  /** A constant: inline when small or a splat, else a new module weight named after `hint`. */
  constant(t: Tensor, hint: string, loc?: Loc): Value {
    if (t.data.length <= MAX_INLINE_ELEMENTS || splat(t)) return this.op('const', [], { attrs: { value: { kind: 'tensor', value: t } }, loc });
    const name = this.names.weight(hint);
    this.module.weights.set(name, { name, type: { dtype: t.dtype, shape: [...t.shape] }, source: { kind: 'inline', bytes: encodeBytes(t) } });
    return this.op('const', [], { attrs: { value: { kind: 'weight', value: name } }, loc });
  }

  /** An i64[n] constant (shapes, axes). */
  ints(values: readonly number[]): Value {
    return this.constant(tensorFrom('i64', [values.length], values.map(BigInt)), 'shape');
  }
}

function splat(t: Tensor): boolean {
  const d = t.data;
  for (let i = 1; i < d.length; i++) if (d[i] !== d[0]) return false;
  return t.data.length > 0;
}

/** Fresh, deterministic names: values unique in the function, weights unique in the module. */
export class NameSource {
  constructor(private readonly usedValues: Set<string>, private readonly module: Module) {}
  value(base: string): string {
    let k = 1;
    while (this.usedValues.has(`${base}_${k}`)) k++;
    const name = `${base}_${k}`;
    this.usedValues.add(name);
    return name;
  }
  weight(base: string): string {
    let name = base, k = 1;
    while (this.module.weights.has(name)) name = `${base}_${k++}`;
    return name;
  }
}

// ---------------------------------------------------------------------------------------------
// The driver: a worklist over one function, to a fixed point.

export interface ApplyResult {
  readonly changed: boolean;
  readonly counters: Record<string, number>;
}

/** Apply `rules` to every function of `module` until none matches. Counters: firings per rule
 *  name, plus `dead-ops-erased` for ops that became unused through a rewrite. */
export function applyRules(module: Module, rules: readonly Rule[], opts: { maxRewrites?: number } = {}): ApplyResult {
  const byRoot = new Map<string, Rule[]>();
  for (const r of rules) for (const n of r.root) byRoot.set(n, [...(byRoot.get(n) ?? []), r]);
  const counters: Record<string, number> = {};
  const droppedWeights = new Set<string>();
  for (const f of module.funcs) new FuncRewriter(module, f, byRoot, counters, droppedWeights, opts.maxRewrites).run();
  removeUnreferencedWeights(module, droppedWeights);
  return { changed: Object.keys(counters).length > 0, counters };
}

const isErasable = (op: Op): boolean => {
  const traits = getOpDef(op.name)?.traits ?? [];
  return op.regions.length === 0 && traits.includes('pure') && !traits.includes('random');
};

class FuncRewriter {
  private readonly users = new Map<Value, Op[]>();
  private readonly parent = new Map<Op, Region>();
  private readonly before = new Map<Op, Op[]>();
  private readonly erased = new Set<Op>();
  private readonly queue: Op[] = [];
  private readonly queued = new Set<Op>();
  private readonly names: NameSource;
  private readonly matcher: Matcher;

  constructor(
    private readonly module: Module,
    private readonly func: Func,
    private readonly byRoot: ReadonlyMap<string, readonly Rule[]>,
    private readonly counters: Record<string, number>,
    private readonly droppedWeights: Set<string>,
    private readonly maxRewrites = 100_000,
  ) {
    const used = new Set<string>();
    this.index(func.body, used);
    this.names = new NameSource(used, module);
    // Weight-backed constants decode from bytes: once per value, however often rules ask.
    const decoded = new Map<Value, Tensor | undefined>();
    const constant = (v: Value | null | undefined): Tensor | undefined => {
      if (!v?.def || v.def.name !== 'const') return undefined;
      if (!decoded.has(v)) decoded.set(v, constantValue(v.def, module));
      return decoded.get(v);
    };
    this.matcher = {
      module,
      def: (v, ...names) => (v?.def && (names.length === 0 || names.includes(v.def.name)) ? v.def : undefined),
      constant,
      isSplat: (v, x) => { const t = constant(v); return t !== undefined && tensorIsSplat(t, x); },
      uses: (v) => this.users.get(v)?.length ?? 0,
      attrs: (op) => attrReader(getOpDef(op.name)!, op.attrs, op.loc),
    };
  }

  private index(region: Region, used: Set<string>): void {
    for (const a of region.args) used.add(a.name);
    for (const op of region.ops) {
      this.parent.set(op, region);
      for (const v of op.operands) if (v) this.addUse(v, op);
      for (const r of op.results) used.add(r.name);
      for (const sub of op.regions) this.index(sub, used);
      this.push(op);
    }
  }

  private addUse(v: Value, op: Op): void {
    const list = this.users.get(v);
    if (list) list.push(op); else this.users.set(v, [op]);
  }

  private push(op: Op): void {
    if (this.queued.has(op) || this.erased.has(op)) return;
    this.queued.add(op);
    this.queue.push(op);
  }

  run(): void {
    let rewrites = 0;
    for (let i = 0; i < this.queue.length; i++) {
      const op = this.queue[i]!;
      this.queued.delete(op);
      if (this.erased.has(op)) continue;
      for (const r of this.byRoot.get(op.name) ?? []) {
        const bindings = r.match(op, this.matcher);
        if (bindings === undefined) continue;
        if (++rewrites > this.maxRewrites) throw new Error(`canonicalize: more than ${this.maxRewrites} rewrites in @${this.func.name} (rules cycle?)`);
        this.apply(op, r, bindings);
        this.counters[r.name] = (this.counters[r.name] ?? 0) + 1;
        break;
      }
    }
    if (rewrites > 0) this.rebuild(this.func.body);
  }

  private apply(op: Op, r: Rule, bindings: unknown): void {
    const region = this.parent.get(op)!;
    const tmp = new Region();
    const repl = r.rewrite(bindings, new Rewriter(op, this.module, tmp, this.names));
    if (repl.length !== op.results.length) throw new Error(`rule ${r.name}: ${repl.length} replacements for ${op.results.length} results`);
    const created = new Set(tmp.ops);
    const renamed = new Set<Value>();
    op.results.forEach((res, i) => {
      const v = repl[i];
      if (v === undefined) {
        if (this.users.get(res)?.length) throw new Error(`rule ${r.name}: result %${res.name} is used but not replaced`);
        return;
      }
      if (!typesCompatible(v.type, res.type)) {
        throw new Error(`rule ${r.name}: replacement %${v.name} : ${formatType(v.type)} for %${res.name} : ${formatType(res.type)}`);
      }
      if (v.def && created.has(v.def) && !renamed.has(v)) {
        // A new value takes the replaced one's name (free once the root is erased) and the more
        // precise of the two types.
        renamed.add(v);
        v.name = res.name;
        v.type = refineType(v.type, res.type);
      }
    });
    const anchor = this.before.get(op) ?? [];
    for (const n of tmp.ops) {
      this.parent.set(n, region);
      anchor.push(n);
      for (const v of n.operands) if (v) this.addUse(v, n);
      this.push(n);
    }
    this.before.set(op, anchor);
    op.results.forEach((res, i) => {
      const v = repl[i];
      if (v === undefined) return;
      for (const u of this.users.get(res) ?? []) {
        u.operands = u.operands.map((x) => (x === res ? v : x));
        this.addUse(v, u);
        this.push(u);
      }
      this.users.set(res, []);
    });
    this.erase(op);
  }

  /** Erase `op` (its results are unused) and then any pure operand producer left unused. */
  private erase(op: Op): void {
    this.erased.add(op);
    const w = op.name === 'const' ? op.attrs.get('value') : undefined;
    if (w?.kind === 'weight') this.droppedWeights.add(w.value);
    for (const v of op.operands) {
      if (!v) continue;
      const list = this.users.get(v)!;
      list.splice(list.indexOf(op), 1);
      const d = v.def;
      if (!d || this.erased.has(d) || !this.parent.has(d)) continue;
      if (d.results.every((res) => !this.users.get(res)?.length) && isErasable(d)) {
        this.counters['dead-ops-erased'] = (this.counters['dead-ops-erased'] ?? 0) + 1;
        this.erase(d);
      } else {
        // One use fewer may enable a rule that wants a single-use producer.
        this.push(d);
      }
    }
  }

  /** Splice new ops in before their anchors and drop erased ones, in every region. */
  private rebuild(region: Region): void {
    const out: Op[] = [];
    const emit = (op: Op): void => {
      for (const n of this.before.get(op) ?? []) emit(n);
      if (!this.erased.has(op)) out.push(op);
    };
    for (const op of region.ops) emit(op);
    region.ops = out;
    for (const op of out) for (const sub of op.regions) this.rebuild(sub);
  }
}

function removeUnreferencedWeights(module: Module, candidates: ReadonlySet<string>): void {
  if (candidates.size === 0) return;
  const referenced = new Set<string>();
  const visit = (region: Region): void => {
    for (const op of region.ops) {
      for (const a of op.attrs.values()) if (a.kind === 'weight') referenced.add(a.value);
      for (const sub of op.regions) visit(sub);
    }
  };
  for (const f of module.funcs) visit(f.body);
  for (const name of [...candidates].sort()) if (!referenced.has(name)) module.weights.delete(name);
}

/** Dim by dim, the more precise of two compatible types (a known dim beats `?`). */
function refineType(a: TensorType, b: TensorType): TensorType {
  if (a.shape === null) return b;
  if (b.shape === null) return a;
  return { dtype: a.dtype, shape: a.shape.map((d, i) => (d === UNKNOWN_DIM ? b.shape![i]! : d)) };
}

/** Static element count of a shape, or undefined. Shared by rules. */
export function staticCount(shape: readonly Dim[] | null): number | undefined {
  return shape && shape.every((d): d is number => typeof d === 'number') ? sizeOf(shape) : undefined;
}

export type { Value };
