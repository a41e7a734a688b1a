// The begin pads of a conv_transpose, shared by the WASM and WebGPU kernels: resolved by the
// interpreter's own rule (ir/ops/nn-conv.ts transposeGeometry: explicit pads, VALID, or, with
// output_shape / SAME_*, onnxruntime's split of the surplus), so the backends cannot drift from the reference.

import { attrReader } from '../../ir/attrs.js';
import type { Op } from '../../ir/ir.js';
import { getOpDef, type EvalCtx } from '../../ir/op-def.js';
import { transposeGeometry } from '../../ir/ops/nn-conv.js';
import type { Dim } from '../../ir/types.js';

/**
 * Whether the begin pads depend on the spatial input sizes: only with output_shape (SAME_*'s
 * surplus full - in * stride does not depend on in).
 */
export function padsNeedSizes(op: Op): boolean {
  return op.attrs.has('output_shape');
}

/**
 * Begin pads of each spatial axis for input sizes `inSp` and kernel sizes `kernel`; `bad` reports
 * an attribute the rule refuses. Symbolic sizes only where the pads do not depend on them
 * (`padsNeedSizes` false): they stand in as 1 there, which the rule never reads.
 */
export function transposePadsBegin(op: Op, inSp: readonly Dim[], kernel: readonly number[], bad: (m: string) => never): number[] {
  if (padsNeedSizes(op) && !inSp.every((d) => typeof d === 'number')) bad('conv_transpose with output_shape or auto_pad needs static spatial sizes');
  // The rule reads only the attributes and `fail` of its context.
  const ctx = { op, attrs: attrReader(getOpDef('conv_transpose')!, op.attrs, op.loc), loc: op.loc, fail: bad } as unknown as EvalCtx;
  return transposeGeometry(ctx, inSp.map((d) => (typeof d === 'number' ? d : 1)), kernel).padsBegin;
}

/**
 * A begin pad that depends on a symbolic input size `dim` (output_shape beside symbolic spatial
 * sizes): the surplus total = max(0, stride * dim + c) is split as ir/ops/nn-conv.ts transposeSplit
 * does (`upper`: SAME_UPPER), unless the axis's `pads` (begin, end) add up to it, as in transposeGeometry.
 */
export interface SymbolicPad { dim: Dim; stride: number; c: number; upper: boolean; pads?: [number, number] }

/** transposePadsBegin for any spatial sizes: symbolic ones under output_shape give a SymbolicPad. */
export function transposePadsBeginSym(op: Op, inSp: readonly Dim[], kernel: readonly number[], bad: (m: string) => never): (number | SymbolicPad)[] {
  if (!padsNeedSizes(op) || inSp.every((d) => typeof d === 'number')) return transposePadsBegin(op, inSp, kernel, bad);
  const r = inSp.length;
  const ints = (n: string, d: number): number[] => (op.attrs.get(n)?.value as number[] | undefined) ?? new Array<number>(r).fill(d);
  const st = ints('strides', 1), dl = ints('dilations', 1), opad = ints('output_padding', 0);
  const os = (op.attrs.get('output_shape')!.value as number[]).slice(-r);
  const pads = op.attrs.get('pads')?.value as number[] | undefined;
  const upper = String(op.attrs.get('auto_pad')?.value ?? 'NOTSET') === 'SAME_UPPER';
  // The static axes through the interpreter's rule itself (their pads do not read the other axes).
  const statics = transposePadsBegin(op, inSp.map((d) => (typeof d === 'number' ? d : 1)), kernel, bad);
  return inSp.map((d, i) => {
    if (typeof d === 'number') return statics[i]!;
    // full = stride * (d - 1) + opad + (k - 1) * dilation + 1, less the output size.
    const c = -st[i]! + opad[i]! + (kernel[i]! - 1) * dl[i]! + 1 - os[i]!;
    return { dim: d, stride: st[i]!, c, upper, ...(pads ? { pads: [pads[i]!, pads[i + r]!] as [number, number] } : {}) };
  });
}

/** A SymbolicPad as an i32 WAT or WGSL expression, `dim(d)` giving the size as an i32 expression. */
export function symbolicPadExpr(p: SymbolicPad, lang: 'wat' | 'wgsl', dim: (d: Dim) => string): string {
  if (lang === 'wat') {
    const raw = `(i32.add (i32.mul ${dim(p.dim)} (i32.const ${p.stride})) (i32.const ${p.c}))`;
    const t = `(select ${raw} (i32.const 0) (i32.gt_s ${raw} (i32.const 0)))`;
    const split = p.upper ? `(i32.shr_s ${t} (i32.const 1))` : `(i32.sub ${t} (i32.shr_s ${t} (i32.const 1)))`;
    return p.pads ? `(select (i32.const ${p.pads[0]}) ${split} (i32.eq ${t} (i32.const ${p.pads[0] + p.pads[1]})))` : split;
  }
  const t = `max(0i, ${dim(p.dim)} * ${p.stride}i + (${p.c}i))`;
  const split = p.upper ? `(${t} / 2i)` : `(${t} - ${t} / 2i)`;
  return p.pads ? `select(${split}, ${p.pads[0]}i, ${t} == ${p.pads[0] + p.pads[1]}i)` : split;
}
