// Attribute reading against an op's schema (defaults, kind checks) and attribute constructors.

import type { AttrValue } from './ir.js';
import type { AttrReader, AttrSpec, OpDef } from './op-def.js';
import type { DType } from './dtype.js';
import type { Tensor } from './tensor.js';
import { fail } from './diagnostics.js';
import type { Loc } from './location.js';

export const attr = {
  int: (value: number): AttrValue => ({ kind: 'int', value }),
  float: (value: number): AttrValue => ({ kind: 'float', value }),
  string: (value: string): AttrValue => ({ kind: 'string', value }),
  ints: (value: readonly number[]): AttrValue => ({ kind: 'ints', value }),
  floats: (value: readonly number[]): AttrValue => ({ kind: 'floats', value }),
  strings: (value: readonly string[]): AttrValue => ({ kind: 'strings', value }),
  dtype: (value: DType): AttrValue => ({ kind: 'dtype', value }),
  tensor: (value: Tensor): AttrValue => ({ kind: 'tensor', value }),
  weight: (value: string): AttrValue => ({ kind: 'weight', value }),
};

/** The AttrValue for a schema default. */
export function defaultAttr(spec: AttrSpec): AttrValue | undefined {
  if (spec.default === undefined) return undefined;
  return { kind: spec.kind, value: spec.default } as AttrValue;
}

export function attrReader(def: OpDef, attrs: ReadonlyMap<string, AttrValue>, loc: Loc): AttrReader {
  const get = (name: string): AttrValue | undefined => {
    const v = attrs.get(name);
    if (v !== undefined) return v;
    const spec = def.attrs[name];
    if (!spec) throw new Error(`op ${def.name} reads undeclared attribute ${name}`);
    return defaultAttr(spec);
  };
  const must = <K extends AttrValue['kind']>(name: string, kind: K): Extract<AttrValue, { kind: K }>['value'] => {
    const v = get(name);
    if (v === undefined) fail('E306', `${def.name}: missing required attribute '${name}'`, loc);
    if (v.kind !== kind) fail('E306', `${def.name}: attribute '${name}' must be ${kind}, got ${v.kind}`, loc);
    return v.value as never;
  };
  return {
    has: (name) => get(name) !== undefined,
    get,
    int: (n) => must(n, 'int'),
    float: (n) => must(n, 'float'),
    string: (n) => must(n, 'string'),
    ints: (n) => must(n, 'ints'),
    floats: (n) => must(n, 'floats'),
    strings: (n) => must(n, 'strings'),
    dtype: (n) => must(n, 'dtype'),
    tensor: (n) => must(n, 'tensor'),
  };
}
