// Legalise a module for WebGPU and print one WGSL shader per dispatch.
//
// Steps are the function body's ops (plan-memory's order when it ran); a fused group is split
// into dispatches: an anchor op (map or special kernel) followed by the map ops after it that
// read the values computed so far at the same flat index (see kernel-api.ts). Within a dispatch
// values live in registers; a value is stored only when something outside the dispatch reads it
// (or it is a model output). Stored values get arena buffers with live ranges in dispatch steps;
// the runtime places them for each binding of the symbols (src/runtime/plan.ts). Constants live
// in weights.bin (scalars are inlined as literals). Control ops (if, loop, scan): their regions'
// ops become dispatches like top-level ones, with the copies, predicates and repeated ranges of
// control-flow.ts around them.

import { fail } from '../../../ir/diagnostics.js';
import { constantValue } from '../../../ir/infer.js';
import type { Module, Op, Value } from '../../../ir/ir.js';
import { encodeBytes, type Tensor } from '../../../ir/tensor.js';
import type { Dim } from '../../../ir/types.js';
import type { GpuBuffer, GpuCompileReport, GpuKernel, GpuKernelReport, GpuManifest, UniformSlot } from './artifact.js';
import { type KernelCtx, type KernelDef, type MapKernel, type SpecialShader, sameDims, strides, coords } from './kernel-api.js';
import { kernelFor, kernelLabel } from './kernels/index.js';
import { checkSupported } from './check.js';
import { DATA_SIZED, dataDimsOf, sizeDataDims } from '../data-dims.js';
import { countedDims, siteText, symbolsOf } from '../dims.js';
import { dynamicDims } from './dynamic-dims.js';
import { MAP_WG, mapShader, shaderText } from './shader-text.js';
import { addU, Body, enableF16, GPU_ESIZE, literal, loadHalf, loadHalfArena, loadWord, mulU, REG, storeHalfArena, storeWord, u32, withSubgroups } from './wgsl.js';
import { arenaStorage, defaultStorage, loadPacked, narrow, needsNarrow, PACKED_BITS, type Storage, weightStorage } from './storage.js';
import { wideValues } from './half-temps.js';
import { numberToF16Bits } from '../../../ir/numeric.js';
import { checkLine } from './index-check.js';
import { invocationIndex } from './kernels/common.js';
import type { IndexSite } from '../../runtime/webgpu-manifest.js';
import { CONTROL_OPS, controlValues, lowerControl, type Pred, type Repeat, repeatedLiveRanges, tripSymbols } from './control-flow.js';
import { sizeLoopScans } from '../loop-scans.js';

const STRUCTURAL = new Set(['const', 'return', 'yield', 'fused']);
/** Ops that only reinterpret the dims: no dispatch, the result shares the operand's buffer. */
const VIEWS = new Set(['identity', 'reshape', 'flatten', 'unsqueeze', 'squeeze', 'dropout']);
const ALIGN = 256;

export interface Lowered {
  readonly shaders: readonly { readonly file: string; readonly code: string }[];
  readonly weights: Uint8Array;
  readonly manifest: GpuManifest;
  readonly report: Omit<GpuCompileReport, 'pipeline'>;
  /** The IR ops of each dispatch, in manifest.kernels order (the cost report re-counts FLOPs per binding). */
  readonly dispatchOps: readonly (readonly Op[])[];
}

interface Dispatch {
  readonly ops: Op[];
  readonly def: KernelDef;
  /** Values computed by this dispatch (canonical). */
  readonly chain: Set<Value>;
  /** Values stored by a permuted store (a transpose of a chain value): not in registers. */
  readonly scattered: Set<Value>;
  /** The anchor's result this dispatch computes (ops with several results, one dispatch each). */
  readonly result?: number;
  /** Control flow (control-flow.ts): the value a copy dispatch writes, kept in one buffer across writes. */
  readonly target?: Value;
  readonly label?: string;
  /** Runs only where these conditions hold (branches of an if, iterations of a loop after its cond turned false). */
  readonly pred?: readonly Pred[];
}

type Buf = GpuBuffer & { first?: number; last?: number; kind: GpuBuffer['kind'] };

