// Control flow: if, loop and scan (ONNX If, Loop, Scan) as loops and branches around their
// bodies, printed inline with the other kernels' generators (regions.ts gives every body value a
// buffer of the step). State and carried values are copied into the result buffers at the end
// of each iteration; scan inputs are copied slice by slice into their body arguments, scan
// outputs from the body into their slice of the result. Sizes come from the types: a result with
// a dim unknown at compile time was refused with E205 (regions.ts checkControl).

import type { Op, Value } from '../../../../ir/ir.js';
import type { Dim } from '../../../../ir/types.js';
import { add, get, i32, mul, sub } from '../emitter.js';
import { esize, type KernelCtx, type KernelDef } from '../kernel-api.js';
import { copyValue, emitOps, regionFlops, scanStateAliased, stateCount } from '../regions.js';

type Table = () => ReadonlyMap<string, KernelDef>;

const ints = (op: Op, name: string): readonly number[] => (op.attrs.get(name)?.value as number[] | undefined) ?? [];
const norm = (a: number, rank: number): number => (a < 0 ? a + rank : a);

/**
 * Copy between the `index`-th slice along `axis` of `whole` and `part` (whole's shape without that
 * axis): `take` reads the slice into part, else part is written into the slice.
 */
function copySlice(k: KernelCtx, op: Op, whole: Value, axis: number, index: string, part: Value, take: boolean): void {
  const dims = k.dims(whole);
  const es = esize(k, op, whole);
  const chunk = mul(k.size(dims.slice(axis + 1)), i32(es));
  const len = k.dim(dims[axis]!);
  const one = (o: string): void => {
    const w = add(k.ptr(whole), mul(add(mul(o, len), index), chunk));
    const p = add(k.ptr(part), mul(o, chunk));
    k.em.line(take ? `(memory.copy ${p} ${w} ${chunk})` : `(memory.copy ${w} ${p} ${chunk})`);
  };
  const outer = k.size(dims.slice(0, axis));
  if (outer === i32(1)) one(i32(0));
  else k.em.loop('o', outer, one);
}

const loadBool = (k: KernelCtx, v: Value): string => `(i32.load8_u ${k.ptr(v)})`;

function emitScan(k: KernelCtx, op: Op, table: Table): void {
  const body = op.regions[0]!;
  const n = stateCount(op);
  const yields = body.terminator!.operands as Value[];
  const scanIns = op.operands.slice(n) as Value[];
  const inAxes = scanIns.map((x, j) => norm(ints(op, 'scan_input_axes')[j] ?? 0, k.dims(x).length));
  const outAxes = op.results.slice(n).map((y, j) => norm(ints(op, 'scan_output_axes')[j] ?? 0, k.dims(y).length));
  const len: Dim = k.dims(scanIns[0]!)[inAxes[0]!]!;
  scanIns.forEach((x, j) => {
    if (k.dims(x)[inAxes[j]!] !== len) k.fail(op, `scan input ${j} has length ${String(k.dims(x)[inAxes[j]!])}, the first has ${String(len)}`);
  });
  const aliased = scanStateAliased(op);
  const slot = (t: string, dir: number | undefined): string => (dir === 1 ? sub(sub(k.dim(len), i32(1)), t) : t);
  k.em.comment(`scan: ${n} state, ${scanIns.length} scan inputs, ${String(len)} iterations${aliased ? '' : ' (state through the results)'}`);
  for (let i = 0; i < n; i++) {
    copyValue(k, op, op.operands[i]!, op.results[i]!);
    if (!aliased) copyValue(k, op, op.operands[i]!, body.args[i]!);
  }
  k.em.loop('t', k.dim(len), (t) => {
    scanIns.forEach((x, j) => copySlice(k, op, x, inAxes[j]!, slot(t, ints(op, 'scan_input_directions')[j]), body.args[n + j]!, true));
    emitOps(k, body.ops, table());
    // Scan outputs first: they may read a state argument that the state copies overwrite.
    op.results.slice(n).forEach((y, j) => copySlice(k, op, y, outAxes[j]!, slot(t, ints(op, 'scan_output_directions')[j]), yields[n + j]!, false));
    for (let i = 0; i < n; i++) copyValue(k, op, yields[i]!, op.results[i]!);
    if (!aliased) for (let i = 0; i < n; i++) copyValue(k, op, op.results[i]!, body.args[i]!);
  });
}

