// The last elementwise gaps ONNX node tests hit (see the README's WASM backend section): f64
// exp/log/tanh/sigmoid/softplus, and pow on f64 and on integer bases with the interpreter's
// semantics (ir/ops/elementwise-binary.ts), reductions with axes given as data on f64/integers
// (odds-reduce.ts), resize modes data-resize.ts leaves out (odds-resize.ts), batch_normalization
// in training mode (odds-norm.ts). Each entry handles its new cases and hands the rest to
// the kernel it overrides (`previous`).

import type { Op } from '../../../../ir/ir.js';
import { addr } from '../emitter.js';
import { type KernelCtx, type KernelDef, sameDims } from '../kernel-api.js';
import { broadcastStrides, rowOffset } from './elementwise.js';
import { EXT_ATTENTION } from './ext-attention.js';
import { EXT_DTYPES } from './ext-dtypes.js';
import { EXT_INDEXING } from './ext-indexing.js';
import { DTS, GENERIC_ELEMENTWISE_KERNEL } from './generic-elementwise.js';
import { F64_UNARY, pow64 } from './odds-f64.js';
import { batchNormTrainingServes, emitBatchNormTraining } from './odds-norm.js';
import { emitResizeTaps, planResize } from './odds-resize.js';
import { ODDS_REDUCE_OPS, runtimeAxesReduce } from './odds-reduce.js';
import { hasRuntimeAxes, REDUCE_DYNAMIC_KERNEL } from './reduce-dynamic.js';

/** The kernel an entry here overrides: the other extension tables' last entry for `name`, else the scalar fallback. */
function previous(name: string): KernelDef {
  return [...EXT_ATTENTION, ...EXT_INDEXING, ...EXT_DTYPES].filter(([n]) => n === name).pop()?.[1] ?? GENERIC_ELEMENTWISE_KERNEL;
}

function unaryF64(name: string): KernelDef {
  const prev = previous(name);
  return {
    emit: (k, op) => {
      const x = op.operands[0]!, y = op.results[0]!;
      if (x.type.dtype !== 'f64' || y.type.dtype !== 'f64' || op.operands.length !== 1) return prev.emit(k, op);
      const em = k.em;
      em.comment(`${op.name} f64[${k.dims(y).join('x')}]`);
      em.loop('e', k.size(k.dims(y)), (i) => {
        em.line(`(f64.store ${addr(k.ptr(y), i, 8)} ${F64_UNARY[name]!(k, `(f64.load ${addr(k.ptr(x), i, 8)})`)})`);
      });
    },
    flops: prev.flops,
  };
}

/** Integer power modulo 2^64 by squaring; negative exponents give trunc(1 / x^|y|) (1, ±1 or 0). */
const POWI = `(func $odds_powi (param $x i64) (param $y i64) (result i64) (local $r i64)
  (if (i64.lt_s (local.get $y) (i64.const 0)) (then
    (if (i64.eq (local.get $x) (i64.const 1)) (then (return (i64.const 1))))
    (if (i64.eq (local.get $x) (i64.const -1)) (then
      (return (select (i64.const -1) (i64.const 1) (i32.wrap_i64 (i64.and (local.get $y) (i64.const 1)))))))
    (return (i64.const 0))))
  (local.set $r (i64.const 1))
  (block $done (loop $sq
    (br_if $done (i64.eqz (local.get $y)))
    (if (i32.wrap_i64 (i64.and (local.get $y) (i64.const 1))) (then (local.set $r (i64.mul (local.get $r) (local.get $x)))))
    (local.set $x (i64.mul (local.get $x) (local.get $x)))
    (local.set $y (i64.shr_u (local.get $y) (i64.const 1)))
    (br $sq)))
  (local.get $r))`;

const POW_BASES = ['f64', 'i32', 'i64'];

