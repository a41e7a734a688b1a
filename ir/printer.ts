// The IR printer. Its output is the language of ir/grammar.ohm, and parse(print(m)) prints
// identically, so any IR a user sees can be pasted back into `tenth opt`.
//
// Determinism: module meta and op attributes print sorted by key; weights and functions print in
// module order. Values print under their own names; when two distinct values of one function share
// a name, later ones get `_1`, `_2`... (never a name used elsewhere in the function), because the
// text form needs function-wide unique names. Text locations are not printed (the parser recreates
// them from where the op is); node locations print as `loc("model.onnx":"/layer1/conv")`.

import { DTYPE_INFO, type DType } from './dtype.js';
import { type AttrValue, type Func, type Module, type Op, Region, type Value, type Weight } from './ir.js';
import type { Loc } from './location.js';
import { decodeBytes, encodeBytes, isBigData, roundToDType, type Tensor } from './tensor.js';
import { formatType, type TensorType } from './types.js';

/** Tensors with more elements than this print as packed little-endian bytes (unless they are a splat). */
export const MAX_LISTED_ELEMENTS = 16;

const BARE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.$-]*$/;
const BARE_OP_NAME = /^[A-Za-z][A-Za-z0-9_.]*$/;

/** A value, weight, function or attribute name as written after `%`/`@`: bare when possible, else quoted. */
export function formatName(name: string): string {
  return BARE_NAME.test(name) ? name : JSON.stringify(name);
}

/** An op name: bare (`conv`, `my.op`) or quoted when it is anything else. */
export const formatOpName = (name: string): string => (BARE_OP_NAME.test(name) ? name : JSON.stringify(name));

export const formatValueName = (name: string): string => `%${formatName(name)}`;
export const formatSymbol = (name: string): string => `@${formatName(name)}`;

// ---------------------------------------------------------------------------------------------
// Numbers. Every literal parses back to exactly the same value.

/** A float attribute: shortest text that reads back as the same double, always marked as a float. */
export function formatFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (Object.is(x, -0)) return '-0.0';
  const s = String(x);
  return /^-?\d+$/.test(s) ? `${s}.0` : s;
}

/** An int attribute (JS number; integers beyond 2^53 print in full so they read back the same). */
export function formatInt(x: number): string {
  if (Number.isSafeInteger(x)) return String(x);
  if (Number.isInteger(x)) return BigInt(x).toString();
  return formatFloat(x);
}

/** One tensor element of a float dtype: the shortest decimal that the dtype's rounding maps back to x. */
function formatFloatElement(dtype: DType, x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (Object.is(x, -0)) return '-0';
  if (dtype === 'f64') return String(x);
  const round = dtype === 'f32' ? Math.fround : (v: number) => roundToDType(dtype, v);
  const exact = String(x);
  for (let p = 1; p < 17; p++) {
    const s = String(Number(x.toPrecision(p)));
    // Prefer the value itself when it is as short (448, not 450, for f8e4m3fn's largest value).
    if (round(Number(s)) === x) return exact.length <= s.length ? exact : s;
  }
  return exact;
}

function formatElement(t: Tensor, i: number): string {
  const v = t.data[i]!;
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return v.toString();
  if (t.dtype === 'bool') return v ? 'true' : 'false';
  if (DTYPE_INFO[t.dtype].kind === 'float') return formatFloatElement(t.dtype, v);
  return String(v);
}

function sameElement(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));
  return a === b;
}

function isSplat(t: Tensor): boolean {
  const d = t.data;
  if (d.length < 2) return false;
  const first = d[0];
  for (let i = 1; i < d.length; i++) if (!sameElement(d[i], first)) return false;
  return true;
}

const HEX_PAIRS = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function toHex(bytes: Uint8Array): string {
  const parts: string[] = ['0x'];
  for (let i = 0; i < bytes.length; i += 4096) {
    let s = '';
    for (let j = i; j < Math.min(i + 4096, bytes.length); j++) s += HEX_PAIRS[bytes[j]!];
    parts.push(s);
  }
  return parts.join('');
}

/** Packed bytes of a tensor. Reduced-precision floats are re-encoded once more so that NaN bits
 *  settle on the form decoding produces (otherwise a second print could differ from the first). */
function tensorBytes(t: Tensor): Uint8Array {
  const b = encodeBytes(t);
  const settles = DTYPE_INFO[t.dtype].storage === 'f32' && t.dtype !== 'f32' && !isBigData(t.data);
  return settles ? encodeBytes(decodeBytes(t.dtype, t.shape, b)) : b;
}