/** A key equal for dims with the same product (numbers multiplied, symbols sorted). */
const numelKey = (dims: readonly Dim[]): string => {
  let n = 1;
  const syms: string[] = [];
  for (const d of dims) typeof d === 'number' ? (n *= d) : syms.push(d);
  return `${n}*${syms.sort().join('*')}`;
};
const shapeOf = (v: Value): Dim[] => [...(v.type.shape ?? [])];

export interface LowerOptions {
  /**
   * Store f32 weights and intermediates as f16 (weights rounded to nearest even, two per word in
   * W; intermediates one per element in the half arena AH), widened to f32 on load: arithmetic
   * stays f32. Graph inputs and outputs stay f32. Needs shader-f16.
   */
  readonly f16?: boolean;
  /** Also print reductions with subgroup operations, as variants the runtime picks on devices with `subgroups`. */
  readonly subgroups?: boolean;
}

export function lowerModule(module: Module, opts: LowerOptions = {}): Lowered {
  const func = module.main;
  // A loop's scan outputs get its trip count as row count where it provably runs that often.
  sizeLoopScans(module);
  // Results sized by their input values get a symbol their kernel counts (data-dims.ts).
  sizeDataDims(module);
  checkSupported(func, module);
  const counted = dataDimsOf(func, module);
  const countedAt = new Map<string, { kernel: number; word: number }>();
  const symbols = symbolsOf(func);
  symbols.push(...tripSymbols(func, module, symbols));

  // Canonical values: one name per buffer. Region arguments stand for the group's operands, a
  // group's results for the values it yields, and a view (reshape, flatten, ...) for its operand:
  // views are free, they read the same words at the same flat index.
  const constTensor = (v: Value): Tensor | undefined => (v.def?.name === 'const' ? constantValue(v.def, module) : undefined);
  const alias = new Map<Value, Value>();
  const canon = (v: Value): Value => { let x = v; while (alias.has(x)) x = alias.get(x)!; return x; };
  const steps = func.body.ops.filter((op) => !STRUCTURAL.has(op.name) || op.name === 'fused');
  // Dropout is a view (the identity) when provably not training or with ratio 0; otherwise its
  // kernel decides at run time (training_mode or ratio as data) or draws the mask (kernels/signal-extra.ts).
  const identityDropout = (op: Op): boolean => {
    const c = (v: Value | null | undefined): Tensor | null | undefined => (v ? constTensor(canon(v)) : null);
    const training = c(op.operands[2]), ratio = c(op.operands[1]);
    return training === null || (training !== undefined && Number(training.data[0]) === 0) || (ratio !== undefined && ratio !== null && Number(ratio.data[0]) === 0);
  };
  const isView = (op: Op): boolean => VIEWS.has(op.name) && op.results.length === 1 && (op.name !== 'dropout' || identityDropout(op));
  const walkAlias = (ops: readonly Op[]): void => ops.forEach((op) => {
    if (op.name === 'fused') {
      const region = op.regions[0]!;
      region.args.forEach((a, i) => alias.set(a, op.operands[i]!));
      walkAlias(region.ops);
      region.terminator!.operands.forEach((v, i) => { if (v) alias.set(op.results[i]!, v); });
    } else if (isView(op)) {
      alias.set(op.results[0]!, op.operands[0]!);
    } else if (CONTROL_OPS.has(op.name)) op.regions.forEach((r) => walkAlias(r.ops));
  });
  walkAlias(func.body.ops);

  // Liveness: from the outputs back through the operands each kernel reads at run time (views
  // and shape operands that only fixed result types read nothing), so shape arithmetic whose
  // results only sized a reshape costs no dispatch.
  const outputsSet = new Set(func.body.terminator!.operands.map((v) => canon(v!)));
  const readsOf = (o: Op): (Value | null)[] => {
    // A control op reads its operands and what its regions yield (its copies); body ops read the rest.
    if (CONTROL_OPS.has(o.name)) return [...o.operands, ...o.regions.flatMap((r) => r.terminator?.operands ?? [])];
    const rd = kernelFor(o)?.reads;
    return rd ? rd(o).map((j) => o.operands[j] ?? null) : o.operands;
  };
  const live = new Set<Op>();
  // A counting op runs even when only its results' size is used (Shape of NonZero's result).
  const work = [...outputsSet, ...counted.flatMap((c) => c.op.results)];
  while (work.length > 0) {
    const d = work.pop()!.def;
    if (!d || d.name === 'const' || live.has(d)) continue;
    live.add(d);
    readsOf(d).forEach((v) => { if (v) work.push(canon(v)); });
  }
  // Who reads each value (canonical), to decide what a dispatch must store.
  const users = new Map<Value, Op[]>();
  for (const o of live) readsOf(o).forEach((v) => { if (v) { const c = canon(v); users.set(c, [...(users.get(c) ?? []), o]); } });

  // Partition into dispatches.
  const dispatches: Dispatch[] = [];
  const repeats: Repeat[] = [];
  const control = {
    module, func, canon,
    constant: (v: Value): Tensor | undefined => constTensor(canon(v)),
    dispatch: (op: Op, target: Value, def: KernelDef, label: string, pred: readonly Pred[]): void => {
      dispatches.push({ ops: [op], def, chain: new Set([target]), scattered: new Set(), target, label, pred });
    },
    lower: (ops: readonly Op[], pred: readonly Pred[]): void => partition(ops.filter((op) => !STRUCTURAL.has(op.name) || op.name === 'fused'), pred),
    get count(): number { return dispatches.length; },
    repeat: (r: Repeat): void => { repeats.push(r); },
  };
  const partition = (steps: readonly Op[], pred: readonly Pred[]): void => {
    for (const step of steps) {
      if (CONTROL_OPS.has(step.name)) {
        if (live.has(step)) lowerControl(step, control, pred);
        continue;
      }
      const ops = step.name === 'fused' ? step.regions[0]!.ops.filter((o) => !STRUCTURAL.has(o.name)) : [step];
      let cur: Dispatch | null = null;
      const stepDispatches: Dispatch[] = [];
      for (const o of ops) {
        if (isView(o) || !live.has(o)) continue;
        const def = kernelFor(o)!;
        if (def.kind === 'map' && def.multi) {
          // One dispatch per result that something reads (split).
          o.results.forEach((r, n) => {
            if (outputsSet.has(canon(r)) || (users.get(canon(r)) ?? []).length > 0) dispatches.push({ ops: [o], def, chain: new Set([canon(r)]), scattered: new Set(), result: n, pred });
          });
          cur = null;
          continue;
        }
        const extra = def.kind === 'special' && def.extraResults === true;
        if (!extra) {
          o.results.slice(1).forEach((r) => {
            if ((users.get(canon(r)) ?? []).length > 0 || outputsSet.has(canon(r))) fail('E201', `${o.name}: only its first result is supported by the webgpu backend`, o.loc);
          });
        }
        // A permuted store may also end an earlier dispatch of this group (its only operand is there).
        const host = (cur && canJoin(cur, o, def) ? cur : undefined) ?? stepDispatches.find((d) => scatters(d, o) && canJoin(d, o, def));
        if (host) {
          host.ops.push(o);
          if (scatters(host, o)) host.scattered.add(canon(o.results[0]!));
          host.chain.add(canon(o.results[0]!));
        } else {
          cur = { ops: [o], def, chain: new Set([canon(o.results[0]!)]), scattered: new Set(), pred };
          // Further results (layer norm's Mean, InvStdDev) are stored by the kernel, never in registers.
          if (extra) o.results.slice(1).forEach((r) => { cur!.chain.add(canon(r)); cur!.scattered.add(canon(r)); });
          dispatches.push(cur);
          stepDispatches.push(cur);
        }
      }
    }
  };
  partition(steps, []);
  // A transpose of a chain value joins as a permuted store: the producer writes its result where
  // the transpose puts it, saving a dispatch and a round trip. The stored value is not in a
  // register, so no op of the same dispatch may read it.
  function scatters(cur: Dispatch, o: Op): boolean {
    const def = kernelFor(o)!;
    const x = o.operands[0] ? canon(o.operands[0]) : undefined;
    return def.kind === 'map' && def.scatter !== undefined && x !== undefined && cur.chain.has(x) && !cur.scattered.has(x);
  }
  function canJoin(cur: Dispatch, o: Op, def: KernelDef): boolean {
    // After a counting op, its counted dim is bound only once its dispatch is done.
    if (DATA_SIZED.has(cur.ops[0]!.name)) return false;
    if (def.kind !== 'map' || o.results.length !== 1 || cur.result !== undefined) return false;
    const anchor = cur.ops[0]!.results[0]!;
    if (numelKey(shapeOf(anchor)) !== numelKey(shapeOf(o.results[0]!))) return false;
    if (o.operands.some((v) => v && cur.scattered.has(canon(v)))) return false;
    if (scatters(cur, o)) return o.operands.slice(1).every((v) => !v || !cur.chain.has(canon(v)));
    const pw = def.pointwise(o);
    return o.operands.every((v, j) => {
      if (!v || !cur.chain.has(canon(v))) return true;
      return pw.includes(j) && ((def.flat === true && j === 0) || sameDims(shapeOf(v), shapeOf(o.results[0]!)));
    });
  }
  const stored = (d: Dispatch, v: Value): boolean => outputsSet.has(v) || (users.get(v) ?? []).some((u) => !d.ops.includes(u));
  // --f16: f32 temps live in the half arena AH, except those that may exceed f16's range (half-temps.ts).
  const wide = opts.f16 === true ? wideValues(func.body.ops, canon, constTensor) : new Set<Value>();
  // Values of control flow stay f32: state carried across iterations would round every time.
  const inControl = opts.f16 === true ? controlValues(func.body.ops) : new Set<Value>();
  const halfTemp = (v: Value): boolean => opts.f16 === true && v.type.dtype === 'f32' && !outputsSet.has(v) && !wide.has(v) && !inControl.has(v);

  // Buffers.
  const buffers: Buf[] = [];
  const bufOf = new Map<Value, number>();
  const weightChunks: Uint8Array[] = [];
  let weightsBytes = 0;
  const weightKeys = new Map<string, number>();
  const newBuf = (b: Buf): number => { buffers.push(b); return buffers.length - 1; };
  const esizeOf = (v: Value): number => GPU_ESIZE[v.type.dtype]!;
  const weightFor = (v: Value): number => {
    const a = v.def!.attrs.get('value');
    const key = a?.kind === 'weight' ? `w:${a.value}` : `c:${v.name}`;
    const known = weightKeys.get(key);
    if (known !== undefined) return known;
    const t = constTensor(v);
    if (!t) fail('E201', `constant %${v.name} has no value the webgpu backend can read`, v.def!.loc);
    // With --f16, f32 weights are stored as f16: half the bytes GEMM and conv stream; scalars stay
    // f32 literals, and a tensor with values beyond f16's range (masks of -1e9) stays f32 rather
    // than turn infinite. Otherwise as storage.ts says: packed little-endian bytes, or words.
    const half = opts.f16 === true && t.dtype === 'f32' && (t.data as Float32Array).every((x) => Math.abs(x) <= 65504 || Number.isNaN(x));
    const storage: Storage = half ? 'packed' : weightStorage(t.dtype);
    const bytes = half ? f16Bytes(t.data as Float32Array) : weightBytes(t, storage);
    const offset = Math.ceil(weightsBytes / 16) * 16;
    if (offset > weightsBytes) weightChunks.push(new Uint8Array(offset - weightsBytes));
    weightChunks.push(bytes);
    weightsBytes = offset + bytes.length;
    const dtype = half ? 'f16' : v.type.dtype;
    const esize = storage === 'packed' ? (half ? 16 : PACKED_BITS[dtype]!) / 8 : esizeOf(v);
    const id = newBuf({ name: v.name, dtype, shape: shapeOf(v), esize, kind: 'weight', offset, bytes: bytes.length, ...storageField(dtype, storage) });
    weightKeys.set(key, id);
    return id;
  };
  const inputs = func.body.args.map((a) => {
    const id = newBuf({ name: a.name, dtype: a.type.dtype, shape: shapeOf(a), esize: esizeOf(a), kind: 'input', first: 0, last: 0, ...storageField(a.type.dtype, arenaStorage(a.type.dtype)) });
    bufOf.set(a, id);
    return { name: a.name, dtype: a.type.dtype, shape: shapeOf(a), buffer: id };
  });

  // Uniform slots: symbols first, then arena buffer offsets as they are first used (A: words, AH: f16 elements).
  const slots: UniformSlot[] = symbols.map((s) => ({ symbol: s }));
  const slotOfBuf = new Map<number, number>();
  // Ops whose indices are checked at run time (index-check.ts), in order of first use.
  const indexSites: IndexSite[] = [];
  const slotExpr = (n: number): string => `u.v[${n >> 2}].${'xyzw'[n & 3]}`;
  const dimExpr = (d: Dim): string => (typeof d === 'number' ? u32(d) : slotExpr(symbols.indexOf(d)));
  const bufBase = (id: number): string => {
    const b = buffers[id]!;
    if (b.kind === 'weight') return u32(b.offset! / 4);
    let s = slotOfBuf.get(id);
    if (s === undefined) { s = slots.length; slots.push({ buffer: id }); slotOfBuf.set(id, s); }
    return slotExpr(s);
  };

  const bind1 = (d: Dim): number => (typeof d === 'number' ? d : 1);
  const numel = (v: Value): number => shapeOf(v).reduce<number>((a, d) => a * bind1(d), 1);
  const bodies: { name: string; text: (nslots: number) => string }[] = [];
  const variants: { name: string; text: (nslots: number) => string }[] = [];
  const kernels: GpuKernel[] = [];
  const reports: GpuKernelReport[] = [];
  let wgBytesMax = 0;

  dispatches.forEach((d, s) => {
    const reads = new Set<number>(), writes = new Set<number>();
    for (const v of d.chain) {
      if (!d.target && !stored(d, v)) continue;
      // Control flow writes some values more than once (state, counters, results): one buffer.
      const known = bufOf.get(v);
      if (known !== undefined) {
        writes.add(known);
        buffers[known]!.last = Math.max(buffers[known]!.last ?? s, s);
        continue;
      }
      const half = halfTemp(v);
      const kind = outputsSet.has(v) ? 'output' : 'temp';
      const id = newBuf(half ? { name: v.name, dtype: 'f16', shape: shapeOf(v), esize: 2, kind, arena: 'half', first: s, last: s }
        : { name: v.name, dtype: v.type.dtype, shape: shapeOf(v), esize: esizeOf(v), kind, first: s, last: s, ...storageField(v.type.dtype, arenaStorage(v.type.dtype)) });
      bufOf.set(v, id);
      writes.add(id);
    }
    // One shader text per variant: the plain one, and with subgroup reductions (--subgroups).
    const gen = (sg: boolean): { shader: SpecialShader; anchorReg: string; mainText: string; epiText: string; status: boolean } => {
    let status = false;
    const main = new Body(1);
    const epi = main.sibling(1);
    const sizeExpr = (dims: readonly Dim[]): string => dims.reduce<string>((a, x) => mulU(a, dimExpr(x)), '1u');
    const regs = new Map<Value, string>();
    const load = (v0: Value, idx: string): string => {
      const v = canon(v0);
      let id = bufOf.get(v);
      if (id === undefined && v.def?.name === 'const') id = weightFor(v);
      if (id === undefined) throw new Error(`webgpu backend: %${v.name} has no buffer`);
      const b = buffers[id]!;
      if (b.kind !== 'weight') { b.last = Math.max(b.last ?? s, s); reads.add(id); }
      if (b.arena === 'half') return loadHalfArena(bufBase(id), idx);
      if (b.kind === 'weight' && b.dtype === 'f16') return loadHalf('W', bufBase(id), idx);
      if (b.kind === 'weight' && PACKED_BITS[b.dtype]) return loadPacked('W', bufBase(id), idx, b.dtype, addU);
      return loadWord(b.kind === 'weight' ? 'W' : 'A', bufBase(id), idx, v.type.dtype);
    };
    const ctxFor = (body: Body): KernelCtx => {
      const k: KernelCtx = {
        body, module, f16: opts.f16 === true, subgroups: sg,
        dims: shapeOf,
        dim: dimExpr,
        size: sizeExpr,
        load,
        constant: (v) => (v ? constTensor(canon(v)) : undefined),
        fail: (o, message) => fail('E201', message, o.loc, [`op ${o.name} %${o.results[0]?.name ?? ''}`]),
        storeResult: (o, r, idx, value) => storeLines(body, canon(o.results[r]!), idx, narrowed(o.results[r]!.type.dtype, value)),
        operand: (o, j, i) => {
          const v = o.operands[j]!, c = canon(v);
          const r = regs.get(c);
          if (r !== undefined) return r;
          const t = constTensor(c);
          if (t && t.data.length === 1) return literal(Number(t.data[0]), REG[v.type.dtype]!);
          const od = shapeOf(o.results[0]!), vd = shapeOf(v);
          const kd = kernelFor(o);
          if ((kd?.kind === 'map' && kd.flat === true && j === 0) || sameDims(vd, od)) return load(v, i);
          return load(v, broadcastIndex(k, i, vd, od));
        },
        indexCheck: (o, j, K, bad) => {
          // A site with its own test has indices that do not wrap (index-check.ts): valid 0 to K-1.
          const site: IndexSite = bad === undefined ? siteText(o) : { site: siteText(o), from: 0 };
          const at = indexSites.findIndex((x) => JSON.stringify(x) === JSON.stringify(site));
          body.line(checkLine(at < 0 ? indexSites.push(site) - 1 : at, j, K, bad));
          status = true;
        },
        setCount: (o, count) => {
          const c = counted.find((x) => x.op === o);
          if (!c) return;
          // The count takes word 1 of a site of its own in the status buffer (its flag stays 0).
          const site: IndexSite = { site: `${siteText(o)} (count of ${c.symbol})`, from: 0 };
          const at0 = indexSites.findIndex((x) => JSON.stringify(x) === JSON.stringify(site));
          const word = 3 * (at0 < 0 ? indexSites.push(site) - 1 : at0) + 1;
          body.line(`atomicStore(&S[${word}u], ${count});`);
          countedAt.set(c.symbol, { kernel: s, word });
          status = true;
        },
      };
      return k;
    };
    const storeLines = (body: Body, v: Value, i: string, value: string): void => {
      const id = bufOf.get(v);
      if (id === undefined || !writes.has(id)) return;
      const lines = buffers[id]!.arena === 'half' ? storeHalfArena(bufBase(id), i, value) : storeWord(bufBase(id), i, v.type.dtype, value);
      lines.forEach((l) => body.line(l));
    };

    let shader: SpecialShader;
    const anchor = d.ops[0]!;
    const y = d.target ?? canon(anchor.results[d.result ?? 0]!);
    const anchorReg = REG[y.type.dtype]!;
    // An empty result (a zero dim): nothing to compute, and index arithmetic over a zero dim
    // would not even compile (WGSL rejects constant division by zero). Zero workgroups. A special
    // kernel that declares runsEmpty for the op (code safe over zero dims) runs while any of its
    // results is non-empty (training batch_normalization's running statistics of an empty batch).
    const runsEmpty = d.def.kind === 'special' && d.def.runsEmpty?.(anchor) === true;
    // Copies of control flow (d.target) check their own sizes.
    // A counting op always runs: its count is not its result's size (NonZero of a 0-D x is
    // [0, n] with n 0 or 1; Unique of [3, 0] slices counts 1), and the runtime waits for it.
    const counting = counted.some((c) => c.op === anchor);
    const empty = !d.target && !counting && (runsEmpty ? anchor.results.every((r) => shapeOf(r).includes(0)) : shapeOf(y).includes(0) || d.ops.some((o) => o.name !== 'concat' && !kernelFor(o)?.emptyOperands && readsOf(o).some((v) => v !== null && shapeOf(v).includes(0))));
    if (empty) {
      main.comment(`${anchor.name} %${anchor.results[d.result ?? 0]!.name}: empty, nothing to do`);
      epi.comment('empty');
      shader = { ...mapShader([0]), decls: [] };
    } else if (d.def.kind === 'map') {
      invocationIndex(main, 'i', MAP_WG, sizeExpr(shapeOf(y)));
      main.comment(`${anchor.name} %${anchor.results[d.result ?? 0]!.name}`);
      const v = d.def.value(ctxFor(main), anchor, 'i', d.result ?? 0);
      main.line(`epi(i, ${v});`);
      shader = mapShader(shapeOf(y));
    } else {
      if (!d.target) main.comment(`${anchor.name} %${anchor.results[0]!.name}`);
      shader = d.def.emit(ctxFor(main), anchor);
    }
    // Predicated (control-flow.ts): one flag read per workgroup, uniform, before any barrier.
    let pre = '';
    if (!empty && d.pred && d.pred.length > 0) {
      const conds = d.pred.map((p) => `${p.neg ? '!' : ''}${load(p.v, '0u')}`);
      pre = [`  if (lid == 0u) { cf_go = select(0u, 1u, ${conds.join(' && ')}); }`, '  if (workgroupUniformLoad(&cf_go) == 0u) { return; }', ''].join('\n');
      shader = { ...shader, decls: [...shader.decls, 'var<workgroup> cf_go: u32;'] };
    }
    // Registers hold what the dtype stores (storage.ts): f16 sums rounded, u8 sums wrapped.
    const a = empty || !needsNarrow(y.type.dtype) || (d.def.kind === 'map' && SELF_NARROWING.has(anchor.name)) ? 'a' : epi.let('an', narrowed(y.type.dtype, 'a'));
    regs.set(y, a);
    if (!empty) storeLines(epi, y, 'i', a);
    for (const o of empty ? [] : d.ops.slice(1)) {
      epi.comment(`${o.name} %${o.results[0]!.name}`);
      const od = kernelFor(o) as MapKernel;
      const c = canon(o.results[0]!);
      const from = o.operands[0] ? regs.get(canon(o.operands[0])) : undefined;
      if (od.scatter && from !== undefined) {
        storeLines(epi, c, epi.let('to', od.scatter(ctxFor(epi), o, 'i')), from);
        continue;
      }
      const v = od.value(ctxFor(epi), o, 'i');
      const r = needsNarrow(c.type.dtype) && !SELF_NARROWING.has(o.name) ? epi.let('v', narrowed(c.type.dtype, v)) : v;
      regs.set(c, r);
      storeLines(epi, c, 'i', r);
    }
      return { shader, anchorReg, mainText: pre + main.text(), epiText: epi.text(), status };
    };
    const labelOps = d.label ? [d.label] : d.ops.map(kernelLabel);
    const label = labelOps.filter((x, j) => j === 0 || x !== labelOps[j - 1]).join('-').slice(0, 48).replace(/-$/, '');
    const name = `${String(s).padStart(3, '0')}-${label}`;
    const { shader, anchorReg, mainText, epiText, status } = gen(false);
    const sgv = opts.subgroups === true ? gen(true) : undefined;
    const variant = sgv && sgv.mainText !== mainText ? sgv : undefined;
    wgBytesMax = Math.max(wgBytesMax, shader.workgroupBytes);
    const opNames = d.ops.map((o) => o.name);
    const half = [...reads, ...writes].some((id) => buffers[id]!.arena === 'half');
    bodies.push({
      name,
      text: (nslots) => shaderText(name, opNames, nslots, shader, anchorReg, mainText, epiText, { half, status }),
    });
    if (variant) {
      variants.push({ name: `${name}.subgroups`, text: (nslots) => withSubgroups(shaderText(name, opNames, nslots, variant.shader, variant.anchorReg, variant.mainText, variant.epiText, { half, status: variant.status })) });
    }
    kernels.push({
      name, file: `${name}.wgsl`, ...(variant ? { variants: { subgroups: `${name}.subgroups.wgsl` } } : {}), ops: opNames, reads: [...reads].sort((a, b) => a - b), writes: [...writes].sort((a, b) => a - b),
      workgroupSize: shader.workgroupSize as [number, number, number], dispatch: shader.dispatch as GpuKernel['dispatch'], fold: shader.fold,
    });
    const flops = d.ops.reduce((a, o) => a + (kernelFor(o)?.flops?.(o, numel) ?? 0), 0);
    const bytes = [...reads, ...writes].reduce((a, id) => a + buffers[id]!.shape.reduce<number>((x, dd) => x * bind1(dd), 1) * buffers[id]!.esize, 0);
    reports.push({ name, ops: opNames, flops, bytes });
  });

  const returned = func.body.terminator!.operands;
  const outputs = returned.map((v0, i) => {
    const v = canon(v0!);
    let id = bufOf.get(v);
    if (id === undefined && v.def?.name === 'const') id = weightFor(v);
    if (id === undefined) throw new Error(`webgpu backend: output %${v.name} has no buffer`);
    const b = buffers[id]!;
    if (b.kind !== 'weight') b.last = dispatches.length;
    return { name: func.resultNames[i] ?? v0!.name, dtype: v.type.dtype, shape: shapeOf(v0!), buffer: id };
  });
  repeatedLiveRanges(repeats, buffers);

  const nslots = Math.max(1, slots.length);
  // Variants after the kernels' own shaders: shaders[n] stays kernel n's.
  const shaders = [...bodies, ...variants].map((b) => ({ file: `${b.name}.wgsl`, code: enableF16(b.text(nslots)) }));
  const features = shaders.some((sh) => sh.code.startsWith('enable f16;')) ? ['shader-f16'] : [];
  const weights = new Uint8Array(Math.ceil(weightsBytes / 4) * 4);
  let at = 0;
  for (const c of weightChunks) { weights.set(c, at); at += c.length; }
  const bind: Record<string, number> = {};
  symbols.forEach((s) => (bind[s] = 1));
  const manifest: GpuManifest = {
    format: 'tenth-webgpu/1', name: module.name, symbols, ...dynamicDims(func, symbols).dims, alignment: ALIGN, weightsBytes: weights.length,
    inputs, outputs, buffers, uniforms: slots, kernels, features, workgroupStorageBytes: wgBytesMax,
    ...(indexSites.length > 0 ? { indexSites } : {}),
    ...(repeats.length > 0 ? { repeats: repeats.map((r) => ({ from: r.from, to: r.to, count: r.count })) } : {}),
    ...(counted.length > 0 ? { counted: countedDims(func, module, countedAt, 'webgpu') } : {}),
  };
  return {
    shaders, weights, manifest, dispatchOps: dispatches.map((d) => d.ops),
    report: { model: module.name, target: 'webgpu', bind, kernels: reports, totalFlops: reports.reduce((a, r) => a + r.flops, 0), weightsBytes: weights.length },
  };
}

