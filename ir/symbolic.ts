// Symbolic dim expressions. A string Dim is a plain symbol (`batch`, from ONNX dim_param), a data
// symbol (`%shape[1]`: element 1 of the graph input %shape, read at run time), or a canonical
// expression over those and integers: `batch*seq`, `seq+1`, `max(a,b)`, `floordiv(seq,2)`.
// Canonical means equal expressions print equal, so dims still compare as strings: sums are
// expanded into sorted sums of products (constant term last), max/min arguments are sorted and
// deduplicated, and anything without symbols folds to a number. Shape rules build dims through
// the helpers below (dimAdd, dimMul, ...); they return '?' when an operand is '?' or a string that
// is not an expression (an ONNX dim_param such as "batch size" stays an opaque symbol).
//
// Functions: max, min, floordiv, ceildiv, mod (floor division / modulo, as Python), and
// wrap(i, d) = i < 0 ? i + d : i (an ONNX index that may be negative, e.g. Slice starts given as
// data), eq(a, b) = a == b ? 1 : 0 and sel(c, a, b) = c != 0 ? a : b (Reshape's 0 and -1 when the
// target shape is data). Dim symbols are sizes (>= 0, < 2^31); data symbols may hold any integer;
// `%x[f0]` reads a 0-D float input (a Range limit): nothing assuming integers is simplified on it.

import type { Dim } from './types.js';
import { UNKNOWN_DIM } from './types.js';

export type FnName = 'max' | 'min' | 'floordiv' | 'ceildiv' | 'mod' | 'wrap' | 'eq' | 'sel';
export type Expr =
  | { readonly k: 'num'; readonly v: number }
  | { readonly k: 'sym'; readonly name: string }
  | { readonly k: 'add' | 'mul'; readonly args: readonly Expr[] }
  | { readonly k: FnName; readonly args: readonly Expr[] };

const FNS: ReadonlySet<string> = new Set(['max', 'min', 'floordiv', 'ceildiv', 'mod', 'wrap', 'eq', 'sel']);
const BINARY: ReadonlySet<string> = new Set(['floordiv', 'ceildiv', 'mod', 'wrap', 'eq']);
/** A dim symbol is below this (dims index i32 memory); min(x, >= BIG) of such x is x. */
const BIG = 2 ** 31 - 1;

export const num = (v: number): Expr => ({ k: 'num', v });
export const sym = (name: string): Expr => ({ k: 'sym', name });
export const isDataSymbol = (name: string): boolean => name.startsWith('%');
/** The data symbol for element `index` of graph input `input` (`%x[f0]` when it holds a float). */
export const dataSymbol = (input: string, index: number, float = false): string => `%${input}[${float ? 'f' : ''}${index}]`;
const isFloatData = (name: string): boolean => /^%.*\[f\d+\]$/.test(name);

// ---- parsing ----

const TOKEN = /\s*(?:(\d+)|([A-Za-z_][A-Za-z0-9_]*)|%([^[\]]+)\[(f?)(\d+)\]|([-+*(),]))/y;

