// Run-time bounds check of index operands (gather, gather_elements, gather_nd, scatter_nd,
// scatter_elements; tensor_scatter's linear write positions). ONNX makes an index outside [-n, n)
// an error, the interpreter raises, and a kernel that used it would read outside its data buffer
// (a trap with an unhelpful "memory access out of bounds", or silently another tensor's bytes).
// A failed check calls one module-level function that records the site, the index and the size in
// exported globals, then traps; the runtime (src/runtime/index.ts) reads them and raises
// `tenth runtime: ...` naming the op. The export name prefixes are the runtime's (common.ts).
// A site's description travels as the name of one more export of the site global
// (`tenth-index-site:<id>:<text>`, or `tenth-index-site0:<id>:<text>` for indices that do not
// wrap: valid 0 to n-1), so the manifest needs no new field.

import type { Op, Value } from '../../../../ir/ir.js';
import { siteText } from '../../dims.js';
import { add, addr, get } from '../emitter.js';
import type { KernelCtx } from '../kernel-api.js';
import { INDEX_SITE_FROM0_PREFIX, INDEX_SITE_PREFIX } from '../../../runtime/common.js';

const RECORD = `(global $tenth_index_site (export "tenth_index_site") (mut i32) (i32.const 0))
(global $tenth_index_value (export "tenth_index_value") (mut i64) (i64.const 0))
(global $tenth_index_size (export "tenth_index_size") (mut i32) (i32.const 0))
(func $tenth_index_error (param $site i32) (param $value i64) (param $size i32)
  (global.set $tenth_index_site (local.get $site))
  (global.set $tenth_index_value (local.get $value))
  (global.set $tenth_index_size (local.get $size))
  unreachable)`;

/** FNV-1a, 31 bits: a site id that depends only on the site's text (deterministic output). */
function siteId(text: string): number {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(text)) h = Math.imul(h ^ b, 0x01000193);
  return (h >>> 1) || 1;
}

/** A WAT string literal: printable ASCII as is, every other byte (UTF-8) as \hh. */
function watString(text: string): string {
  let out = '';
  for (const b of new TextEncoder().encode(text)) {
    out += b >= 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c ? String.fromCharCode(b) : `\\${b.toString(16).padStart(2, '0')}`;
  }
  return `"${out}"`;
}

/**
 * Emit: unless `outside` (an i32 condition) is 0, record the site, `raw` (i64) and `size`, and
 * trap. `from0`: the site's valid indices are 0 to size-1 (else -size to size-1).
 */
function trapIf(k: KernelCtx, op: Op, outside: string, size: string, raw: string, from0 = false): void {
  const text = siteText(op);
  const id = siteId(from0 ? `0:${text}` : text);
  const fn = k.moduleFunc('tenth_index_error', RECORD);
  k.moduleFunc(`tenth_index_site_${id}`, `(export ${watString(`${from0 ? INDEX_SITE_FROM0_PREFIX : INDEX_SITE_PREFIX}${id}:${text}`)} (global $tenth_index_site))`);
  k.em.when(outside, () => k.em.line(`(call ${fn} (i32.const ${id}) ${raw} ${size})`));
}

/**
 * Set local `dst` to index element `e` of `idx` (i32 or i64), a negative one wrapped by `dim`,
 * after checking it: raw in [-dim, dim) iff raw + dim in [0, 2 dim), one unsigned compare (in
 * i64 for i64 indices, so 2^32 + 1 is not read as 1; an overflowing sum wraps to a huge unsigned
 * value, outside too). Every kernel that reads indices from a tensor uses it.
 */