function powExpr(k: KernelCtx, op: Op, x: string, y: string): string {
  const bt = op.operands[0]!.type.dtype, et = DTS[op.operands[1]!.type.dtype]!;
  const su = et.signed ? 's' : 'u';
  const yF64 = et.t === 'f64' ? y : et.t === 'f32' ? `(f64.promote_f32 ${y})` : `(f64.convert_${et.t}_${su} ${y})`;
  if (bt === 'f64') return pow64(k, x, yF64);
  const xI64 = bt === 'i32' ? `(i64.extend_i32_s ${x})` : x;
  let r: string;
  if (et.t === 'f32' || et.t === 'f64') {
    // truncOrZero(powF(x, y)): an infinite or NaN power is 0; i32 wraps the truncation like Int32Array.
    const p = k.em.local('pw', 'f64');
    r = `(select (i64.trunc_sat_f64_s (local.tee ${p} ${pow64(k, `(f64.convert_i64_s ${xI64})`, yF64)})) (i64.const 0) (f64.eq (f64.sub (local.get ${p}) (local.get ${p})) (f64.const 0)))`;
  } else {
    const yI64 = et.t === 'i32' ? `(i64.extend_i32_${su} ${y})` : y;
    r = `(call ${k.moduleFunc('odds_powi', POWI)} ${xI64} ${yI64})`;
  }
  return bt === 'i32' ? `(i32.wrap_i64 ${r})` : r;
}

function powKernel(): KernelDef {
  const prev = previous('pow');
  return {
    emit: (k, op) => {
      const [xv, ev] = op.operands, y = op.results[0]!;
      if (!xv || !ev || !POW_BASES.includes(xv.type.dtype) || !DTS[ev.type.dtype] || y.type.dtype !== xv.type.dtype) return prev.emit(k, op);
      const em = k.em, out = k.dims(y), bt = DTS[xv.type.dtype]!;
      const ins = [xv, ev].map((v) => ({ v, dt: DTS[v.type.dtype]!, same: sameDims(k.dims(v), out), strides: broadcastStrides(k, k.dims(v), out) }));
      em.comment(`pow ${xv.type.dtype}^${ev.type.dtype}[${out.join('x')}]`);
      em.loop('e', k.size(out), (i) => {
        const [a, b] = ins.map((s) => `(${s.dt.load} ${addr(k.ptr(s.v), s.same ? i : rowOffset(k, i, out, s.strides, out.length), s.dt.size)})`);
        em.line(`(${bt.store} ${addr(k.ptr(y), i, bt.size)} ${powExpr(k, op, a!, b!)})`);
      });
    },
    flops: prev.flops,
  };
}

function resizeKernel(): KernelDef {
  const prev = previous('resize');
  return {
    emit: (k, op) => { const p = planResize(k, op); if (p) emitResizeTaps(k, op, p); else prev.emit(k, op); },
    flops: prev.flops,
  };
}

function runtimeAxesEntry(name: string): KernelDef {
  const prev = previous(name), dyn = runtimeAxesReduce(REDUCE_DYNAMIC_KERNEL);
  return { emit: (k, op) => (hasRuntimeAxes(k, op) ? dyn : prev).emit(k, op), flops: prev.flops };
}

export const EXT_ODDS: readonly (readonly [string, KernelDef])[] = [
  ...Object.keys(F64_UNARY).map((n) => [n, unaryF64(n)] as const),
  ['pow', powKernel()],
  ['resize', resizeKernel()],
  ['batch_normalization', { emit: (k, op) => (batchNormTrainingServes(k, op) ? emitBatchNormTraining(k, op) : previous('batch_normalization').emit(k, op)) }],
  // Reductions with axes given as data on f64/integers. lower.ts sends every run-time-axes
  // reduction to REDUCE_DYNAMIC_KERNEL before this table is asked; these entries take over once it
  // asks the table instead (and serve the same cases either way).
  ...ODDS_REDUCE_OPS.map((n) => [n, runtimeAxesEntry(n)] as const),
];
