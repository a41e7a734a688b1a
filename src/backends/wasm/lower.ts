// Legalise a module for WASM and print it: one buffer per value (inputs, outputs, weights,
// intermediates of every op, including those inside fused groups), one function per top-level
// op (a fused group is one function running its ops in order), constants and pre-packed weights
// laid out in weights.bin. Offsets of arena buffers are NOT fixed here: the manifest lists each
// buffer's shape (with symbols) and live range in kernel steps, and the runtime places them for
// the bound sizes (src/runtime/plan.ts), so a new batch or sequence length needs no recompile.
// The step order is the function body's order, i.e. plan-memory's order when it ran.

import { DATA_SIZED_WHY, dataDimsOf, sizeDataDims, uncounted } from '../data-dims.js';
import { checkInputDims, countedDims, dimSources, dynamicDims, symbolsOf, unboundSymbols, UNKNOWN_DIM_HINT } from '../dims.js';
import { fail } from '../../../ir/diagnostics.js';
import { constantValue } from '../../../ir/infer.js';
import type { Func, Module, Op, Value } from '../../../ir/ir.js';
import { formatLoc } from '../../../ir/location.js';
import type { Tensor } from '../../../ir/tensor.js';
import type { Dim } from '../../../ir/types.js';
import type { CompileReport, KernelReport, Manifest, ManifestBuffer } from './artifact.js';
import { FuncEmitter, i32, mul } from './emitter.js';
import { ESIZE, type KernelCtx } from './kernel-api.js';
import { arenaBytes } from './kernels/dtype-codec.js';
import { HELPERS } from './kernels/helpers.js';
import { KERNELS } from './kernels/index.js';
import { hasRuntimeAxes, REDUCE_DYNAMIC_KERNEL } from './kernels/reduce-dynamic.js';
import { runtimeAxesReduce } from './kernels/odds-reduce.js';
import { CONTROL_OPS, checkControl, planRegions } from './regions.js';
import { sizeLoopScans } from '../loop-scans.js';
import { DTYPE_INFO } from '../../../ir/dtype.js';
import { getOpDef } from '../../../ir/op-def.js';
import { symbolicValue } from '../../../ir/shape-value.js';
import { dimExpr } from '../../../ir/symbolic.js';
import { MIN_WORK, placeBarriers, threadedPrelude, threadedRun, unitMarkers } from './threads.js';
import { takenByEpilogue } from './kernels/conv-epilogue.js';

/** Reductions over axes read from input data: f32 through the run-time-generic kernel, other dtypes and ops through odds-reduce.ts. */
const RUNTIME_AXES_REDUCE = runtimeAxesReduce(REDUCE_DYNAMIC_KERNEL);

const STRUCTURAL = new Set(['const', 'return', 'yield', 'fused']);
const ALIGN = 16;
const alignUp = (n: number, a: number): number => Math.ceil(n / a) * a;

export interface LowerOptions {
  /** Print the threaded variant (threads.ts): shared memory, split kernels, `run_mt`. */
  readonly threaded?: boolean;
  /** Scratch buffers hold this many per-thread slots (the same for both variants of one compile). */
  readonly scratchSlots?: number;
  /** Threaded variant: ops with less static work are not split (default threads.ts MIN_WORK). */
  readonly minWork?: number;
}

export interface Lowered {
  readonly wat: string;
  readonly weights: Uint8Array;
  readonly manifest: Manifest;
  readonly report: Omit<CompileReport, 'pipeline'>;
}

interface Buf extends ManifestBuffer {
  first?: number;
  last?: number;
  kind: ManifestBuffer['kind'];
}

