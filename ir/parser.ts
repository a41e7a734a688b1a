// The IR parser: text in the language of ir/grammar.ohm -> Module. Ohm checks the syntax (E401
// with line:col and the expected tokens); ir/grammar-ast.ts builds a syntax tree; this file
// resolves names and literals. It never runs shape rules: result types are taken as written and
// the verifier checks them afterwards (`tenth opt` = parse, verify, print).
//
// Names: `@` symbols (weights, functions) are module-wide and may be used before their definition;
// `%` values are unique per function (E403) and visible in the region that defines them and in
// regions nested in it, after their definition (E402 otherwise). An op's results become visible
// after the op, so its own regions cannot use them.

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type DiagCode, fail } from './diagnostics.js';
import { DTYPE_INFO, type DType, intRange, isDType } from './dtype.js';
import { grammar } from './grammar.js';
import { formatSymbol, formatValueName } from './printer.js';
import {
  AstError, buildAst, PreparedText, type AstArg, type AstAttrValue, type AstFunc, type AstLiteral, type AstModule,
  type AstOp, type AstRegion, type AstType, type AstWeight,
} from './grammar-ast.js';
import { type AttrValue, Func, Module, Op, Region, Value, type Weight, type WeightStore } from './ir.js';
import { type Loc, nodeLoc, textLoc } from './location.js';
import { decodeBytes, packedByteLength, sizeOf, type Tensor, tensorFrom } from './tensor.js';
import { formatType, isStaticShape, type TensorType, typesEqual } from './types.js';

export interface ParseOptions {
  /** File name used in locations (default `<input>`). */
  readonly file?: string;
  /** Directory that `file(...)` weight paths are relative to (default: the file's directory, else the cwd). */
  readonly baseDir?: string;
}

/** Parse a module. Throws TenthError: E401 syntax, E402 undefined name, E403 duplicate name. */
export function parseModule(text: string, opts: ParseOptions = {}): Module {
  const file = opts.file ?? '<input>';
  const baseDir = opts.baseDir ?? (opts.file ? dirname(opts.file) : '.');
  const ctx = new Ctx(text, file);
  const ast = ctx.syntax<AstModule>('Module');
  const m = new Module(ast.name);
  m.store = new TextWeightStore(baseDir);
  for (const e of ast.meta) {
    if (m.meta.has(e.key)) ctx.fail('E403', `module attribute '${e.key}' is given twice`, e.pos);
    m.meta.set(e.key, e.value);
  }
  for (const w of ast.weights) {
    if (m.weights.has(w.name)) ctx.fail('E403', `weight ${formatSymbol(w.name)} is defined twice`, w.pos);
    m.weights.set(w.name, ctx.weight(w));
  }
  const funcNames = new Set<string>();
  for (const f of ast.funcs) {
    if (funcNames.has(f.name)) ctx.fail('E403', `function ${formatSymbol(f.name)} is defined twice`, f.pos);
    funcNames.add(f.name);
    m.funcs.push(new FuncBuilder(ctx, m).func(f));
  }
  return m;
}

/** Read and parse a `.ir` file; `file(...)` weights resolve relative to its directory. */
export function parseModuleFile(path: string): Module {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'E101' : 'E102';
    return fail(code, `${path}: ${(e as Error).message}`);
  }
  return parseModule(text, { file: path, baseDir: dirname(path) });
}

/** Parse a type such as `f32[batch,3,224,224]`. */
export function parseType(text: string): TensorType {
  const ctx = new Ctx(text, '<type>');
  return ctx.type(ctx.syntax<AstType>('Type'));
}

/** Source text, positions and literal conversion shared by the whole parse. */
class Ctx {
  private readonly lineStarts: number[] = [0];
  private readonly prepared: PreparedText;
  constructor(text: string, readonly file: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
    this.prepared = new PreparedText(text);
  }

