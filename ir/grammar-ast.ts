// Ohm semantics for the IR grammar: turns a successful match into a plain syntax tree that keeps
// source offsets. Names, scopes, types and literal values are resolved afterwards by ir/parser.ts,
// which turns offsets into line:col diagnostics.

import type * as ohm from 'ohm-js';
import { grammar } from './grammar.js';

/** A syntactic problem found while building the tree (e.g. a bad string escape). */
export class AstError extends Error {
  constructor(message: string, readonly pos: number) { super(message); }
}

export interface AstName { readonly name: string; readonly pos: number }
export interface AstType { readonly dtype: string; readonly shape: (number | string)[] | null; readonly pos: number }
export interface AstArg { readonly name: string; readonly type: AstType; readonly pos: number }
export interface AstResultDecl { readonly name: string; readonly type: AstType | null; readonly pos: number }

/** A literal as written (text kept so the parser can read it exactly for the declared dtype). */
export interface AstLiteral { readonly kind: 'int' | 'float' | 'string' | 'bool'; readonly text: string; readonly pos: number }

export type AstAttrValue =
  | { readonly kind: 'int' | 'float'; readonly text: string; readonly pos: number }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'list'; readonly of: 'ints' | 'floats' | 'strings'; readonly items: AstLiteral[] }
  | { readonly kind: 'dtype'; readonly name: string; readonly pos: number }
  | { readonly kind: 'weight'; readonly name: string; readonly pos: number }
  | { readonly kind: 'dense'; readonly list: AstLiteral[] | null; readonly splat: AstLiteral | null; readonly type: AstType; readonly pos: number };

export interface AstAttr { readonly key: string; readonly value: AstAttrValue; readonly pos: number }

export interface AstOp {
  readonly results: AstName[];
  readonly name: string;
  readonly operands: (AstName | null)[];
  readonly attrs: AstAttr[];
  /** null when the op has no `: types` part. */
  readonly types: AstType[] | null;
  readonly loc: { file: string; node: string } | null;
  readonly regions: AstRegion[];
  readonly pos: number;
}

export interface AstRegion { readonly args: AstArg[]; readonly ops: AstOp[] }

export interface AstFunc {
  readonly name: string;
  readonly args: AstArg[];
  readonly results: AstResultDecl[];
  readonly body: AstOp[];
  readonly pos: number;
}

export type AstSource =
  | { readonly kind: 'file'; readonly path: string; readonly offset: number; readonly length: number }
  | { readonly kind: 'inline'; readonly hex: string; readonly pos: number };

export interface AstWeight { readonly name: string; readonly type: AstType; readonly source: AstSource; readonly pos: number }

export interface AstModule {
  readonly name: string;
  readonly meta: { key: string; value: string; pos: number }[];
  readonly weights: AstWeight[];
  readonly funcs: AstFunc[];
}

type N = ohm.Node;
const pos = (n: N): number => n.source.startIdx;
const list = <T>(n: N): T[] => n.asIteration().children.map((c) => c['ast']() as T);
const opt = <T>(n: N): T | null => (n.children.length > 0 ? (n.children[0]!['ast']() as T) : null);
const many = <T>(n: N): T[] => n.children.map((c) => c['ast']() as T);

const literal = (n: N, kind: AstLiteral['kind']): AstLiteral => ({ kind, text: n.sourceString, pos: pos(n) });

