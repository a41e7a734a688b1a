// Epilogues of convolutions inside a fused group: the chain of elementwise ops that follows a conv
// (relu, clip with constant bounds, the residual add of a same-shaped tensor) is applied to the
// accumulators in registers before the store, and the conv writes the chain's last value. This
// saves one pass over memory per op (in mobilenet_v2 the clips alone were ~12% of the run).
//
// QDQ models (onnxruntime's static quantization, tf2onnx's TFLite exports) put a
// quantize_linear -> dequantize_linear pair to u8/i8 after every conv, relu and add: the pair
// (per tensor, or per channel on an axis before the last) is one step, and so is a residual add
// of a dequantize_linear whose codes exist before the conv. The pair never leaves f32 and gives
// the interpreter's numbers bit for bit: the f32 quotient rounded half to even, the zero point
// added in f32 (exact below 2^24, and anything above clamps the same), clamped with pmax/pmin
// (single instructions, unlike f32x4.min/max) where a NaN quotient becomes code 0 as in the
// interpreter, the zero point subtracted (exact: small integers), times the scale in f32.
// `takeDequantAfter` gives quant-linear.ts the same pair for a quantize_linear that no conv
// took (after a pool or a GEMM): one pass instead of two over an intermediate u8 buffer.
//
// Taken ops are recorded in `TAKEN`; lower.ts skips them (`takenByEpilogue`). An op joins the chain
// only when the value before it has no other user in the group and is not yielded, so the
// skipped ops' results are never read by anyone.

import type { Module, Op, Region, Value } from '../../../../ir/ir.js';
import { addr, f32c, fmtF32, i32, splat } from '../emitter.js';
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

function scopeOf(region: Region, taker: Op): Scope {
  const idx = region.ops.indexOf(taker);
  const earlier = new Set<Value>([...region.args, ...region.ops.slice(0, idx).flatMap((o) => o.results)]);
  const yielded = new Set<Value>();
  for (const v of region.terminator?.operands ?? []) if (v) yielded.add(v);
  return { region, earlier, yielded, taker };
}

/** Scalar f32 value of a constant operand, if it is one. */
function scalarConst(k: KernelCtx, v: Value | null): number | undefined {
  const t = k.constant(v);
  if (!t || t.dtype !== 'f32' || t.data.length !== 1) return undefined;
  return Number(t.data[0]);
}

/**
 * `taken`: further ops the step applies (a dequantize_linear after a quantize_linear, or feeding an
 * add); `out`: the value it computes when not the op's result (the dequantize_linear's); `relu`:
 * the step that also applies a relu right after it (see qdqStep).
 */
type Step = { reads?: boolean; taken?: Op[]; out?: Value; relu?: Step; vec: (x: string, at: string) => string; scalar: (x: string, at: string) => string };

/** The group's state when a chain is taken: whose results exist before the conv runs, and what leaves the group. */
interface Scope {
  readonly region: Region;
  readonly earlier: ReadonlySet<Value>;
  readonly yielded: ReadonlySet<Value>;
  /** The op taking the chain. */
  readonly taker: Op;
}

/** Whether `v` exists before the taker runs: a group argument, a constant or an earlier op's result. */
const available = (sc: Scope, v: Value | null): boolean => !v || !v.def || v.def.name === 'const' || sc.earlier.has(v);

/** The op reading `v` (exactly once, and nothing else reads it or leaves the group with it) if no other kernel took it. */
function soleUser(sc: Scope, v: Value): Op | undefined {
  const users = sc.region.ops.filter((o) => o.operands.includes(v));
  if (users.length !== 1 || sc.yielded.has(v)) return undefined;
  const u = users[0]!;
  const taker = TAKEN.get(u);
  if ((taker !== undefined && taker !== sc.taker) || u.operands.filter((x) => x === v).length !== 1) return undefined;
  return u;
}

const QRANGE: Readonly<Record<string, readonly [number, number]>> = { u8: [0, 255], i8: [-128, 127] };

/** Scale and zero point of a u8/i8 (de)quantization as expressions, at the channel of output element `at`. */
interface QParams {
  /** One scale for every element (the step is lane-wise). */
  readonly perTensor: boolean;
  /** Per tensor and constant: the scale and the zero point (0 when absent). */
  readonly known?: { readonly s: number; readonly z: number };
  /** f32 expression: the scale. */
  s(at: string): string;
  /** i32 and f32 expressions of the zero point; undefined when it is 0. */
  z(at: string): { i: string; f: string } | undefined;
}

/**
 * Per tensor, or per channel (axis 1 of NCHW: the lanes of one vector lie in one channel plane of
 * the output, as every conv kernel stores them; a row is not enough, pointwise vectors run on
 * over row ends). Blocked scales, f16 scales, or operands computed after the taker: undefined.
 */