function emitIf(k: KernelCtx, op: Op, table: Table): void {
  const c = k.em.local('cond', 'i32');
  k.em.comment('if');
  k.em.set(c, loadBool(k, op.operands[0]!));
  op.regions.forEach((r, ri) => {
    k.em.when(ri === 0 ? get(c) : `(i32.eqz ${get(c)})`, () => {
      emitOps(k, r.ops, table());
      (r.terminator!.operands as Value[]).forEach((v, i) => copyValue(k, op, v, op.results[i]!));
    });
  });
}

/**
 * Loop: runs while it < max_trip_count (when given), the condition holds and, with scan outputs,
 * it < their declared row count (the buffer's size: never written past).
 */
function emitLoop(k: KernelCtx, op: Op, table: Table): void {
  const em = k.em;
  const body = op.regions[0]!;
  const [maxV, condV] = op.operands;
  const carried = op.operands.length - 2;
  const yields = body.terminator!.operands as Value[];
  const [iterArg, condArg] = body.args;
  const scans = op.results.slice(carried);
  const it = em.local('it', 'i64');
  const go = em.local('go', 'i32');
  const label = it.slice(1);
  em.comment(`loop: ${carried} carried, ${scans.length} scan outputs`);
  for (let i = 0; i < carried; i++) {
    copyValue(k, op, op.operands[2 + i]!, op.results[i]!);
    copyValue(k, op, op.operands[2 + i]!, body.args[2 + i]!);
  }
  em.set(it, '(i64.const 0)');
  em.set(go, condV ? loadBool(k, condV) : i32(1));
  const limits: string[] = [];
  if (maxV) {
    const max = em.local('max', 'i64');
    em.set(max, `(i64.load ${k.ptr(maxV)})`);
    limits.push(`(i64.lt_s ${get(it)} ${get(max)})`);
  }
  if (scans.length > 0) limits.push(`(i64.lt_s ${get(it)} (i64.extend_i32_s ${k.dim(k.dims(scans[0]!)[0]!)}))`);
  const cont = limits.reduce((a, b) => `(i32.and ${a} ${b})`, get(go));
  em.line(`(block $exit_${label} (loop $next_${label}`);
  em.when(cont, () => {
    if (iterArg) {
      em.line(esize(k, op, iterArg) === 8 ? `(i64.store ${k.ptr(iterArg)} ${get(it)})` : `(i32.store ${k.ptr(iterArg)} (i32.wrap_i64 ${get(it)}))`);
    }
    if (condArg) em.line(`(i32.store8 ${k.ptr(condArg)} (i32.const 1))`);
    emitOps(k, body.ops, table());
    scans.forEach((y, j) => {
      const row = mul(k.size(k.dims(y).slice(1)), i32(esize(k, op, y)));
      em.line(`(memory.copy ${add(k.ptr(y), mul('(i32.wrap_i64 ' + get(it) + ')', row))} ${k.ptr(yields[1 + carried + j]!)} ${row})`);
    });
    for (let i = 0; i < carried; i++) copyValue(k, op, yields[1 + i]!, op.results[i]!);
    for (let i = 0; i < carried; i++) copyValue(k, op, op.results[i]!, body.args[2 + i]!);
    em.set(go, loadBool(k, yields[0]!));
    em.set(it, `(i64.add ${get(it)} (i64.const 1))`);
    em.line(`(br $next_${label})`);
  });
  em.line('))');
}

const staticDim = (d: Dim | undefined): number => (typeof d === 'number' ? d : 1);

/** The three control kernels; `table` is the kernel table their bodies' ops are emitted with. */
export function controlKernels(table: Table): [string, KernelDef][] {
  return [
    ['scan', {
      emit: (k, op) => emitScan(k, op, table),
      flops: (op, numel) => {
        const x = op.operands[stateCount(op)]!;
        const axis = norm(ints(op, 'scan_input_axes')[0] ?? 0, x.type.shape?.length ?? 1);
        return staticDim(x.type.shape?.[axis]) * regionFlops(op.regions[0]!.ops, table(), numel);
      },
    }],
    ['if', {
      emit: (k, op) => emitIf(k, op, table),
      flops: (op, numel) => Math.max(...op.regions.map((r) => regionFlops(r.ops, table(), numel))),
    }],
    ['loop', {
      emit: (k, op) => emitLoop(k, op, table),
      flops: (op, numel) => regionFlops(op.regions[0]!.ops, table(), numel),
    }],
  ];
}