const actions: ohm.ActionDict<unknown> = {
  Module(_kw, name, meta, _o, items, _c, _end): AstModule {
    const all = many<AstWeight | AstFunc>(items);
    return {
      name: name['ast']().name,
      meta: opt<AstModule['meta']>(meta) ?? [],
      weights: all.filter((x): x is AstWeight => 'source' in x),
      funcs: all.filter((x): x is AstFunc => 'body' in x),
    };
  },
  MetaDict(_kw, _o, entries, _c) { return list(entries); },
  MetaEntry(key, _eq, value) { return { key: key['ast'](), value: value['ast'](), pos: pos(this) }; },
  Weight(_kw, name, _colon, type, _eq, source): AstWeight {
    return { name: name['ast']().name, type: type['ast'](), source: source['ast'](), pos: pos(this) };
  },
  FileSource(_kw, _o, path, _c1, _k1, _e1, offset, _c2, _k2, _e2, length, _c) {
    return { kind: 'file', path: path['ast'](), offset: Number(offset.sourceString), length: Number(length.sourceString) };
  },
  BytesSource(_kw, _o, hex, _c) { return { kind: 'inline', hex: hex['ast'](), pos: pos(hex) }; },
  Func(_kw, name, _o, args, _c, _arrow, _o2, results, _c2, body): AstFunc {
    return { name: name['ast']().name, args: list(args), results: list(results), body: body['ast'](), pos: pos(this) };
  },
  ArgDecl(v, _colon, type): AstArg { return { name: v['ast']().name, type: type['ast'](), pos: pos(this) }; },
  ResultDecl(v, _colon, type): AstResultDecl {
    return { name: v['ast']().name, type: opt<AstType>(type), pos: pos(this) };
  },
  Block(_o, stmts, _c) { return many(stmts); },
  OpStmt(results, name, operands, attrs, types, loc, regions): AstOp {
    return {
      results: opt<AstName[]>(results) ?? [],
      name: name['ast'](),
      operands: opt<(AstName | null)[]>(operands) ?? [],
      attrs: opt<AstAttr[]>(attrs) ?? [],
      types: opt<AstType[]>(types),
      loc: opt(loc),
      regions: many(regions),
      pos: pos(this),
    };
  },
  Results(names, _eq) { return list(names); },
  Operands(_o, operands, _c) { return list(operands); },
  Terminator(kw, operands, loc): AstOp {
    return { results: [], name: kw.sourceString, operands: list(operands), attrs: [], types: null, loc: opt(loc), regions: [], pos: pos(this) };
  },
  Operand_value(v) { return v['ast'](); },
  Operand_none(_kw) { return null; },
  TypeSig_many(_colon, _o, types, _c) { return list(types); },
  TypeSig_one(_colon, type) { return [type['ast']()]; },
  Loc(_kw, _o, file, _colon, node, _c) { return { file: file['ast'](), node: node['ast']() }; },
  Region(_o, args, stmts, _c): AstRegion { return { args: opt<AstArg[]>(args) ?? [], ops: many(stmts) }; },
  BlockArgs(_caret, _o, args, _c, _colon) { return list(args); },
  AttrDict(_o, entries, _c) { return list(entries); },
  AttrEntry(key, _eq, value): AstAttr { return { key: key['ast'](), value: value['ast'](), pos: pos(this) }; },
  AttrValue_tensor(d) { return d['ast'](); },
  AttrValue_weight(w) { const r = w['ast']() as AstName; return { kind: 'weight', name: r.name, pos: r.pos }; },
  AttrValue_float(f) { return { kind: 'float', text: f.sourceString, pos: pos(f) }; },
  AttrValue_int(i) { return { kind: 'int', text: i.sourceString, pos: pos(i) }; },
  AttrValue_string(s) { return { kind: 'string', value: s['ast']() }; },
  AttrValue_emptyTyped(_o, _c, _colon, kind) { return { kind: 'list', of: kind.sourceString, items: [] }; },
  AttrValue_empty(_o, _c) { return { kind: 'list', of: 'ints', items: [] }; },
  AttrValue_floats(_o, items, _c) { return { kind: 'list', of: 'floats', items: list(items) }; },
  AttrValue_ints(_o, items, _c) { return { kind: 'list', of: 'ints', items: list(items) }; },
  AttrValue_strings(_o, items, _c) {
    const values = items.asIteration().children.map((c) => ({ kind: 'string', text: c['ast'](), pos: pos(c) }));
    return { kind: 'list', of: 'strings', items: values };
  },
  AttrValue_dtype(id) { return { kind: 'dtype', name: id.sourceString, pos: pos(id) }; },
  Dense(_kw, _lt, body, _gt, _colon, type) {
    const b = body['ast']() as { list: AstLiteral[] } | { splat: AstLiteral };
    return {
      kind: 'dense',
      list: 'list' in b ? b.list : null,
      splat: 'splat' in b ? b.splat : null,
      type: type['ast'](),
      pos: pos(this),
    };
  },
  DenseBody_list(_o, items, _c) { return { list: list(items) }; },
  DenseBody_splat(e) { return { splat: e['ast']() }; },
  element(e) {
    const text = this.sourceString;
    if (text.startsWith('"')) return { kind: 'string', text: e['ast'](), pos: pos(this) };
    if (text === 'true' || text === 'false') return { kind: 'bool', text, pos: pos(this) };
    return { kind: /^-?\d+$/.test(text) ? 'int' : 'float', text, pos: pos(this) };
  },
  Type(dtype, _o, dims, _c): AstType {
    return { dtype: dtype.sourceString, shape: dims['ast'](), pos: pos(this) };
  },
  Dims_unranked(_star) { return null; },
  Dims_ranked(dims) { return list(dims); },
  Dim(d) {
    const text = this.sourceString;
    if (/^\d+$/.test(text)) return Number(text);
    if (text.startsWith('"')) return d['ast']();
    return text;
  },
  valueRef(_pct, name): AstName { return { name: name['ast'](), pos: pos(this) }; },
  symbolRef(_at, name): AstName { return { name: name['ast'](), pos: pos(this) }; },
  bareName(_a, _b) { return this.sourceString; },
  opIdent(_a, _b) { return this.sourceString; },
  float(_f) { return literal(this, 'float'); },
  int(_sign, _digits) { return literal(this, 'int'); },
  string(_o, _chars, _c) {
    const text = current?.literal(this.sourceString) ?? this.sourceString;
    try {
      return JSON.parse(text) as string;
    } catch {
      throw new AstError(`invalid string literal ${text.length > 40 ? `${text.slice(0, 40)}...` : text}`, pos(this));
    }
  },
};