function qparams(k: KernelCtx, sc: Scope, op: Op, x: Value, codes: string): QParams | undefined {
  const [, s, zp] = op.operands;
  if (!s || s.type.dtype !== 'f32' || (zp && zp.type.dtype !== codes) || !available(sc, s) || !available(sc, zp ?? null)) return undefined;
  if (Number(op.attrs.get('block_size')?.value ?? 0) !== 0) return undefined;
  const sd = k.dims(s), xd = k.dims(x), sign = codes === 'u8' ? 'u' : 's';
  if (sd.every((d) => d === 1) && (!zp || k.dims(zp).every((d) => d === 1))) {
    const st = k.constant(s), zt = zp ? k.constant(zp) : undefined;
    const sv = st ? f32c(Number(st.data[0])) : `(f32.load ${k.ptr(s)})`;
    const zc = zt ? Number(zt.data[0]) : undefined;
    const z = !zp || zc === 0 ? undefined
      : zc !== undefined ? { i: i32(zc), f: f32c(zc) }
      : { i: `(i32.load8_${sign} ${k.ptr(zp)})`, f: `(f32.convert_i32_s (i32.load8_${sign} ${k.ptr(zp)}))` };
    const known = st && (!zp || zc !== undefined) ? { s: Number(st.data[0]), z: zc ?? 0 } : undefined;
    return { perTensor: true, known, s: () => sv, z: () => z };
  }
  const r = xd.length;
  let axis = Number(op.attrs.get('axis')?.value ?? 1);
  if (axis < 0) axis += r;
  if (axis !== 1 || r < 3 || sd.length !== 1 || sd[0] !== xd[axis] || (zp && (k.dims(zp).length !== 1 || k.dims(zp)[0] !== sd[0]))) return undefined;
  const channel = (at: string): string => `(i32.rem_u (i32.div_u ${at} ${k.size(xd.slice(axis + 1))}) ${k.dim(xd[axis]!)})`;
  return {
    perTensor: false,
    s: (at) => `(f32.load ${addr(k.ptr(s), channel(at), 4)})`,
    z: (at) => {
      if (!zp) return undefined;
      const i = `(i32.load8_${sign} ${addr(k.ptr(zp), channel(at), 1)})`;
      return { i, f: `(f32.convert_i32_s ${i})` };
    },
  };
}

/**
 * quantize_linear `q` of `v` (f32 -> u8/i8 in f32) whose codes only its dequantize_linear (-> f32)
 * reads: the pair as one step, and that dequantize_linear; else undefined.
 */
/**
 * `relu`: the pair followed by a relu, when the dequantize's scale is a positive constant: codes
 * below the zero point give negative values, so clamping the codes at the zero point instead
 * gives relu's results (+0 for those, and a NaN quotient, code 0, lands on +0 as well).
 */
function qdqStep(k: KernelCtx, sc: Scope, q: Op, v: Value): { step: Step; relu?: Step; dq: Op } | undefined {
  const codes = q.results[0];
  const range = codes && QRANGE[codes.type.dtype];
  const prec = q.attrs.get('precision')?.value;
  if (!codes || !range || q.results.length !== 1 || q.operands[0] !== v || v.type.dtype !== 'f32' || (prec !== undefined && String(prec) !== 'f32')) return undefined;
  const dq = soleUser(sc, codes);
  const y = dq?.results[0];
  if (!dq || !y || dq.name !== 'dequantize_linear' || dq.operands[0] !== codes || y.type.dtype !== 'f32' || !sameDims(k.dims(y), k.dims(v))) return undefined;
  const qp = qparams(k, sc, q, v, codes.type.dtype), dp = qparams(k, sc, dq, codes, codes.type.dtype);
  if (!qp || !dp) return undefined;
  const [lo0, hi] = range;
  let nanLocal: string | undefined;
  const pair = (lo: number) => (x: string, at: string): string => {
    const z1 = qp.z(at), z2 = dp.z(at);
    let r = `(f32x4.nearest (f32x4.div ${x} (f32x4.splat ${qp.s(at)})))`;
    if (z1) r = `(f32x4.add ${r} (f32x4.splat ${z1.f}))`;
    // A NaN quotient is code 0: pmax(0, NaN) gives it for u8; i8 zeroes NaN lanes first.
    if (lo < 0) {
      nanLocal ??= k.em.local('qnan', 'v128');
      r = `(v128.and (local.tee ${nanLocal} ${r}) (f32x4.eq (local.get ${nanLocal}) (local.get ${nanLocal})))`;
    }
    const c = `(f32x4.pmin ${splat(hi)} (f32x4.pmax ${splat(lo)} ${r}))`;
    // c - zero point is exact; with no zero point, + 0 turns an i8 code of -0 into the integer 0.
    const d = z2 ? `(f32x4.sub ${c} (f32x4.splat ${z2.f}))` : lo < 0 ? `(f32x4.add ${c} ${splat(0)})` : c;
    return `(f32x4.mul ${d} (f32x4.splat ${dp.s(at)}))`;
  };
  // The scalar form goes through lane 0 (the same instructions; scalar f32.min/max are slow in V8).
  const stepOf = (lo: number): Step => {
    const vec = pair(lo);
    return { reads: !qp.perTensor || !dp.perTensor, vec, scalar: (x, at) => `(f32x4.extract_lane 0 ${vec(`(f32x4.splat ${x})`, at)})` };
  };
  const s2 = dp.known?.s;
  const relu = s2 !== undefined && s2 > 0 && Number.isFinite(s2) ? stepOf(Math.max(lo0, dp.known!.z)) : undefined;
  return { step: stepOf(lo0), relu, dq };
}