  /** Location of a position in the matched (prepared) text. */
  loc(matchedPos: number): Loc {
    const pos = this.prepared.originalPos(matchedPos);
    let lo = 0, hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= pos) lo = mid; else hi = mid - 1;
    }
    return textLoc(this.file, lo + 1, pos - this.lineStarts[lo]! + 1);
  }

  fail(code: DiagCode, message: string, pos: number): never {
    return fail(code, message, this.loc(pos));
  }

  syntax<T>(rule: string): T {
    const match = grammar.match(this.prepared.text, rule);
    if (match.failed()) {
      this.fail('E401', `expected ${match.getExpectedText()}`, match.getRightmostFailurePosition());
    }
    try {
      return buildAst<T>(match, this.prepared);
    } catch (e) {
      if (e instanceof AstError) this.fail('E401', e.message, e.pos);
      throw e;
    }
  }

  dtype(name: string, pos: number): DType {
    if (!isDType(name)) this.fail('E401', `unknown dtype '${name}'`, pos);
    return name;
  }

  type(t: AstType): TensorType {
    const dtype = this.dtype(t.dtype, t.pos);
    if (t.shape?.some((d) => typeof d === 'number' && !Number.isSafeInteger(d))) {
      this.fail('E401', 'dimension too large', t.pos);
    }
    return { dtype, shape: t.shape };
  }

  weight(w: AstWeight): Weight {
    const type = this.type(w.type);
    const need = isStaticShape(type.shape) && type.dtype !== 'string' ? packedByteLength(type.dtype, sizeOf(type.shape)) : 0;
    if (w.source.kind === 'file') {
      if (w.source.length < need) {
        this.fail('E401', `weight @${w.name} of type ${formatType(type)} needs ${need} bytes, file range has ${w.source.length}`, w.pos);
      }
      return { name: w.name, type, source: w.source };
    }
    const bytes = this.hex(w.source.hex, w.source.pos);
    if (bytes.length < need) {
      this.fail('E401', `weight @${w.name} of type ${formatType(type)} needs ${need} bytes, has ${bytes.length}`, w.source.pos);
    }
    return { name: w.name, type, source: { kind: 'inline', bytes } };
  }

  hex(s: string, pos: number): Uint8Array {
    if (!/^0x([0-9a-fA-F]{2})*$/.test(s)) this.fail('E401', 'expected hex bytes "0x..." (two digits per byte)', pos);
    const out = new Uint8Array((s.length - 2) / 2);
    for (let i = 0; i < out.length; i++) out[i] = (hexDigit(s.charCodeAt(2 + 2 * i)) << 4) | hexDigit(s.charCodeAt(3 + 2 * i));
    return out;
  }

  attr(a: AstAttrValue, weights: ReadonlyMap<string, Weight>): AttrValue {
    switch (a.kind) {
      case 'int': return { kind: 'int', value: Number(a.text) };
      case 'float': return { kind: 'float', value: floatValue(a.text) };
      case 'string': return { kind: 'string', value: a.value };
      case 'list':
        if (a.of === 'ints') return { kind: 'ints', value: a.items.map((x) => Number(x.text)) };
        if (a.of === 'floats') return { kind: 'floats', value: a.items.map((x) => floatValue(x.text)) };
        return { kind: 'strings', value: a.items.map((x) => x.text) };
      case 'dtype': return { kind: 'dtype', value: this.dtype(a.name, a.pos) };
      case 'weight':
        if (!weights.has(a.name)) this.fail('E402', `undefined weight ${formatSymbol(a.name)}`, a.pos);
        return { kind: 'weight', value: a.name };
      case 'dense': return { kind: 'tensor', value: this.tensor(a) };
    }
  }

  tensor(a: Extract<AstAttrValue, { kind: 'dense' }>): Tensor {
    const type = this.type(a.type);
    if (!isStaticShape(type.shape)) this.fail('E401', `a dense tensor needs a static shape, got ${formatType(type)}`, a.type.pos);
    const shape = type.shape, n = sizeOf(shape);
    if (a.splat && a.splat.kind === 'string' && type.dtype !== 'string') {
      const bytes = this.hex(a.splat.text, a.splat.pos);
      const need = packedByteLength(type.dtype, n);
      if (bytes.length !== need) this.fail('E401', `${formatType(type)} needs ${need} bytes, got ${bytes.length}`, a.splat.pos);
      return decodeBytes(type.dtype, shape, bytes);
    }
    const items = a.list ?? new Array<AstLiteral>(n).fill(a.splat!);
    if (items.length !== n) this.fail('E401', `${items.length} elements given for ${formatType(type)} (${n} elements)`, a.pos);
    return tensorFrom(type.dtype, shape, items.map((x) => this.element(type.dtype, x)));
  }

  element(dtype: DType, x: AstLiteral): number | bigint | string {
    const kind = DTYPE_INFO[dtype].kind;
    const bad = (): never => this.fail('E401', `${x.text} is not a valid ${dtype} element`, x.pos);
    if (kind === 'string') return x.kind === 'string' ? x.text : bad();
    if (kind === 'bool') {
      if (x.kind === 'bool') return x.text === 'true' ? 1 : 0;
      return x.text === '0' || x.text === '1' ? Number(x.text) : bad();
    }
    if (kind === 'float') return x.kind === 'int' || x.kind === 'float' ? floatValue(x.text) : bad();
    if (x.kind !== 'int') return bad();
    if (dtype === 'i64' || dtype === 'u64') {
      const v = BigInt(x.text);
      const bits = 64n;
      const [lo, hi] = dtype === 'i64' ? [-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n] : [0n, (1n << bits) - 1n];
      if (v < lo || v > hi) this.fail('E401', `${x.text} is out of range for ${dtype}`, x.pos);
      return v;
    }
    const v = Number(x.text);
    const [lo, hi] = intRange(dtype);
    if (v < lo || v > hi) this.fail('E401', `${x.text} is out of range for ${dtype}`, x.pos);
    return v;
  }
}

