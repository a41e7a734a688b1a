// Dims known only at run time: the manifest's `derived` dims are expression trees (emitted by the
// compiler from ir/symbolic.ts, which this runtime must not import) over symbols bound from input
// dims and data symbols read from small integer inputs. Evaluated before each run into the dims
// table; a binding that gives an impossible size (negative, fractional, beyond i32) is refused
// with an error naming the inputs it came from, and so is an input whose dim is written as an
// expression (a dim_param "n + 1") that the other input dims contradict.

import { TenthRuntimeError, withContext } from './errors.js';

interface Node { readonly k: string; readonly v?: number; readonly name?: string; readonly args?: readonly Node[] }

/** Value of an expression tree; throws on an unbound symbol or a division by zero. */
export function evalDimExpr(e: Node, bind: Readonly<Record<string, number>>): number {
  const a = e.args ?? [];
  const ev = (x: Node): number => evalDimExpr(x, bind);
  switch (e.k) {
    case 'num': return e.v!;
    case 'sym': {
      const v = bind[e.name!];
      if (v === undefined) throw new TenthRuntimeError('E501', `tenth runtime: symbol '${e.name}' is not bound`);
      return v;
    }
    case 'add': return a.reduce((s, x) => s + ev(x), 0);
    case 'mul': return a.reduce((s, x) => s * ev(x), 1);
    case 'max': return Math.max(...a.map(ev));
    case 'min': return Math.min(...a.map(ev));
    case 'sel': return ev(a[ev(a[0]!) !== 0 ? 1 : 2]!);
    case 'wrap': { const i = ev(a[0]!); return i < 0 ? i + ev(a[1]!) : i; }
    case 'eq': return ev(a[0]!) === ev(a[1]!) ? 1 : 0;
    case 'floordiv': case 'ceildiv': case 'mod': {
      const x = ev(a[0]!), y = ev(a[1]!);
      if (y === 0) throw new TenthRuntimeError('E503', 'tenth runtime: division by zero while computing a dim');
      const q = Math.floor(x / y);
      return (e.k === 'floordiv' ? q : e.k === 'ceildiv' ? -Math.floor(-x / y) : x - y * q) + 0; // no -0
    }
    default: throw new TenthRuntimeError('E501', `tenth runtime: unknown dim expression '${e.k}'`);
  }
}

function symbolsIn(e: Node, out: Set<string>): Set<string> {
  if (e.k === 'sym') out.add(e.name!);
  for (const x of e.args ?? []) symbolsIn(x, out);
  return out;
}

export interface DynamicDims {
  readonly symbols: readonly string[];
  readonly derived?: Readonly<Record<string, unknown>>;
  readonly dataSymbols?: Readonly<Record<string, { readonly input: string; readonly index: number }>>;
  readonly checks?: readonly { readonly dim: string; readonly what: string }[];
  readonly counted?: readonly { readonly symbol: string; readonly bound: unknown }[];
  readonly inputs: readonly { readonly name: string; readonly shape: readonly (number | string)[] }[];
}

/**
 * Add data symbols and derived dims to `bind` (which holds the symbols bound from input dims).
 * `sizes` are the dims that size a buffer: those must come out >= 0.
 */
export function bindDerived(m: DynamicDims, data: (input: string) => ArrayLike<number | bigint>, bind: Record<string, number>, sizes: ReadonlySet<string>, counts?: Readonly<Record<string, number>>): void {
  for (const [s, at] of Object.entries(m.dataSymbols ?? {})) {
    const d = data(at.input);
    if (at.index >= d.length) throw new TenthRuntimeError('E503', `tenth runtime: input '${at.input}' has ${d.length} elements, its element ${at.index} sizes a tensor`);
    // f16/bf16 inputs arrive as their raw bits.
    const dtype = (m.inputs.find((i) => i.name === at.input) as { readonly dtype?: string } | undefined)?.dtype;
    const raw = Number(d[at.index]!);
    bind[s] = dtype === 'f16' ? halfBits(raw) : dtype === 'bf16' ? new Float32Array(new Uint32Array([raw << 16]).buffer)[0]! : raw;
  }
  const from = (sym: string): string => {
    const ds = m.dataSymbols?.[sym];
    if (ds) return `the data of input '${ds.input}'`;
    const inp = m.inputs.find((i) => i.shape.includes(sym));
    return inp ? `input '${inp.name}' dim '${sym}' = ${bind[sym]}` : `'${sym}'`;
  };
  // A counted dim is its bound until its kernel has counted it (the arena is placed for the bound).
  for (const c of m.counted ?? []) {
    const v = counts?.[c.symbol] ?? evalDimExpr(c.bound as Node, bind);
    bind[c.symbol] = Math.max(0, v);
  }
  for (const [d, tree] of Object.entries(m.derived ?? {})) {
    const e = tree as Node;
    let v: number;
    try {
      v = evalDimExpr(e, bind);
    } catch (err) {
      throw withContext(err, ` (dim '${d}', from ${[...symbolsIn(e, new Set())].map(from).join(', ')})`);
    }
    const bad = !Number.isInteger(v) || Math.abs(v) > 2 ** 31 - 1 || (sizes.has(d) && v < 0);
    if (bad) {
      throw new TenthRuntimeError('E503', `tenth runtime: these inputs give dim '${d}' the impossible value ${v} (from ${[...symbolsIn(e, new Set())].map(from).join(', ')})`);
    }
    // A derived dim already bound is an input dim written as an expression ("n + 1"): the input
    // must have exactly the size the expression gives.
    const given = bind[d];
    if (given !== undefined && given !== v) {
      const inp = m.inputs.find((i) => i.shape.includes(d));
      const axis = inp ? inp.shape.indexOf(d) : -1;
      throw new TenthRuntimeError('E503', `tenth runtime: input '${inp?.name ?? '?'}' dim ${axis} ('${d}') is ${given}, but '${d}' = ${v} (from ${[...symbolsIn(e, new Set())].map(from).join(', ')})`);
    }
    bind[d] = v;
  }
  const uncounted = new Set((m.counted ?? []).map((c) => c.symbol).filter((x) => counts?.[x] === undefined));
  for (const c of m.checks ?? []) {
    // A condition over a dim not counted yet is tested once it is (its bound proves nothing).
    if (uncounted.size > 0 && [...symbolsIn((m.derived?.[c.dim] as Node | undefined) ?? { k: 'sym', name: c.dim }, new Set())].some((x) => uncounted.has(x))) continue;
    if (bind[c.dim] === 0) {
      const e = m.derived?.[c.dim] as Node | undefined;
      throw new TenthRuntimeError('E503', `tenth runtime: these inputs do not fit the model: ${c.what} (from ${[...symbolsIn(e ?? { k: 'num' }, new Set())].map(from).join(', ')})`);
    }
  }
}