export function loadCheckedIndex(k: KernelCtx, op: Op, idx: Value, e: string, dim: string, dst: string): void {
  if (idx.type.dtype !== 'i64' && idx.type.dtype !== 'i32') k.fail(op, `${op.name} indices must be i32 or i64, got ${idx.type.dtype}`);
  const em = k.em;
  const n = /^\(i32\.const (\d+)\)$/.exec(dim)?.[1];
  if (idx.type.dtype === 'i64') {
    const raw = em.local('raw', 'i64');
    em.set(raw, `(i64.load ${addr(k.ptr(idx), e, 8)})`);
    const [k1, k2] = n !== undefined ? [`(i64.const ${n})`, `(i64.const ${2 * Number(n)})`] : [`(i64.extend_i32_u ${dim})`, `(i64.shl (i64.extend_i32_u ${dim}) (i64.const 1))`];
    trapIf(k, op, `(i64.ge_u (i64.add ${get(raw)} ${k1}) ${k2})`, dim, get(raw));
    em.set(dst, `(i32.wrap_i64 ${get(raw)})`);
  } else {
    em.set(dst, `(i32.load ${addr(k.ptr(idx), e, 4)})`);
    const k2 = n !== undefined ? `(i32.const ${2 * Number(n)})` : `(i32.shl ${dim} (i32.const 1))`;
    trapIf(k, op, `(i32.ge_u ${add(get(dst), dim)} ${k2})`, dim, `(i64.extend_i32_s ${get(dst)})`);
  }
  em.set(dst, `(select ${add(get(dst), dim)} ${get(dst)} (i32.lt_s ${get(dst)} (i32.const 0)))`);
}

/**
 * tensor_scatter in linear mode writes positions w .. w + seq - 1 (`w` an i64 expression, not
 * wrapped), which must lie in [0, maxSeq): trap unless they do, reporting the first position
 * outside as the interpreter does (w itself when negative, else max(w, maxSeq)).
 */
export function checkWriteStart(k: KernelCtx, op: Op, w: string, seq: string, maxSeq: string): void {
  const em = k.em;
  const raw = em.local('raw', 'i64');
  em.set(raw, w);
  const mx = `(i64.extend_i32_u ${maxSeq})`;
  const outside = `(i32.and (i32.ne ${seq} (i32.const 0)) (i32.or (i64.lt_s ${get(raw)} (i64.const 0)) (i64.gt_s ${get(raw)} (i64.sub ${mx} (i64.extend_i32_u ${seq})))))`;
  trapIf(k, op, outside, maxSeq, `(select ${get(raw)} (select ${get(raw)} ${mx} (i64.gt_s ${get(raw)} ${mx})) (i64.lt_s ${get(raw)} (i64.const 0)))`, true);
}

/**
 * Set local `dst` (i32) to element `e` of the index tensor `idx` (i32 or i64), which must lie in
 * [0, dim) (no wrapping: cache rows, batch indices, flat positions, classes), after checking it
 * (one unsigned compare; in i64 for i64 indices, so 2^32 + 1 is not read as 1).
 */
export function loadIndexFrom0(k: KernelCtx, op: Op, idx: Value, e: string, dim: string, dst: string): void {
  if (idx.type.dtype !== 'i64' && idx.type.dtype !== 'i32') k.fail(op, `${op.name} indices must be i32 or i64, got ${idx.type.dtype}`);
  const em = k.em;
  if (idx.type.dtype === 'i64') {
    const raw = em.local('raw', 'i64');
    em.set(raw, `(i64.load ${addr(k.ptr(idx), e, 8)})`);
    checkFrom0(k, op, get(raw), dim);
    em.set(dst, `(i32.wrap_i64 ${get(raw)})`);
  } else {
    em.set(dst, `(i32.load ${addr(k.ptr(idx), e, 4)})`);
    checkFrom0(k, op, `(i64.extend_i32_s ${get(dst)})`, dim);
  }
}

/**
 * Trap unless the i64 value `raw` (an expression without side effects) lies in [0, dim) or
 * `exempt` (an i32 condition) holds (a loss's ignore_index).
 */
export function checkFrom0(k: KernelCtx, op: Op, raw: string, dim: string, exempt?: string): void {
  const outside = `(i64.ge_u ${raw} (i64.extend_i32_u ${dim}))`;
  trapIf(k, op, exempt ? `(i32.and ${outside} (i32.eqz ${exempt}))` : outside, dim, raw, true);
}