/** `dense<[1, 2]> : i64[2]`, `dense<0> : f32[3,3]` (splat) or `dense<"0x..."> : f32[64]`. */
export function formatTensor(t: Tensor): string {
  const type = formatType({ dtype: t.dtype, shape: t.shape });
  const n = t.data.length;
  let body: string;
  if (t.shape.length === 0 && n === 1) body = formatElement(t, 0);
  else if (isSplat(t)) body = formatElement(t, 0);
  else if (n <= MAX_LISTED_ELEMENTS || t.dtype === 'string') {
    const items: string[] = [];
    for (let i = 0; i < n; i++) items.push(formatElement(t, i));
    body = `[${items.join(', ')}]`;
  } else body = JSON.stringify(toHex(tensorBytes(t)));
  return `dense<${body}> : ${type}`;
}

// ---------------------------------------------------------------------------------------------
// Attributes, types, locations.

export function formatAttr(a: AttrValue): string {
  switch (a.kind) {
    case 'int': return formatInt(a.value);
    case 'float': return formatFloat(a.value);
    case 'string': return JSON.stringify(a.value);
    case 'ints': return a.value.length ? `[${a.value.map(formatInt).join(', ')}]` : '[] : ints';
    case 'floats': return a.value.length ? `[${a.value.map(formatFloat).join(', ')}]` : '[] : floats';
    case 'strings': return a.value.length ? `[${a.value.map((s) => JSON.stringify(s)).join(', ')}]` : '[] : strings';
    case 'dtype': return a.value;
    case 'tensor': return formatTensor(a.value);
    case 'weight': return formatSymbol(a.value);
  }
}

const byKey = <T>(a: [string, T], b: [string, T]): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

export function formatAttrDict(attrs: ReadonlyMap<string, AttrValue>): string {
  if (attrs.size === 0) return '';
  const entries = [...attrs].sort(byKey).map(([k, v]) => `${formatName(k)} = ${formatAttr(v)}`);
  return ` {${entries.join(', ')}}`;
}

/** ` loc("model.onnx":"/conv1/Conv")` for node locations; nothing for text or unknown ones. */
export function formatLocSuffix(loc: Loc): string {
  return loc.kind === 'node' ? ` loc(${JSON.stringify(loc.file)}:${JSON.stringify(loc.node)})` : '';
}

// ---------------------------------------------------------------------------------------------
// Value names, unique per function.

class Namer {
  private readonly names = new Map<Value, string>();
  private readonly used = new Set<string>();
  constructor(private readonly taken: ReadonlySet<string>) {}

  define(v: Value): void {
    if (this.names.has(v)) return;
    let name = v.name;
    if (this.used.has(name)) {
      let k = 1;
      while (this.used.has(`${v.name}_${k}`) || this.taken.has(`${v.name}_${k}`)) k++;
      name = `${v.name}_${k}`;
    }
    this.used.add(name);
    this.names.set(v, name);
  }

  /** Name of a use; a value defined nowhere in the function keeps its own name. */
  ref(v: Value | null): string {
    return v ? formatValueName(this.names.get(v) ?? v.name) : 'none';
  }
}

function collectNames(region: Region, out: Set<string>): void {
  for (const a of region.args) out.add(a.name);
  for (const op of region.ops) {
    for (const r of op.results) out.add(r.name);
    for (const sub of op.regions) collectNames(sub, out);
  }
}

/** Define names in textual order: region args, then each op's results, then its regions. */
function defineNames(region: Region, namer: Namer): void {
  for (const a of region.args) namer.define(a);
  for (const op of region.ops) {
    for (const r of op.results) namer.define(r);
    for (const sub of op.regions) defineNames(sub, namer);
  }
}

function namerFor(region: Region): Namer {
  const taken = new Set<string>();
  collectNames(region, taken);
  const namer = new Namer(taken);
  defineNames(region, namer);
  return namer;
}

// ---------------------------------------------------------------------------------------------
// Ops, regions, functions, modules.

export interface PrintOptions {
  /** Print node locations (default true). */
  readonly locations?: boolean;
  /**
   * Rewrites the path of file-backed weights as printed (paths are relative to the folder the
   * text will be read from; a caller writing the text elsewhere rebases them). Default: as stored.
   */
  readonly weightPath?: (path: string) => string;
}