/** Parse expression text; undefined when it is not one (an opaque symbol). Not simplified. */
export function parseExpr(text: string): Expr | undefined {
  const toks: (string | Expr)[] = [];
  TOKEN.lastIndex = 0;
  let at = 0;
  while (at < text.length) {
    if (/^\s*$/.test(text.slice(at))) break;
    TOKEN.lastIndex = at;
    const m = TOKEN.exec(text);
    if (!m) return undefined;
    at = TOKEN.lastIndex;
    if (m[1] !== undefined) toks.push(num(Number(m[1])));
    else if (m[2] !== undefined) toks.push(FNS.has(m[2]) && /^\s*\(/.test(text.slice(at)) ? m[2] : sym(m[2]));
    else if (m[3] !== undefined) toks.push(sym(dataSymbol(m[3], Number(m[5]), m[4] === 'f')));
    else toks.push(m[6]!);
  }
  let i = 0;
  const peek = (): string | Expr | undefined => toks[i];
  const bad = {} as never;
  const sum = (): Expr => {
    const args = [prod()];
    for (let t = peek(); t === '+' || t === '-'; t = peek()) {
      i++;
      const p = prod();
      args.push(t === '-' ? { k: 'mul', args: [num(-1), p] } : p);
    }
    return args.length === 1 ? args[0]! : { k: 'add', args };
  };
  const prod = (): Expr => {
    const args = [unary()];
    while (peek() === '*') { i++; args.push(unary()); }
    return args.length === 1 ? args[0]! : { k: 'mul', args };
  };
  const unary = (): Expr => {
    if (peek() === '-') { i++; return { k: 'mul', args: [num(-1), unary()] }; }
    const t = toks[i++];
    if (t === undefined) throw bad;
    if (typeof t !== 'string') return t;
    if (t === '(') { const e = sum(); if (toks[i++] !== ')') throw bad; return e; }
    if (!FNS.has(t) || toks[i++] !== '(') throw bad;
    const args = [sum()];
    while (peek() === ',') { i++; args.push(sum()); }
    if (toks[i++] !== ')') throw bad;
    if (BINARY.has(t) ? args.length !== 2 : t === 'sel' ? args.length !== 3 : args.length < 1) throw bad;
    return { k: t as FnName, args };
  };
  try {
    const e = sum();
    return i === toks.length ? e : undefined;
  } catch (e) {
    if (e === bad) return undefined;
    throw e;
  }
}

// ---- printing ----

/** Text of an expression (canonical when the expression is simplified). */
export function printExpr(e: Expr): string {
  switch (e.k) {
    case 'num': return String(e.v);
    case 'sym': return e.name;
    case 'add': return e.args.map(printExpr).reduce((a, t) => (t.startsWith('-') ? `${a}${t}` : `${a}+${t}`));
    case 'mul': {
      const [first, ...rest] = e.args;
      const factors = (first!.k === 'num' && first!.v === -1 ? rest : e.args).map((a) => (a.k === 'add' ? `(${printExpr(a)})` : printExpr(a)));
      return (first!.k === 'num' && first!.v === -1 ? '-' : '') + factors.join('*');
    }
    default: return `${e.k}(${e.args.map(printExpr).join(',')})`;
  }
}

// ---- simplification: polynomials over atoms (symbols and function nodes) ----

interface Term { c: number; atoms: Expr[]; key: string }
type Poly = Map<string, Term>;

const constPoly = (v: number): Poly => new Map(v === 0 ? [] : [['', { c: v, atoms: [], key: '' }]]);
const atomPoly = (a: Expr): Poly => { const key = printExpr(a); return new Map([[key, { c: 1, atoms: [a], key }]]); };
const constOf = (p: Poly): number | undefined => (p.size === 0 ? 0 : p.size === 1 && p.has('') ? p.get('')!.c : undefined);

function addInto(out: Poly, p: Poly, scale = 1): void {
  for (const t of p.values()) {
    const c = (out.get(t.key)?.c ?? 0) + t.c * scale;
    if (c === 0) out.delete(t.key);
    else out.set(t.key, { ...t, c });
  }
}

function mulPoly(a: Poly, b: Poly): Poly {
  const out: Poly = new Map();
  for (const x of a.values()) {
    for (const y of b.values()) {
      const atoms = [...x.atoms, ...y.atoms].map((e) => [printExpr(e), e] as const).sort((p, q) => (p[0] < q[0] ? -1 : p[0] > q[0] ? 1 : 0));
      const key = atoms.map((p) => p[0]).join('*');
      addInto(out, new Map([[key, { c: x.c * y.c, atoms: atoms.map((p) => p[1]), key }]]));
    }
  }
  return out;
}

function fromPoly(p: Poly): Expr {
  const c = constOf(p);
  if (c !== undefined) return num(c);
  const terms = [...p.values()].sort((x, y) => (x.key === '' ? 1 : y.key === '' ? -1 : x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
  const exprs = terms.map((t): Expr => {
    if (t.atoms.length === 0) return num(t.c);
    if (t.c === 1 && t.atoms.length === 1) return t.atoms[0]!;
    return { k: 'mul', args: t.c === 1 ? t.atoms : [num(t.c), ...t.atoms] };
  });
  return exprs.length === 1 ? exprs[0]! : { k: 'add', args: exprs };
}

/** Whether e is >= 0 for every binding (dim symbols are sizes; data symbols may be anything). */
export function nonNegative(e: Expr): boolean {
  switch (e.k) {
    case 'num': return e.v >= 0;
    case 'sym': return !isDataSymbol(e.name);
    case 'add': case 'mul': return e.args.every(nonNegative);
    case 'max': return e.args.some(nonNegative);
    case 'min': return e.args.every(nonNegative);
    case 'floordiv': case 'ceildiv': return nonNegative(e.args[0]!) && e.args[1]!.k === 'num' && e.args[1]!.v > 0;
    case 'mod': return e.args[1]!.k === 'num' && e.args[1]!.v > 0;
    case 'wrap': return nonNegative(e.args[0]!);
    case 'eq': return true;
    case 'sel': return nonNegative(e.args[1]!) && nonNegative(e.args[2]!);
  }
}

const hasData = (e: Expr): boolean => (e.k === 'sym' ? isDataSymbol(e.name) : e.k === 'num' ? false : e.args.some(hasData));
const hasFloatData = (e: Expr): boolean => (e.k === 'sym' ? isFloatData(e.name) : e.k === 'num' ? false : e.args.some(hasFloatData));

function fnPoly(name: FnName, args0: readonly Expr[]): Poly {
  const args = args0.map(simplify);
  const nums = args.map((a) => (a.k === 'num' ? a.v : undefined));
  if (name === 'max' || name === 'min') {
    const flat = args.flatMap((a) => (a.k === name ? a.args : [a]));
    const consts = flat.filter((a) => a.k === 'num').map((a) => (a as { v: number }).v);
    let rest = flat.filter((a) => a.k !== 'num');
    const byKey = new Map(rest.map((a) => [printExpr(a), a] as const));
    rest = [...byKey.keys()].sort().map((k) => byKey.get(k)!);
    // Absorption: max(x, min(x, y)) = x and min(x, max(x, y)) = x (a slice clamped to a static
    // length, min(seq,128), broadcast against seq is seq).
    const dual = name === 'max' ? 'min' : 'max';
    rest = rest.filter((a) => a.k !== dual || !a.args.some((x) => byKey.has(printExpr(x)) && printExpr(x) !== printExpr(a)));
    let c = consts.length ? (name === 'max' ? Math.max(...consts) : Math.min(...consts)) : undefined;
    if (c !== undefined && rest.length > 0) {
      if (name === 'max' && c <= 0 && rest.some(nonNegative)) c = undefined;
      else if (name === 'min' && c >= BIG && rest.every((a) => nonNegative(a) && !hasData(a))) c = undefined;
    }
    const all = c === undefined ? rest : [...rest, num(c)];
    return all.length === 1 ? toPoly(all[0]!) : atomPoly({ k: name, args: all });
  }
  if (name === 'sel') {
    const [c, a, b] = args as [Expr, Expr, Expr];
    if (c.k === 'num') return toPoly(c.v !== 0 ? a : b);
    if (printExpr(a) === printExpr(b)) return toPoly(a);
    return atomPoly({ k: name, args });
  }
  const [a, b] = args as [Expr, Expr];
  if (name === 'eq') {
    const d = simplify({ k: 'add', args: [a, { k: 'mul', args: [num(-1), b] }] });
    if (d.k === 'num') return constPoly(d.v === 0 ? 1 : 0);
    // A size is never negative: eq(seq, -1) = 0.
    if ((b.k === 'num' && b.v < 0 && nonNegative(a)) || (a.k === 'num' && a.v < 0 && nonNegative(b))) return constPoly(0);
    const [p, q] = [a, b].sort((x, y) => (printExpr(x) < printExpr(y) ? -1 : 1));
    return atomPoly({ k: name, args: [p!, q!] });
  }
  const [x, y] = nums;
  if (name === 'wrap') {
    if (x !== undefined && y !== undefined) return constPoly(x < 0 ? x + y : x);
    if (x !== undefined && x < 0) { const p = toPoly(b); addInto(p, constPoly(x)); return p; }
    if (nonNegative(a)) return toPoly(a);
    return atomPoly({ k: name, args: [a, b] });
  }
  if (x !== undefined && y !== undefined && y !== 0) {
    const q = Math.floor(x / y);
    return constPoly((name === 'floordiv' ? q : name === 'ceildiv' ? -Math.floor(-x / y) : x - y * q) + 0);
  }
  // A float data symbol may hold a non-integer (a Range limit): floordiv(x, 1) is floor(x) there.
  if (y === 1 && !hasFloatData(a)) return name === 'mod' ? constPoly(0) : toPoly(a);
  if (x === 0 && y !== 0) return constPoly(0);
  const q = name === 'mod' || hasFloatData(a) ? undefined : exactQuotient(toPoly(a), toPoly(b));
  if (q) return q;
  return atomPoly({ k: name, args: [a, b] });
}

/**
 * a / b when b is one term with a positive coefficient that divides every term of a exactly
 * (floordiv(4*x+2, 2) = 2*x+1, floordiv(64*batch*seq, batch*seq) = 64: a dim symbol in b is > 0
 * whenever the division is meaningful), else undefined.
 */
function exactQuotient(a: Poly, b: Poly): Poly | undefined {
  if (b.size !== 1) return undefined;
  const d = [...b.values()][0]!;
  if (!(d.c > 0) || d.atoms.some((x) => x.k !== 'sym' || isDataSymbol(x.name))) return undefined;
  const out: Poly = new Map();
  for (const t of a.values()) {
    if (t.c % d.c !== 0) return undefined;
    const left = [...t.atoms];
    for (const x of d.atoms) {
      const at = left.findIndex((y) => y.k === 'sym' && x.k === 'sym' && y.name === x.name);
      if (at < 0) return undefined;
      left.splice(at, 1);
    }
    const key = left.map(printExpr).join('*');
    out.set(key, { c: t.c / d.c, atoms: left, key });
  }
  return out;
}

function toPoly(e: Expr): Poly {
  switch (e.k) {
    case 'num': return constPoly(e.v);
    case 'sym': return atomPoly(e);
    case 'add': { const out: Poly = new Map(); e.args.forEach((a) => addInto(out, toPoly(a))); return out; }
    case 'mul': return e.args.map(toPoly).reduce(mulPoly, constPoly(1));
    default: return fnPoly(e.k, e.args);
  }
}

/** Canonical form: expanded sorted sum of products; folds to a number when no symbol is left. */
export function simplify(e: Expr): Expr {
  return fromPoly(toPoly(e));
}

/** Value of e under bindings of its symbols; throws on an unbound symbol or a division by zero. */
export function evaluate(e: Expr, bind: (name: string) => number | undefined): number {
  switch (e.k) {
    case 'num': return e.v;
    case 'sym': {
      const v = bind(e.name);
      if (v === undefined) throw new Error(`symbol '${e.name}' is not bound`);
      return v;
    }
    case 'add': return e.args.reduce((a, x) => a + evaluate(x, bind), 0);
    case 'mul': return e.args.reduce((a, x) => a * evaluate(x, bind), 1);
    case 'max': return Math.max(...e.args.map((x) => evaluate(x, bind)));
    case 'min': return Math.min(...e.args.map((x) => evaluate(x, bind)));
    case 'sel': return evaluate(e.args[evaluate(e.args[0]!, bind) !== 0 ? 1 : 2]!, bind);
    default: {
      const a = evaluate(e.args[0]!, bind), b = evaluate(e.args[1]!, bind);
      if (e.k === 'wrap') return a < 0 ? a + b : a;
      if (e.k === 'eq') return a === b ? 1 : 0;
      if (b === 0) throw new Error(`division by zero in ${printExpr(e)}`);
      const q = Math.floor(a / b);
      return (e.k === 'floordiv' ? q : e.k === 'ceildiv' ? -Math.floor(-a / b) : a - b * q) + 0; // no -0
    }
  }
}

/** Symbols (plain and data) an expression refers to, sorted. */
export function symbolsOf(e: Expr): string[] {
  const out = new Set<string>();
  const walk = (x: Expr): void => { if (x.k === 'sym') out.add(x.name); else if (x.k !== 'num') x.args.forEach(walk); };
  walk(e);
  return [...out].sort();
}

// ---- dims ----

const CACHE = new Map<string, Expr | null>();

/** The expression a Dim stands for; undefined for '?' and strings that are not expressions. */
export function dimExpr(d: Dim): Expr | undefined {
  if (typeof d === 'number') return num(d);
  if (d === UNKNOWN_DIM) return undefined;
  let e = CACHE.get(d);
  if (e === undefined) {
    const p = parseExpr(d);
    e = p ? simplify(p) : null;
    if (CACHE.size > 10000) CACHE.clear();
    CACHE.set(d, e);
  }
  return e ?? undefined;
}

/** The Dim of an expression: a number when it folds, else its canonical text. */
export function exprDim(e: Expr): Dim {
  const s = simplify(e);
  return s.k === 'num' ? s.v : printExpr(s);
}

/** A string dim that is more than one plain symbol (an expression or a data symbol). */
export function isCompoundDim(d: Dim): boolean {
  if (typeof d === 'number' || d === UNKNOWN_DIM) return false;
  const e = dimExpr(d);
  return e !== undefined && !(e.k === 'sym' && !isDataSymbol(e.name));
}

const lift = (f: (...a: Expr[]) => Expr) => (...ds: Dim[]): Dim => {
  const es = ds.map(dimExpr);
  if (es.some((e) => e === undefined)) {
    // Plain arithmetic still works on numbers; an opaque symbol cannot be combined.
    return UNKNOWN_DIM;
  }
  return exprDim(f(...(es as Expr[])));
};

// x+0, x-0, x*1 and x/1 keep an opaque symbol x as it is.
const add0 = lift((a, b) => ({ k: 'add', args: [a!, b!] }));
export const dimAdd = (a: Dim, b: Dim): Dim => (b === 0 ? a : a === 0 ? b : add0(a, b));
const sub0 = lift((a, b) => ({ k: 'add', args: [a!, { k: 'mul', args: [num(-1), b!] }] }));
export const dimSub = (a: Dim, b: Dim): Dim => (b === 0 ? a : a === b && a !== UNKNOWN_DIM ? 0 : sub0(a, b));
const mul0 = lift((a, b) => ({ k: 'mul', args: [a!, b!] }));
export const dimMul = (a: Dim, b: Dim): Dim => (b === 1 ? a : a === 1 ? b : a === 0 || b === 0 ? 0 : mul0(a, b));
export const dimNeg = lift((a) => ({ k: 'mul', args: [num(-1), a!] }));
const fdiv0 = lift((a, b) => ({ k: 'floordiv', args: [a!, b!] }));
export const dimFloorDiv = (a: Dim, b: Dim): Dim => (b === 1 && !hasFloatDataDim(a) ? a : a === b && typeof a === 'string' && !isCompoundDim(a) && a !== UNKNOWN_DIM ? 1 : fdiv0(a, b));
export const dimCeilDiv = lift((a, b) => ({ k: 'ceildiv', args: [a!, b!] }));
export const dimMod = lift((a, b) => ({ k: 'mod', args: [a!, b!] }));
export const dimMax = lift((...a) => ({ k: 'max', args: a }));
export const dimMin = lift((...a) => ({ k: 'min', args: a }));
/** i < 0 ? i + d : i (ONNX negative indices). */
export const dimWrap = lift((i, d) => ({ k: 'wrap', args: [i!, d!] }));
/** min(max(x, lo), hi). */
export const dimEq = lift((a, b) => ({ k: 'eq', args: [a!, b!] }));
export const dimSel = lift((c, a, b) => ({ k: 'sel', args: [c!, a!, b!] }));
export const dimClamp = (x: Dim, lo: Dim, hi: Dim): Dim => dimMin(dimMax(x, lo), hi);

/** A dim whose value depends on graph-input data. */
export function hasDataSymbol(d: Dim): boolean {
  const e = typeof d === 'string' ? dimExpr(d) : undefined;
  return e !== undefined && hasData(e);
}
const hasFloatDataDim = (d: Dim): boolean => { const e = typeof d === 'string' ? dimExpr(d) : undefined; return e !== undefined && hasFloatData(e); };

/** Product of dims ('?' when one is '?' or opaque, unless another is 0). */
export function dimProd(dims: readonly Dim[]): Dim {
  if (dims.includes(0)) return 0;
  return dims.reduce<Dim>((a, d) => dimMul(a, d), 1);
}

const exprSize = (e: Expr): number => (e.k === 'num' || e.k === 'sym' ? 1 : e.args.reduce((n, a) => n + exprSize(a), 1));

/**
 * The one dim to use for two dims a shape rule needs equal (concat's other dims, matmul's inner
 * dims); undefined for two different numbers. A number wins, then a known dim over '?', then the
 * smaller expression (a plain symbol over floordiv(...)), then `a`. When they are not provably
 * equal the backends check the equality at run time (src/backends/dims.ts runtimeChecks).
 */
export function dimUnify(a: Dim, b: Dim): Dim | undefined {
  if (a === b) return a;
  if (typeof a === 'number' && typeof b === 'number') return undefined;
  if (typeof a === 'number' || b === UNKNOWN_DIM) return a;
  if (typeof b === 'number' || a === UNKNOWN_DIM) return b;
  const ea = dimExpr(a), eb = dimExpr(b);
  const size = (e: Expr | undefined): number => (e ? exprSize(e) : 1);
  return size(eb) < size(ea) ? b : a;
}

/** Value of a dim under bindings; undefined for '?' or opaque strings not in `bind`. */
export function evalDim(d: Dim, bind: (name: string) => number | undefined): number | undefined {
  if (typeof d === 'number') return d;
  const direct = bind(d);
  if (direct !== undefined) return direct;
  const e = dimExpr(d);
  return e ? evaluate(e, bind) : undefined;
}