/** Flat index into `vd` of the element that broadcasts to flat index i of `od` (right-aligned). */
function broadcastIndex(k: KernelCtx, i: string, vd: readonly Dim[], od: readonly Dim[]): string {
  if (vd.every((x) => x === 1)) return '0u';
  const pad = od.length - vd.length;
  const c = coords(k, i, od, 'bc');
  const vs = strides(k, vd);
  return k.body.let('bi', vd.reduce<string>((e, x, a) => {
    if (x === 1) return e;
    // A symbolic dim other than the result's may be 1 at run time (it broadcasts): clamp.
    const ca = typeof x === 'string' && x !== od[a + pad] ? `min(${c[a + pad]}, ${k.dim(x)} - 1u)` : c[a + pad]!;
    return addU(e, mulU(ca, vs[a]!));
  }, '0u'));
}

/**
 * Round or wrap to the dtype, without float8 saturation: idempotent on every value any narrowing
 * or cast produced (an e5m2 inf from a non-saturating cast stays inf).
 */
const narrowed = (dtype: string, e: string): string => (needsNarrow(dtype) ? narrow(e, dtype, false) : e);
/** Map kernels whose values already are what their dtype stores (casts narrow with their own `saturate`). */
const SELF_NARROWING = new Set(['cast', 'cast_like', 'quantize_linear', 'qlinear_matmul', 'qlinear_conv']);

/** The manifest states a buffer's storage only where it differs from what the runtime assumes. */
const storageField = (dtype: string, storage: Storage): { storage?: Storage } => (storage === defaultStorage(dtype) ? {} : { storage });

/** A constant's bytes in weights.bin (storage.ts): bool widened to words, f64 and float8/4 decoded to f32 words. */
function weightBytes(t: Tensor, storage: Storage): Uint8Array {
  if (t.dtype === 'bool') return new Uint8Array(Uint32Array.from(t.data as Uint8Array).buffer);
  if (storage === 'word' && REG[t.dtype] === 'f32' && t.dtype !== 'f32') return new Uint8Array(Float32Array.from(t.data as ArrayLike<number>).buffer);
  return encodeBytes(t);
}

/** f32 values as little-endian f16 bit patterns, rounded to nearest even. */
function f16Bytes(x: Float32Array): Uint8Array {
  const h = new Uint16Array(x.length + (x.length & 1));
  x.forEach((v, i) => (h[i] = numberToF16Bits(v)));
  return new Uint8Array(h.buffer);
}