/** Value of an ASCII hex digit (already validated). */
const hexDigit = (c: number): number => (c <= 57 ? c - 48 : (c | 32) - 87);

function floatValue(text: string): number {
  if (text === 'nan') return NaN;
  if (text === 'inf') return Infinity;
  if (text === '-inf') return -Infinity;
  return Number(text);
}

/** Values visible in one region: its own and (through `parent`) those of enclosing regions. */
class Scope {
  private readonly values = new Map<string, Value>();
  constructor(readonly parent: Scope | null) {}
  lookup(name: string): Value | undefined {
    return this.values.get(name) ?? this.parent?.lookup(name);
  }
  add(v: Value): void { this.values.set(v.name, v); }
}

class FuncBuilder {
  /** Every value name defined so far in the function (names are function-wide unique). */
  private readonly defined = new Set<string>();
  constructor(private readonly ctx: Ctx, private readonly module: Module) {}

  func(f: AstFunc): Func {
    const scope = new Scope(null);
    const body = this.region({ args: f.args, ops: f.body }, scope);
    const fn = new Func(f.name, body, f.results.map((r) => r.name));
    const term = body.terminator;
    f.results.forEach((r, i) => {
      const v = term?.name === 'return' ? term.operands[i] : undefined;
      if (!r.type || !v) return;
      const declared = this.ctx.type(r.type);
      if (!typesEqual(declared, v.type)) {
        this.ctx.fail('E303', `result ${formatValueName(r.name)} is declared ${formatType(declared)} but ${formatSymbol(f.name)} returns ${formatType(v.type)}`, r.pos);
      }
    });
    return fn;
  }

  private reserve(name: string, pos: number): void {
    if (this.defined.has(name)) this.ctx.fail('E403', `value ${formatValueName(name)} is defined twice`, pos);
    this.defined.add(name);
  }

  private arg(a: AstArg, scope: Scope): Value {
    this.reserve(a.name, a.pos);
    const v = new Value(a.name, this.ctx.type(a.type));
    scope.add(v);
    return v;
  }

  private region(r: AstRegion, scope: Scope): Region {
    const args = r.args.map((a) => this.arg(a, scope));
    return new Region(args, r.ops.map((op) => this.op(op, scope)));
  }

  private op(o: AstOp, scope: Scope): Op {
    const operands = o.operands.map((ref) => {
      if (!ref) return null;
      const v = scope.lookup(ref.name);
      if (!v) this.ctx.fail('E402', `undefined value ${formatValueName(ref.name)}`, ref.pos);
      return v;
    });
    const types = o.types ?? [];
    if (types.length !== o.results.length) {
      const what = o.types === null ? 'no result types' : `${types.length} result types`;
      this.ctx.fail('E401', `${o.name} has ${o.results.length} results but ${what}`, o.pos);
    }
    o.results.forEach((r) => this.reserve(r.name, r.pos));
    const results = o.results.map((r, i) => new Value(r.name, this.ctx.type(types[i]!)));
    const attrs = new Map<string, AttrValue>();
    for (const a of o.attrs) {
      if (attrs.has(a.key)) this.ctx.fail('E403', `attribute '${a.key}' is given twice`, a.pos);
      attrs.set(a.key, this.ctx.attr(a.value, this.module.weights));
    }
    const regions = o.regions.map((r) => this.region(r, new Scope(scope)));
    const loc = o.loc ? nodeLoc(o.loc.file, o.loc.node) : this.ctx.loc(o.pos);
    const op = new Op(o.name, operands, results, attrs, regions, loc);
    results.forEach((v) => scope.add(v));
    return op;
  }
}

/** Weight bytes for parsed modules: inline bytes as written, file ranges read on first use. */
export class TextWeightStore implements WeightStore {
  private readonly files = new Map<string, Uint8Array>();
  constructor(readonly baseDir: string) {}

  bytes(w: Weight): Uint8Array {
    const s = w.source;
    if (s.kind === 'inline') return s.bytes;
    const path = resolve(this.baseDir, s.path);
    let data = this.files.get(path);
    if (!data) {
      try {
        data = new Uint8Array(readFileSync(path));
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'E101' : 'E102';
        return fail(code, `weight @${w.name}: cannot read ${path}: ${(e as Error).message}`);
      }
      this.files.set(path, data);
    }
    if (s.offset + s.length > data.length) {
      fail('E107', `weight @${w.name}: bytes ${s.offset}..${s.offset + s.length} are outside ${path} (${data.length} bytes)`);
    }
    return data.subarray(s.offset, s.offset + s.length);
  }
}