/** E201 for every op without a kernel, E205 for dims the runtime cannot size. */
function checkSupported(func: Func): void {
  checkInputDims(func, 'wasm');
  const missing = new Map<string, string[]>();
  // Shape problems are reported only when every op has a kernel: an op without one (e.g. NonZero)
  // leaves unknown dims behind it, and its missing kernel is the real reason.
  let shapeError: (() => never) | undefined;
  const walk = (ops: readonly Op[]): void => {
    for (const op of ops) {
      op.regions.forEach((r) => walk(r.ops));
      if (op.name === 'fused' || STRUCTURAL.has(op.name)) continue;
      const layout = unsupportedLayout(op);
      const refused = uncounted(op);
      if ((op.regions.length > 0 && !CONTROL_OPS.has(op.name)) || !KERNELS.has(op.name) || layout || refused) {
        const key = layout ? `${op.name} (${layout})` : refused ? `${op.name} (${DATA_SIZED_WHY})` : op.name;
        const list = missing.get(key) ?? [];
        list.push(formatLoc(op.loc));
        missing.set(key, list);
        continue;
      }
      if (shapeError) continue;
      try {
        if (op.regions.length > 0) checkControl(op);
        for (const v of [...op.results, ...op.operands]) {
          const s = v?.type.shape;
          if (v && (s === null || s === undefined || s.includes('?'))) {
            fail('E205', `the wasm backend needs ranked shapes without unknown dims: %${v.name} of ${op.name}${unknownWhy(op)}`, op.loc, [UNKNOWN_DIM_HINT]);
          }
          for (const d of s ?? []) if (typeof d === 'string') checkDim(d, v!, op);
        }
      } catch (e) {
        shapeError = () => { throw e; };
      }
    }
  };
  const src = dimSources(func);
  const checkDim = (d: string, v: Value, op: Op): void => {
    const unbound = unboundSymbols(d, src);
    if (unbound.length > 0) {
      fail('E205', `the wasm backend cannot size dim '${d}' of %${v.name} (${op.name}): ${unbound.map((x) => `'${x}'`).join(', ')} is neither an input dim nor read from input data`, op.loc);
    }
  };
  walk(func.body.ops);
  if (missing.size > 0) {
    const names = [...missing.keys()].sort();
    fail('E201', `the wasm backend does not support: ${names.join(', ')}`, undefined,
      names.map((n) => `${n}: ${missing.get(n)!.slice(0, 5).join('; ')}${missing.get(n)!.length > 5 ? ` (+${missing.get(n)!.length - 5} more)` : ''}`));
  }
  shapeError?.();
}

/**
 * The kernels read NCHW activations and OIHW weights only; select-layout (for a profile that lists
 * more layouts, or given layout=...) may set others, which a kernel would silently ignore.
 * Only string values: lstm/gru/rnn have an integer `layout` of their own.
 */
function unsupportedLayout(op: Op): string | undefined {
  for (const [a, ok] of [['layout', 'nchw'], ['out_layout', 'nchw'], ['weight_layout', 'oihw']] as const) {
    const v = op.attrs.get(a);
    if (v?.kind === 'string' && v.value !== ok) return `${a} = "${v.value}"`;
  }
  return undefined;
}

/** Why a result has unknown dims: a rank-changing or shape operand known only at run time. */
function unknownWhy(op: Op): string {
  const def = getOpDef(op.name);
  const dataOperand = op.operands.findIndex((o, i) => i > 0 && o && !o.def && DTYPE_INFO[o.type.dtype].kind !== 'float');
  if (dataOperand < 0 || !def) return '';
  const name = def.inputs[Math.min(dataOperand, def.inputs.length - 1)]?.name ?? String(dataOperand);
  return ` (its operand '${name}' %${op.operands[dataOperand]!.name} is graph-input data the shape depends on)`;
}

const ident = (s: string): string => s.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 48);

