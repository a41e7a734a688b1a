// Dim bookkeeping both backends share when they lower a function: the symbols its values use,
// and the conditions on run-time dims that the shape rules assumed (checked by the runtime,
// src/runtime/dims.ts, before a run).

import { getOpDef } from '../../ir/op-def.js';
import type { Func, Op, Value } from '../../ir/ir.js';
import { formatLoc } from '../../ir/location.js';
import { dimAdd, dimEq, dimProd } from '../../ir/symbolic.js';
import type { Dim } from '../../ir/types.js';

/** Every symbolic dim of the function, inputs first, in order of appearance. */
export function symbolsOf(func: Func): string[] {
  const seen: string[] = [];
  const add = (v: Value | null): void => {
    for (const d of v?.type.shape ?? []) if (typeof d === 'string' && !seen.includes(d)) seen.push(d);
  };
  func.body.args.forEach(add);
  const walk = (ops: readonly Op[]): void => ops.forEach((op) => { op.results.forEach(add); op.regions.forEach((r) => { r.args.forEach(add); walk(r.ops); }); });
  walk(func.body.ops);
  return seen;
}

/**
 * Conditions on run-time dims the shape rules assumed (a broadcast operand dim equals the result
 * dim or is 1; a reshape keeps the element count): each a dim that must evaluate to nonzero.
 */
export function runtimeChecks(func: Func): { dim: string; what: string }[] {
  const out: { dim: string; what: string }[] = [];
  const seen = new Set<string>();
  const add = (d: Dim, what: string): void => {
    if (typeof d === 'number' || d === '?' || seen.has(d)) return;
    seen.add(d);
    out.push({ dim: d, what });
  };
  const walk = (ops: readonly Op[]): void => {
    for (const op of ops) {
      op.regions.forEach((r) => walk(r.ops));
      const fusion = getOpDef(op.name)?.fusion;
      const y = op.results[0]?.type.shape;
      if (!y) continue;
      const where = `${op.name} %${op.results[0]!.name}${op.loc.kind === 'unknown' ? '' : ` at ${formatLoc(op.loc)}`}`;
      if (fusion === 'elementwise' || fusion === 'broadcast') {
        for (const v of op.name === 'expand' ? op.operands.slice(0, 1) : op.operands) {
          const s = v?.type.shape;
          if (!s || s.length > y.length) continue;
          s.forEach((d, i) => {
            const o = y[y.length - s.length + i]!;
            if (typeof d === 'string' && d !== o) add(dimAdd(dimEq(d, o), dimEq(d, 1)), `${where}: operand %${v!.name} dim ${i} ('${d}') does not broadcast to '${o}'`);
          });
        }
      } else if (op.name === 'reshape' && op.operands[0]?.type.shape) {
        const a = dimProd(op.operands[0].type.shape), b = dimProd(y);
        if (a !== b) add(dimEq(a, b), `${where}: cannot reshape ${a} elements to [${y.join(',')}]`);
      }
    }
  };
  walk(func.body.ops);
  return out;
}