const semantics = grammar.createSemantics().addOperation<unknown>('ast', actions);

/** Build the syntax tree of a successful match of `prepared.text` (rule `Module` or `Type`). */
export function buildAst<T>(match: ohm.MatchResult, prepared: PreparedText): T {
  current = prepared;
  try {
    return semantics(match)['ast']() as T;
  } finally {
    current = null;
  }
}

let current: PreparedText | null = null;

/** Literals longer than this are cut out of the text before matching. */
const LONG_LITERAL = 256;

/**
 * The text as ohm matches it: string literals longer than LONG_LITERAL (hex weights and tensors)
 * are replaced by a short placeholder, because ohm memoizes every rule at every character and a
 * megabyte of hex would cost seconds and gigabytes. A placeholder is a quote, a raw U+0001 (which
 * no valid literal contains) and the literal's number. Positions map back to the original text.
 */
export class PreparedText {
  readonly text: string;
  private readonly cuts: { at: number; end: number; origAt: number; origEnd: number; literal: string }[] = [];

  constructor(original: string) {
    const parts: string[] = [];
    let copied = 0, shift = 0;
    for (let i = 0; i < original.length; i++) {
      const c = original.charCodeAt(i);
      if (c === 47 && original.charCodeAt(i + 1) === 47) { // '//' comment: skip to the end of the line
        while (i < original.length && original.charCodeAt(i) !== 10) i++;
      } else if (c === 34) {
        let j = i + 1;
        for (; j < original.length; j++) {
          const d = original.charCodeAt(j);
          if (d === 92) j++;
          else if (d === 34 || d === 10) break;
        }
        if (original.charCodeAt(j) === 34 && j + 1 - i > LONG_LITERAL) {
          const placeholder = `"\u0001${this.cuts.length}"`;
          parts.push(original.slice(copied, i), placeholder);
          const at = i - shift;
          this.cuts.push({ at, end: at + placeholder.length, origAt: i, origEnd: j + 1, literal: original.slice(i, j + 1) });
          shift += j + 1 - i - placeholder.length;
          copied = j + 1;
        }
        i = j;
      }
    }
    parts.push(original.slice(copied));
    this.text = this.cuts.length ? parts.join('') : original;
  }

  /** Position in the original text of a position in `text`. */
  originalPos(pos: number): number {
    let lo = 0, hi = this.cuts.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.cuts[mid]!.at <= pos) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    if (found < 0) return pos;
    const cut = this.cuts[found]!;
    return pos < cut.end ? cut.origAt : pos - cut.end + cut.origEnd;
  }

  /** The original literal behind a placeholder, or undefined for ordinary literals. */
  literal(source: string): string | undefined {
    return source.charCodeAt(1) === 1 ? this.cuts[Number(source.slice(2, -1))]?.literal : undefined;
  }
}