class Printer {
  private readonly lines: string[] = [];
  constructor(private readonly namer: Namer, private readonly opts: PrintOptions) {}

  text(): string { return this.lines.join('\n'); }

  region(region: Region, indent: string, withArgs = true): void {
    if (withArgs && region.args.length > 0) {
      this.lines.push(`${indent.slice(2)}^(${region.args.map((a) => this.argDecl(a)).join(', ')}):`);
    }
    region.ops.forEach((op, i) => this.op(op, indent, i === region.ops.length - 1));
  }

  argDecl(a: Value): string {
    return `${this.namer.ref(a)}: ${formatType(a.type)}`;
  }

  op(op: Op, indent: string, last: boolean): void {
    const loc = this.opts.locations === false ? '' : formatLocSuffix(op.loc);
    const operands = op.operands.map((v) => this.namer.ref(v)).join(', ');
    const shortTerminator = (op.name === 'return' || op.name === 'yield') && last
      && op.results.length === 0 && op.attrs.size === 0 && op.regions.length === 0;
    if (shortTerminator) {
      this.lines.push(`${indent}${op.name}${operands ? ' ' : ''}${operands}${loc}`);
      return;
    }
    const results = op.results.length ? `${op.results.map((r) => this.namer.ref(r)).join(', ')} = ` : '';
    const types = op.results.length === 0 ? ''
      : op.results.length === 1 ? ` : ${formatType(op.results[0]!.type)}`
        : ` : (${op.results.map((r) => formatType(r.type)).join(', ')})`;
    // `return`/`yield` keep their parentheses so the generic form never reads as the short one.
    const parens = operands || op.name === 'return' || op.name === 'yield' ? `(${operands})` : '';
    const head = `${indent}${results}${formatOpName(op.name)}${parens}${formatAttrDict(op.attrs)}${types}${loc}`;
    if (op.regions.length === 0) {
      this.lines.push(head);
      return;
    }
    this.lines.push(`${head} {`);
    op.regions.forEach((r, i) => {
      this.region(r, `${indent}  `);
      this.lines.push(i === op.regions.length - 1 ? `${indent}}` : `${indent}} {`);
    });
  }

  func(f: Func, indent: string): void {
    const args = f.body.args.map((a) => this.argDecl(a)).join(', ');
    const term = f.body.terminator;
    const returned = term?.name === 'return' ? term.operands : [];
    const results = f.resultNames.map((n, i) => {
      const v = returned[i];
      return v ? `${formatValueName(n)}: ${formatType(v.type)}` : formatValueName(n);
    });
    this.lines.push(`${indent}func ${formatSymbol(f.name)}(${args}) -> (${results.join(', ')}) {`);
    this.region(f.body, `${indent}  `, false);
    this.lines.push(`${indent}}`);
  }
}

export function formatWeight(w: Weight, weightPath: (path: string) => string = (p) => p): string {
  const src = w.source.kind === 'file'
    ? `file(${JSON.stringify(weightPath(w.source.path))}, offset = ${w.source.offset}, length = ${w.source.length})`
    : `bytes(${JSON.stringify(toHex(w.source.bytes))})`;
  return `weight ${formatSymbol(w.name)} : ${formatType(w.type)} = ${src}`;
}

export function printFunc(f: Func, opts: PrintOptions = {}, indent = ''): string {
  const p = new Printer(namerFor(f.body), opts);
  p.func(f, indent);
  return p.text();
}

/** One op (with its regions) outside its function, e.g. for messages; names are not deduplicated. */
export function printOp(op: Op, opts: PrintOptions = {}): string {
  const p = new Printer(namerFor(new Region([], [op])), opts);
  p.op(op, '', false);
  return p.text();
}

export function printModule(m: Module, opts: PrintOptions = {}): string {
  const meta = [...m.meta].sort(byKey).map(([k, v]) => `${formatName(k)} = ${JSON.stringify(v)}`);
  const head = `module ${formatSymbol(m.name)}${meta.length ? ` attributes {${meta.join(', ')}}` : ''} {`;
  const sections: string[] = [];
  if (m.weights.size > 0) sections.push([...m.weights.values()].map((w) => `  ${formatWeight(w, opts.weightPath)}`).join('\n'));
  for (const f of m.funcs) sections.push(printFunc(f, opts, '  '));
  return `${head}\n${sections.join('\n\n')}${sections.length ? '\n' : ''}}\n`;
}

export const printType = (t: TensorType): string => formatType(t);