/**
 * Bind the manifest's input symbols from the feeds' dims, checking the feeds are an object of
 * tensors named as the inputs (an unknown name is refused, listing the inputs, as onnxruntime
 * does: a misspelt optional feed would otherwise be ignored), each input is there, its rank, its
 * fixed dims, one size per symbol, and its element count. Dtypes are each runtime's to check.
 */
export function bindInputDims(
  inputs: readonly { readonly name: string; readonly shape: readonly (number | string)[] }[],
  feeds: Readonly<Record<string, { readonly data: { readonly length: number }; readonly dims: readonly number[] }>>,
): Record<string, number> {
  const names = (): string => (inputs.length === 0 ? 'none' : inputs.map((i) => `'${i.name}'`).join(', '));
  if (typeof feeds !== 'object' || feeds === null || Array.isArray(feeds)) {
    throw new TenthRuntimeError('E502', `tenth runtime: run() takes the inputs as an object { name: { data, dims } }, got ${describe(feeds)} (the model's inputs: ${names()})`);
  }
  const unknown = Object.keys(feeds).filter((k) => !inputs.some((i) => i.name === k));
  if (unknown.length > 0) {
    throw new TenthRuntimeError('E503', `tenth runtime: unknown input${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')} (the model's inputs: ${names()})`);
  }
  const bind: Record<string, number> = {};
  for (const inp of inputs) {
    const t = Object.hasOwn(feeds, inp.name) ? feeds[inp.name] : undefined;
    if (!t) throw new TenthRuntimeError('E502', `tenth runtime: missing input '${inp.name}'`);
    checkTensor(inp.name, t);
    if (t.dims.length !== inp.shape.length) throw new TenthRuntimeError('E503', `tenth runtime: input '${inp.name}' has rank ${t.dims.length}, expected ${inp.shape.length}`);
    if (t.dims.some((d) => !Number.isInteger(d) || d < 0)) throw new TenthRuntimeError('E503', `tenth runtime: input '${inp.name}' has dims [${t.dims.join(',')}]: dims must be integers >= 0 (a negative dim is invalid)`);
    inp.shape.forEach((d, i) => {
      const got = t.dims[i]!;
      if (typeof d === 'number') {
        if (d !== got) throw new TenthRuntimeError('E503', `tenth runtime: input '${inp.name}' dim ${i} is ${got}, expected ${d}`);
      } else if (bind[d] === undefined) bind[d] = got;
      else if (bind[d] !== got) throw new TenthRuntimeError('E503', `tenth runtime: input '${inp.name}' dim ${i} is ${got}, but '${d}' is ${bind[d]}`);
    });
    const n = t.dims.reduce((a, b) => a * b, 1);
    if (t.data.length !== n) throw new TenthRuntimeError('E503', `tenth runtime: input '${inp.name}' has ${t.data.length} elements, dims [${t.dims.join(',')}] need ${n}`);
  }
  return bind;
}

/** A feed is { data, dims }: refuse anything else naming the input, not with a TypeError later. */
function checkTensor(name: string, t: unknown): void {
  const o = t as { data?: unknown; dims?: unknown };
  const shape = '{ data: a typed array, dims: an array of numbers }';
  if (typeof t !== 'object' || t === null) throw new TenthRuntimeError('E503', `tenth runtime: input '${name}' is ${describe(t)}; a tensor is ${shape}`);
  if (!Array.isArray(o.dims)) throw new TenthRuntimeError('E503', `tenth runtime: input '${name}' has ${o.dims === undefined ? 'no dims' : `dims ${describe(o.dims)}`}; a tensor is ${shape}`);
  if (!ArrayBuffer.isView(o.data) || o.data instanceof DataView) {
    throw new TenthRuntimeError('E503', `tenth runtime: input '${name}' has ${o.data === undefined ? 'no data' : `data ${describe(o.data)}`}; a tensor is ${shape}`);
  }
}

function describe(x: unknown): string {
  if (x === null || x === undefined) return String(x);
  if (Array.isArray(x)) return 'an array';
  if (typeof x === 'object') return `a ${(x as object).constructor?.name ?? 'object'}`;
  return `the ${typeof x} ${typeof x === 'string' ? JSON.stringify(x) : String(x)}`.slice(0, 80);
}

/** The value of f16 bits. */
function halfBits(h: number): number {
  const e = (h >> 10) & 0x1f, f = h & 0x3ff, sign = h & 0x8000 ? -1 : 1;
  if (e === 0) return sign * f * 2 ** -24;
  if (e === 31) return f ? NaN : sign * Infinity;
  return sign * (1 + f / 1024) * 2 ** (e - 15);
}
