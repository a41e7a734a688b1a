// Structural equality and hashing of attributes and tensors, for passes that compare ops
// (cse, and any pass that needs to know whether two ops compute the same thing).
//
// Equality is exact: floats compare by bits (so -0 differs from 0 and NaN equals NaN), tensors by
// dtype, shape and packed bytes (strings element by element). Attributes missing from an op count
// as their schema default, so `concat {axis = 0}` and a `concat` relying on the default agree.

import type { AttrValue, Op } from '../ir/ir.js';
import { defaultAttr } from '../ir/attrs.js';
import { getOpDef } from '../ir/op-def.js';
import { encodeBytes, type Tensor } from '../ir/tensor.js';

const f64 = new Float64Array(1);
const f64Bits = new Uint32Array(f64.buffer);

/** Bit pattern of a double as text: exact, distinguishes -0 from 0, NaN equals NaN. */
function floatKey(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  f64[0] = x;
  return `${f64Bits[1]!.toString(16)}.${f64Bits[0]!.toString(16)}`;
}

/** FNV-1a over bytes: a cheap fingerprint; equal tensors have equal fingerprints. */
function fnv1a(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i]!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16);
}

function tensorBytes(t: Tensor): Uint8Array | string[] {
  return t.dtype === 'string' ? (t.data as string[]) : encodeBytes(t);
}

/** A short key for a tensor: equal tensors get equal keys (unequal ones may collide). */
export function tensorFingerprint(t: Tensor): string {
  const b = tensorBytes(t);
  const content = Array.isArray(b) ? JSON.stringify(b).slice(0, 64) + b.length : fnv1a(b);
  return `${t.dtype}[${t.shape.join(',')}]#${content}`;
}

export function tensorsEqual(a: Tensor, b: Tensor): boolean {
  if (a === b) return true;
  if (a.dtype !== b.dtype || a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) return false;
  const x = tensorBytes(a), y = tensorBytes(b);
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** A key for an attribute value: equal values get equal keys; only tensors may collide. */
export function attrKey(a: AttrValue): string {
  switch (a.kind) {
    case 'int': return `i${a.value}`;
    case 'float': return `f${floatKey(a.value)}`;
    case 'string': return `s${JSON.stringify(a.value)}`;
    case 'ints': return `I${a.value.join(',')}`;
    case 'floats': return `F${a.value.map(floatKey).join(',')}`;
    case 'strings': return `S${JSON.stringify(a.value)}`;
    case 'dtype': return `d${a.value}`;
    case 'weight': return `w${JSON.stringify(a.value)}`;
    case 'tensor': return `t${tensorFingerprint(a.value)}`;
  }
}

export function attrsEqualValue(a: AttrValue, b: AttrValue): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'tensor') return tensorsEqual(a.value, (b as typeof a).value);
  return attrKey(a) === attrKey(b);
}

/** An op's attributes with schema defaults filled in, sorted by name. */
export function effectiveAttrs(op: Op): [string, AttrValue][] {
  const out = new Map(op.attrs);
  const def = getOpDef(op.name);
  if (def) {
    for (const [name, spec] of Object.entries(def.attrs)) {
      if (!out.has(name)) {
        const d = defaultAttr(spec);
        if (d) out.set(name, d);
      }
    }
  }
  return [...out.entries()].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
}

/** Key of an op's effective attributes (see effectiveAttrs). */
export function attrsKey(op: Op): string {
  return effectiveAttrs(op).map(([k, v]) => `${JSON.stringify(k)}=${attrKey(v)}`).join(';');
}

/** Whether two ops have equal effective attributes (exactly, tensors by bytes). */
export function attrsEqual(a: Op, b: Op): boolean {
  const x = effectiveAttrs(a), y = effectiveAttrs(b);
  return x.length === y.length && x.every(([k, v], i) => y[i]![0] === k && attrsEqualValue(v, y[i]![1]));
}
