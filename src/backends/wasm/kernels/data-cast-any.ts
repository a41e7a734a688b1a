// Cast / CastLike between any of f32, f64, i8..i64, u8..u64 and bool: the pairs the cast kernel
// of data.ts knows stay there; the others load with their width and signedness, convert in
// registers (floats to integers truncate through i64 and wrap into narrow types, as the
// interpreter's typed arrays do; to bool is x != 0) and store with their width.

import type { Op } from '../../../../ir/ir.js';
import { addr } from '../emitter.js';
import type { KernelCtx, KernelDef } from '../kernel-api.js';
import { CAST_KERNEL } from './data.js';
import { DTS } from './generic-elementwise.js';

const BASIC = new Set(['f32', 'i64', 'i32', 'bool']);

function convert(e: string, from: string, to: string): string {
  const f = DTS[from]!, t = DTS[to]!;
  const fs = f.signed ? 's' : 'u';
  if (to === 'bool') return f.t === 'i32' ? `(i32.ne ${e} (i32.const 0))` : `(${f.t}.ne ${e} (${f.t}.const 0))`;
  if (f.t === t.t) {
    return e;
  }
  if (t.t === 'f32' || t.t === 'f64') {
    if (f.t === 'f32') return `(f64.promote_f32 ${e})`;
    if (f.t === 'f64') return `(f32.demote_f64 ${e})`;
    return `(${t.t}.convert_${f.t}_${fs} ${e})`;
  }
  if (t.t === 'i64') {
    if (f.t === 'i32') return `(i64.extend_i32_${fs} ${e})`;
    return `(i64.trunc_sat_${f.t}_${t.signed ? 's' : 'u'} ${e})`;
  }
  // to an i32-class type
  if (f.t === 'i64') return `(i32.wrap_i64 ${e})`;
  return `(i32.wrap_i64 (i64.trunc_sat_${f.t}_s ${e}))`;
}

function emitCastAny(k: KernelCtx, op: Op): void {
  const x = op.operands[0]!, y = op.results[0]!;
  const from = x.type.dtype, to = y.type.dtype;
  if (BASIC.has(from) && BASIC.has(to)) { CAST_KERNEL.emit(k, op); return; }
  const f = DTS[from], t = DTS[to];
  if (!f || !t) k.fail(op, `cast from ${from} to ${to} is not supported by the wasm backend`);
  const em = k.em;
  em.comment(`cast ${from} -> ${to} (scalar)`);
  em.loop('i', k.size(k.dims(y)), (i) => em.line(`(${t.store} ${addr(k.ptr(y), i, t.size)} ${convert(`(${f.load} ${addr(k.ptr(x), i, f.size)})`, from, to)})`));
}

export const CAST_ANY_KERNEL: KernelDef = { emit: emitCastAny };