export function lowerModule(module: Module, opts: LowerOptions = {}): Lowered {
  const func = module.main;
  sizeLoopScans(module);
  sizeDataDims(module);
  checkSupported(func);
  const counted = dataDimsOf(func, module);
  const countedAt = new Map<string, number>();
  const symbols = symbolsOf(func);
  // Kernels may ask for dims no shape holds (a slice start read from input data), so the dims
  // table grows during emission; buffer-table addresses are patched in once its size is known.
  const ptrAt = (id: number): string => `(i32.const @ptr${id}@)`;
  const buffers: Buf[] = [];
  const bufOf = new Map<Value, number>();
  const argAlias = new Map<Value, Value>();
  const weightChunks: Uint8Array[] = [];
  let weightsBytes = 0;
  const weightKeys = new Map<string, number>();

  const newBuf = (b: Buf): number => { buffers.push(b); return buffers.length - 1; };
  const shapeOf = (v: Value): Dim[] => [...(v.type.shape ?? [])];
  const esizeOf = (v: Value): number => ESIZE[v.type.dtype] ?? 4;
  const resolve = (v: Value): Value => {
    let x = v;
    while (argAlias.has(x)) x = argAlias.get(x)!;
    return x;
  };
  const addWeight = (key: string, name: string, dtype: string, shape: Dim[], bytes: Uint8Array, es: number): number => {
    const known = weightKeys.get(key);
    if (known !== undefined) return known;
    const offset = alignUp(weightsBytes, ALIGN);
    if (offset > weightsBytes) weightChunks.push(new Uint8Array(offset - weightsBytes));
    weightChunks.push(bytes);
    weightsBytes = offset + bytes.length;
    const id = newBuf({ name, dtype, shape, esize: es, kind: 'weight', offset, bytes: bytes.length });
    weightKeys.set(key, id);
    return id;
  };
  const constKey = (op: Op): string => {
    const a = op.attrs.get('value');
    return a?.kind === 'weight' ? `w:${a.value}` : `c:${op.results[0]!.name}`;
  };
  const constTensor = (op: Op): Tensor => {
    const t = constantValue(op, module);
    if (!t) fail('E201', `constant %${op.results[0]!.name} has no value the wasm backend can read`, op.loc);
    return t;
  };
  const bufferFor = (v0: Value): number => {
    const v = resolve(v0);
    const known = bufOf.get(v);
    if (known !== undefined) return known;
    if (v.def?.name === 'const') {
      const t = constTensor(v.def);
      const id = addWeight(constKey(v.def), v.name, v.type.dtype, shapeOf(v), arenaBytes(t), esizeOf(v));
      bufOf.set(v, id);
      return id;
    }
    throw new Error(`wasm backend: value %${v.name} has no buffer`);
  };

  // Inputs, then steps: results and inner values get buffers; uses extend live ranges.
  const inputs = func.body.args.map((a) => {
    const id = newBuf({ name: a.name, dtype: a.type.dtype, shape: shapeOf(a), esize: esizeOf(a), kind: 'input', first: 0, last: 0 });
    bufOf.set(a, id);
    return { name: a.name, dtype: a.type.dtype, shape: shapeOf(a), buffer: id };
  });
  const steps = func.body.ops.filter((op) => !STRUCTURAL.has(op.name) || op.name === 'fused');
  const use = (v: Value | null, s: number): void => {
    if (!v) return;
    const r = resolve(v);
    if (r.def?.name === 'const' || !bufOf.has(r)) return;
    const b = buffers[bufOf.get(r)!]!;
    if (b.kind !== 'weight') b.last = Math.max(b.last ?? s, s);
  };
  const copies = new Map<Op, [Value, Value][]>();
  steps.forEach((op, s) => {
    const walkUses = (ops: readonly Op[]): void => ops.forEach((o) => { o.operands.forEach((v) => use(v, s)); o.regions.forEach((r) => walkUses(r.ops)); });
    op.operands.forEach((v) => use(v, s));
    op.regions.forEach((r) => walkUses(r.ops));
    op.results.forEach((v) => bufOf.set(v, newBuf({ name: v.name, dtype: v.type.dtype, shape: shapeOf(v), esize: esizeOf(v), kind: 'temp', first: s, last: s })));
    const temp = (v: Value): void => { bufOf.set(v, newBuf({ name: v.name, dtype: v.type.dtype, shape: shapeOf(v), esize: esizeOf(v), kind: 'temp', first: s, last: s })); };
    if (op.name !== 'fused' && op.regions.length > 0) {
      planRegions(op, { temp, alias: (a, to) => argAlias.set(a, to), share: (v, owner) => bufOf.set(v, bufOf.get(resolve(owner))!) });
    }
    if (op.name !== 'fused') return;
    const region = op.regions[0]!;
    region.args.forEach((a, i) => argAlias.set(a, op.operands[i]!));
    const yielded = region.terminator!.operands;
    const owned = new Set<Value>();
    const pending: [Value, Value][] = [];
    yielded.forEach((v, i) => {
      if (v && v.def && v.def.name !== 'const' && region.ops.includes(v.def) && !owned.has(v)) {
        owned.add(v);
        bufOf.set(v, bufOf.get(op.results[i]!)!);
      } else if (v) pending.push([v, op.results[i]!]);
    });
    copies.set(op, pending);
    for (const inner of region.ops) {
      if (STRUCTURAL.has(inner.name)) continue;
      inner.results.forEach((v) => { if (!owned.has(v)) bufOf.set(v, newBuf({ name: v.name, dtype: v.type.dtype, shape: shapeOf(v), esize: esizeOf(v), kind: 'temp', first: s, last: s })); });
    }
  });
  const returned = func.body.terminator!.operands;
  const outputs = returned.map((v, i) => {
    const id = bufferFor(v!);
    const b = buffers[id]!;
    if (b.kind === 'temp') b.kind = 'output';
    if (b.kind !== 'weight') b.last = steps.length;
    return { name: func.resultNames[i] ?? v!.name, dtype: v!.type.dtype, shape: shapeOf(v!), buffer: id };
  });

  // Emission.
  const helpers: string[] = [];
  const generated = new Map<string, string>();
  const needHelper = (name: string): string => {
    const h = HELPERS[name];
    if (!h) throw new Error(`unknown wasm helper ${name}`);
    h[1].forEach(needHelper);
    if (!helpers.includes(name)) helpers.push(name);
    return `$${name}`;
  };
  const bind1 = (d: Dim): number => (typeof d === 'number' ? d : 1);
  const numel = (v: Value): number => (v.type.shape ?? []).reduce<number>((a, d) => a * bind1(d), 1);
  const src = dimSources(func);
  const checkDimSource = (d: string, op: Op): void => {
    if (!dimExpr(d) || unboundSymbols(d, src).length > 0) {
      fail('E205', `the wasm backend cannot compute '${d}' at run time for ${op.name}`, op.loc);
    }
  };
  const funcs: string[] = [];
  const kernelNames: string[] = [];
  const reports: KernelReport[] = [];
  const maysplit: boolean[] = [];
  steps.forEach((op, s) => {
    const label = String(op.attrs.get('name')?.value ?? op.name);
    const fname = `$k${s}_${ident(label)}`;
    const em = new FuncEmitter(fname);
    const unitFlags: (string | undefined)[] = [];
    const k: KernelCtx = {
      em, module,
      ptr: (v) => { const id = bufferFor(v); return em.hoisted(`p${id}`, `buf${id}`, 'i32', `(i32.load ${ptrAt(id)})`); },
      dims: (v) => shapeOf(v),
      dim: (d) => {
        if (typeof d === 'number') return i32(d);
        if (!symbols.includes(d)) { checkDimSource(d, op); symbols.push(d); }
        const at = symbols.indexOf(d);
        // Distinct expressions may sanitise to one name (`a*b`, `a_b`): those carry their slot.
        return em.hoisted(`d:${d}`, /^[A-Za-z_][A-Za-z0-9_]*$/.test(d) ? `dim_${ident(d)}` : `dim${at}_${ident(d)}`, 'i32', `(i32.load ${i32(4 * at)})`);
      },
      size: (dims) => dims.reduce<string>((a, d) => mul(a, typeof d === 'number' ? i32(d) : k.dim(d)), i32(1)),
      constant: (v) => { if (!v) return undefined; const r = resolve(v); return r.def?.name === 'const' ? constTensor(r.def) : undefined; },
      shapeValue: (v) => (v ? symbolicValue(resolve(v), module) : undefined),
      packed: (v, key, pack) => {
        const r = resolve(v);
        if (r.def?.name !== 'const') throw new Error('packed() needs a constant');
        const t = constTensor(r.def);
        const data = pack(t.dtype === 'f32' ? t : { ...t, data: Float32Array.from(t.data as ArrayLike<number>) });
        const id = addWeight(`${constKey(r.def)}|${key}`, `${r.name}|${key}`, 'f32', [data.length], new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 4);
        return em.hoisted(`p${id}`, `buf${id}`, 'i32', `(i32.load ${ptrAt(id)})`);
      },
      helper: needHelper,
      moduleFunc: (name, text) => {
        if (!generated.has(name)) generated.set(name, text.replace(/^(?=.)/gm, '  '));
        return `$${name}`;
      },
      scratch: (bytes) => {
        // One slot per thread: a split kernel's threads each use their own (thread 0: the first).
        const slot = alignUp(bytes, ALIGN), slots = opts.scratchSlots ?? 1;
        const id = newBuf({ name: `${label}.scratch`, dtype: 'u8', shape: [slots > 1 ? slot * slots : bytes], esize: 1, kind: 'temp', first: s, last: s });
        const at = `(i32.load ${ptrAt(id)})`;
        return em.hoisted(`p${id}`, `buf${id}`, 'i32', opts.threaded ? `(i32.add ${at} (i32.mul (global.get $tid) ${i32(slot)}))` : at);
      },
      scratchDims: (dims, es) => {
        const id = newBuf({ name: `${label}.scratch`, dtype: 'u8', shape: [...dims], esize: es, kind: 'temp', first: s, last: s });
        return em.hoisted(`p${id}`, `buf${id}`, 'i32', `(i32.load ${ptrAt(id)})`);
      },
      threads: opts.threaded ? { minWork: opts.minWork ?? MIN_WORK, flag: () => unitFlags[unitFlags.length - 1], setFlag: (f) => { unitFlags[unitFlags.length - 1] = f; } } : undefined,
      fail: (o, message) => fail('E201', message, o.loc, [`op ${o.name} %${o.results[0]?.name ?? ''}`]),
      setCount: (o, count) => {
        const c = counted.find((x) => x.op === o);
        if (!c) return;
        if (!symbols.includes(c.symbol)) symbols.push(c.symbol);
        em.line(`(i32.store ${i32(4 * symbols.indexOf(c.symbol))} ${count})`);
        countedAt.set(c.symbol, s);
      },
    };
    const ops = op.name === 'fused' ? op.regions[0]!.ops.filter((o) => !STRUCTURAL.has(o.name)) : [op];
    let flops = 0;
    // Threaded variant: each op (and the trailing copies) is a unit between markers (threads.ts).
    const unit = (body: () => void): void => {
      if (!opts.threaded) return body();
      const [begin, end] = unitMarkers(unitFlags.length);
      unitFlags.push(undefined);
      em.comment(begin);
      body();
      em.comment(end);
    };
    for (const o of ops) {
      // Reductions over axes read from input data get the run-time-generic kernel.
      const kd = hasRuntimeAxes(k, o) ? RUNTIME_AXES_REDUCE : KERNELS.get(o.name)!;
      // Ops a conv kernel already applied in registers before its store (kernels/conv-epilogue.ts):
      // no unit either, their work is part of the conv's unit (no barrier, no thread-0-only block).
      if (!takenByEpilogue(o)) unit(() => kd.emit(k, o));
      flops += kd.flops?.(o, numel) ?? 0;
    }
    const copyList = copies.get(op) ?? [];
    if (copyList.length > 0) {
      unit(() => {
        for (const [from, to] of copyList) em.line(`(memory.copy ${k.ptr(to)} ${k.ptr(from)} ${mul(k.size(shapeOf(to)), i32(esizeOf(to)))})`);
      });
    }
    funcs.push(opts.threaded ? placeBarriers(em.finish(), unitFlags) : em.finish());
    maysplit.push(unitFlags.some((f) => f !== undefined));
    kernelNames.push(fname.slice(1));
    const bytes = [...op.operands, ...op.results].reduce((a, v) => a + (v ? numel(v) * esizeOf(v) : 0), 0);
    reports.push({ name: label, function: fname.slice(1), ops: ops.map((o) => o.name), flops, bytes });
  });

  const ptrBase = alignUp(4 * symbols.length, ALIGN);
  const patch = (text: string): string => text.replace(/@ptr(\d+)@/g, (_m, id: string) => String((ptrBase + 4 * Number(id)) | 0));
  const wat = [
    `(module $${ident(module.name)}`,
    ...(opts.threaded ? threadedPrelude() : ['  (memory (export "memory") 1)']),
    ...helpers.map((h) => HELPERS[h]![0]),
    ...[...generated.values()].map(patch),
    ...funcs.map(patch),
    // Each kernel is exported too, so the runtime can time them one by one (profile()).
    ...kernelNames.map((n) => `  (export "${n}" (func $${n}))`),
    ...(opts.threaded ? threadedRun(kernelNames, maysplit) : [
      '  (func (export "run")',
      ...kernelNames.map((n) => `    (call $${n})`),
      '  )',
    ]),
    ')',
    '',
  ].join('\n');

  const weights = new Uint8Array(weightsBytes);
  let at = 0;
  for (const c of weightChunks) { weights.set(c, at); at += c.length; }
  const bind: Record<string, number> = {};
  symbols.forEach((s) => (bind[s] = 1));
  const dynamic = dynamicDims(func, symbols).dims;
  const countedList = countedDims(func, module, new Map([...countedAt].map(([sym, kernel]) => [sym, { kernel }])), 'wasm');
  const manifest: Manifest = {
    format: 'tenth-wasm/1', name: module.name, symbols, ...dynamic, ptrBase, alignment: ALIGN, weightsBytes,
    inputs, outputs, buffers, kernels: kernelNames, features: ['simd128', 'bulk-memory', 'sat-float-to-int'],
    ...(countedList.length > 0 ? { counted: countedList } : {}),
  };
  return {
    wat, weights, manifest,
    report: { model: module.name, bind, kernels: reports, totalFlops: reports.reduce((a, r) => a + r.flops, 0), weightsBytes },
  };
}
