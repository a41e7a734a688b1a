// Epilogues of convolutions inside a fused group: the chain of elementwise ops that follows a conv
// (relu, clip with constant bounds, the residual add of a same-shaped tensor) is applied to the
// accumulators in registers before the store, and the conv writes the chain's last value. This
// saves one pass over memory per op (in mobilenet_v2 the clips alone were ~12% of the run).
//
// Taken ops are recorded in `TAKEN`; lower.ts skips them (`takenByEpilogue`). An op joins the chain
// only when the value before it has no other user in the group and is not yielded, so the
// skipped ops' results are never read by anyone.

import type { Module, Op, Region, Value } from '../../../../ir/ir.js';
import { addr, fmtF32 } from '../emitter.js';
import { type KernelCtx, sameDims } from '../kernel-api.js';

export interface Epilogue {
  /** The value whose buffer the kernel stores into (the conv's result when the chain is empty). */
  readonly out: Value;
  /** Ops taken, for the comment. */
  readonly names: readonly string[];
  /** No step reads memory: `vec` treats lanes independently (any lane order, `at` unused). */
  readonly lanewise: boolean;
  /** f32x4 expression -> f32x4 expression; `at` = element index (i32 expression) of lane 0 in the output. */
  vec(x: string, at: string): string;
  /** The same for one f32 at element `at`. */
  scalar(x: string, at: string): string;
}

// Taken op -> the conv that applies it. Keyed by the taker (not a plain set) so that lowering the
// same module again (e.g. a second module variant) finds the same chains: a conv re-takes its own
// ops and stops only at an op another conv has taken.
const TAKEN = new WeakMap<Op, Op>();

/** Whether the op was applied in registers by a conv epilogue (lower.ts emits nothing for it). */
export const takenByEpilogue = (op: Op): boolean => TAKEN.has(op);

/**
 * The region of the top-level fused group holding `op`, or undefined. Only top-level groups: they
 * are emitted by lower.ts, which skips taken ops; groups inside control-flow bodies are emitted by
 * regions.ts, which does not, so their convs must not take anything.
 */
function regionOf(module: Module, op: Op): Region | undefined {
  for (const f of module.main.body.ops) {
    if (f.name === 'fused' && f.regions[0]?.ops.includes(op)) return f.regions[0];
  }
  return undefined;
}

/** Scalar f32 value of a constant operand, if it is one. */
function scalarConst(k: KernelCtx, v: Value | null): number | undefined {
  const t = k.constant(v);
  if (!t || t.dtype !== 'f32' || t.data.length !== 1) return undefined;
  return Number(t.data[0]);
}

type Step = { reads?: boolean; vec: (x: string, at: string) => string; scalar: (x: string, at: string) => string };

/** One op of the chain applied to `v` (its only use), or undefined if it cannot be applied in registers. */
function stepFor(k: KernelCtx, user: Op, v: Value, earlier: ReadonlySet<Value>): Step | undefined {
  const out = user.results[0];
  if (!out || user.results.length !== 1 || out.type.dtype !== 'f32' || !sameDims(k.dims(out), k.dims(v))) return undefined;
  if (user.name === 'relu') {
    return { vec: (x) => `(f32x4.max ${x} (f32x4.splat (f32.const 0)))`, scalar: (x) => `(f32.max ${x} (f32.const 0))` };
  }
  if (user.name === 'clip' && user.operands[0] === v) {
    const [, lo, hi] = user.operands;
    const a = lo ? scalarConst(k, lo) : -Infinity, b = hi ? scalarConst(k, hi) : Infinity;
    if (a === undefined || b === undefined) return undefined;
    // pmax then pmin, as the elementwise kernel and the interpreter (x < lo ? lo : x): a NaN bound
    // clips nothing and -0 stays -0. The scalar form goes through lane 0 for the same semantics.
    const vec = (x: string): string => `(f32x4.pmin (f32x4.pmax ${x} (f32x4.splat (f32.const ${fmtF32(a)}))) (f32x4.splat (f32.const ${fmtF32(b)})))`;
    return { vec, scalar: (x) => `(f32x4.extract_lane 0 ${vec(`(f32x4.splat ${x})`)})` };
  }
  if (user.name === 'add' && user.operands.length === 2) {
    const other = user.operands[0] === v ? user.operands[1] : user.operands[0];
    if (!other || other === v || other.type.dtype !== 'f32' || !sameDims(k.dims(other), k.dims(out))) return undefined;
    // The other addend must exist before the conv runs: a group argument, a constant or an earlier op's result.
    if (other.def && other.def.name !== 'const' && !earlier.has(other)) return undefined;
    const p = k.ptr(other);
    return {
      reads: true,
      vec: (x, at) => `(f32x4.add ${x} (v128.load align=4 ${addr(p, at, 4)}))`,
      scalar: (x, at) => `(f32.add ${x} (f32.load ${addr(p, at, 4)}))`,
    };
  }
  return undefined;
}

/**
 * The epilogue chain after conv `op` (empty outside fused groups). Marks the taken ops, so call it
 * once per conv, from the kernel that will apply it.
 */
export function takeEpilogue(k: KernelCtx, op: Op): Epilogue {
  const region = regionOf(k.module, op);
  const steps: Step[] = [];
  const names: string[] = [];
  let out = op.results[0]!;
  if (region && out.type.dtype === 'f32') {
    const idx = region.ops.indexOf(op);
    const earlier = new Set<Value>([...region.args, ...region.ops.slice(0, idx).flatMap((o) => o.results)]);
    const yielded = new Set(region.terminator?.operands ?? []);
    for (;;) {
      const users = region.ops.filter((o) => o.operands.includes(out));
      if (users.length !== 1 || yielded.has(out)) break;
      const user = users[0]!;
      const taker = TAKEN.get(user);
      if (taker !== undefined && taker !== op) break;
      if (user.operands.filter((x) => x === out).length !== 1) break;
      const s = stepFor(k, user, out, earlier);
      if (!s) break;
      steps.push(s);
      names.push(user.name);
      TAKEN.set(user, op);
      out = user.results[0]!;
    }
  }
  return {
    out,
    names,
    lanewise: steps.every((s) => !s.reads),
    vec: (x, at) => steps.reduce((e, s) => s.vec(e, at), x),
    scalar: (x, at) => steps.reduce((e, s) => s.scalar(e, at), x),
  };
}