/** f32x4 / f32 expressions of dequantize_linear `dq` (u8/i8 codes that exist before the taker) at output element `at`. */
function dequantRead(k: KernelCtx, sc: Scope, dq: Op): { vec(at: string): string; scalar(at: string): string; perTensor: boolean } | undefined {
  const x = dq.operands[0], y = dq.results[0];
  if (!x || !y || !QRANGE[x.type.dtype] || y.type.dtype !== 'f32' || !available(sc, x)) return undefined;
  const p = qparams(k, sc, dq, x, x.type.dtype);
  if (!p) return undefined;
  const sign = x.type.dtype === 'u8' ? 'u' : 's', xp = k.ptr(x);
  return {
    perTensor: p.perTensor,
    vec: (at) => {
      const xi = `(i32x4.extend_low_i16x8_${sign} (i16x8.extend_low_i8x16_${sign} (v128.load32_zero align=1 ${addr(xp, at, 1)})))`;
      const z = p.z(at);
      return `(f32x4.mul (f32x4.convert_i32x4_s ${z ? `(i32x4.sub ${xi} (i32x4.splat ${z.i}))` : xi}) (f32x4.splat ${p.s(at)}))`;
    },
    scalar: (at) => {
      const xi = `(i32.load8_${sign} ${addr(xp, at, 1)})`;
      const z = p.z(at);
      return `(f32.mul (f32.convert_i32_s ${z ? `(i32.sub ${xi} ${z.i})` : xi}) ${p.s(at)})`;
    },
  };
}

/** One op of the chain applied to `v` (its only use), or undefined if it cannot be applied in registers. */
function stepFor(k: KernelCtx, sc: Scope, user: Op, v: Value): Step | undefined {
  if (user.name === 'quantize_linear') {
    const p = qdqStep(k, sc, user, v);
    return p && { ...p.step, taken: [p.dq], out: p.dq.results[0]!, relu: p.relu && { ...p.relu, taken: [p.dq], out: p.dq.results[0]! } };
  }
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
    // The other addend must exist before the conv runs: a group argument, a constant or an earlier
    // op's result; or be a dequantize_linear (of codes that exist) that only this add reads.
    if (!available(sc, other)) {
      const dq = other.def!;
      const d = dq.name === 'dequantize_linear' && soleUser(sc, other) === user && (TAKEN.get(dq) ?? sc.taker) === sc.taker ? dequantRead(k, sc, dq) : undefined;
      if (!d) return undefined;
      return {
        reads: true,
        taken: [dq],
        vec: (x, at) => `(f32x4.add ${x} ${d.vec(at)})`,
        scalar: (x, at) => `(f32.add ${x} ${d.scalar(at)})`,
      };
    }
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
    const sc = scopeOf(region, op);
    for (;;) {
      const user = soleUser(sc, out);
      const prev = steps[steps.length - 1];
      if (user?.name === 'relu' && prev?.relu && user.results.length === 1 && user.results[0]!.type.dtype === 'f32') {
        steps[steps.length - 1] = prev.relu;
        names.push('relu');
        TAKEN.set(user, op);
        out = user.results[0]!;
        continue;
      }
      const s = user && stepFor(k, sc, user, out);
      if (!user || !s) break;
      steps.push(s);
      for (const t of [user, ...s.taken ?? []]) {
        names.push(t.name);
        TAKEN.set(t, op);
      }
      out = s.out ?? user.results[0]!;
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

/**
 * For quant-linear.ts: quantize_linear `q` (in a fused group) whose codes only a dequantize_linear
 * reads, both per tensor: the f32 result that dequantize_linear would write, and the pair as
 * lane-wise expressions of x. Marks the dequantize_linear taken (lower.ts emits nothing for it).
 */
export function takeDequantAfter(k: KernelCtx, q: Op): { out: Value; vec(x: string): string; scalar(x: string): string } | undefined {
  const region = regionOf(k.module, q);
  const x = q.operands[0];
  if (!region || !x) return undefined;
  const p = qdqStep(k, scopeOf(region, q), q, x);
  if (!p || p.step.reads) return undefined;
  TAKEN.set(p.dq, q);
  return { out: p.dq.results[0]!, vec: (e) => p.step.vec(e, i32(0)), scalar: (e) => p.step.scalar(e, i32(0)) };
}
