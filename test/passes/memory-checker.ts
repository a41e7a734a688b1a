// An independent checker for memory plans, written without looking at the planner's code paths:
// it shares nothing with passes/memory-*.ts. It reads only the function after plan-memory (op
// order and mem.* annotations), recomputes sizes from the types and liveness from the final
// order on its own (inclusive ranges [def, last use]), and reports every problem it finds:
//   - the order is not topological (a value read before the op defining it);
//   - an op that needs memory lacks annotations, or its sizes differ from the types' byte sizes;
//   - a buffer is misaligned or sticks out of the arena (mem.arena);
//   - two buffers live at the same op share a byte, unless the later one is a legitimate in-place
//     write over the other: same offset and size, the other dies at exactly that op, and the op
//     is one that may write in place (single-result elementwise/broadcast ops except training
//     batch_normalization, and single-result fused groups made of them only; reshape, flatten,
//     squeeze, unsqueeze result 0 over operand 0; any op with the 'in-place' trait), same element
//     count and width.
// It also computes its own lower bound (largest total of bytes live at one op, a legitimate
// in-place pair counted once) so tests can compare it with the planner's.

import { DTYPE_INFO } from '../../ir/dtype.js';
import type { AttrValue, Func, Op, Value } from '../../ir/ir.js';
import { getOpDef } from '../../ir/op-def.js';
import type { TensorType } from '../../ir/types.js';

export interface CheckerOptions {
  /** Sizes of symbols; others take `defaultDim`. */
  readonly bind?: Readonly<Record<string, number>>;
  /** Default 1; 0 = buffers with unbound symbols must be unplanned. */
  readonly defaultDim?: number;
  /** Expected alignment; when given, mem.align must equal it. */
  readonly alignment?: number;
}

export interface CheckReport {
  readonly problems: string[];
  readonly arena: number;
  readonly lowerBound: number;
  /** Planned buffers (with an offset). */
  readonly buffers: number;
  readonly inPlace: number;
}

interface Buf {
  readonly v: Value;
  readonly first: number;
  readonly last: number;
  readonly offset: number;
  readonly size: number;
}

function elements(t: TensorType, opts: CheckerOptions): number | null {
  if (!t.shape) return null;
  let n = 1;
  for (const d of t.shape) {
    if (typeof d === 'number') {
      n *= d;
      continue;
    }
    if (d === '?') return null;
    const s = opts.bind?.[d] ?? opts.defaultDim ?? 1;
    if (opts.bind?.[d] === undefined && s === 0) return null;
    n *= s;
  }
  return n;
}

function bytes(t: TensorType, opts: CheckerOptions): number | null {
  const n = elements(t, opts);
  if (n === null || t.dtype === 'string') return null;
  return Math.ceil((n * DTYPE_INFO[t.dtype].bits) / 8);
}

function intsAttr(op: Op, key: string): readonly number[] | null {
  const a: AttrValue | undefined = op.attrs.get(key);
  return a && a.kind === 'ints' ? a.value : null;
}

/** Values read by an op or anything nested in it, and values defined inside it. */
function reads(op: Op, used: Value[], inner: Set<Value>): void {
  for (const v of op.operands) if (v) used.push(v);
  for (const r of op.regions) {
    for (const a of r.args) inner.add(a);
    for (const o of r.ops) {
      for (const v of o.results) inner.add(v);
      reads(o, used, inner);
    }
  }
}

function pointwise(op: Op): boolean {
  const def = getOpDef(op.name);
  if (!def || op.regions.length > 0 || op.results.length !== 1) return false;
  if (def.fusion !== 'elementwise' && def.fusion !== 'broadcast') return false;
  const training = op.attrs.get('training_mode');
  return !(op.name === 'batch_normalization' && training !== undefined && training.value !== 0);
}

function mayWriteInPlace(op: Op, r: number, k: number): boolean {
  const def = getOpDef(op.name);
  if (!def) return false;
  if (op.name === 'fused') {
    const body = op.regions[0];
    return r === 0 && op.results.length === 1 && op.regions.length === 1
      && body!.ops.every((o) => o.name === 'const' || o.name === 'yield' || pointwise(o));
  }
  if (op.regions.length > 0) return false;
  if (def.traits.includes('in-place')) return true;
  if (r !== 0) return false;
  if (pointwise(op)) return true;
  return k === 0 && ['reshape', 'flatten', 'squeeze', 'unsqueeze'].includes(op.name);
}

export function checkMemoryPlan(func: Func, opts: CheckerOptions = {}): CheckReport {
  const problems: string[] = [];
  const ops = func.body.ops;
  const n = ops.length;
  const term = ops[n - 1];
  const arenaAttr = term?.attrs.get('mem.arena');
  const alignAttr = term?.attrs.get('mem.align');
  const arena = arenaAttr?.kind === 'int' ? arenaAttr.value : -1;
  const align = alignAttr?.kind === 'int' ? alignAttr.value : -1;
  if (arena < 0) problems.push('terminator has no mem.arena');
  if (align < 1) problems.push('terminator has no mem.align');
  if (opts.alignment !== undefined && align !== opts.alignment) problems.push(`mem.align is ${align}, expected ${opts.alignment}`);

  // Topological order and last uses, from the final order.
  const defined = new Set<Value>(func.body.args);
  const lastUse = new Map<Value, number>();
  ops.forEach((op, i) => {
    const used: Value[] = [];
    const inner = new Set<Value>();
    reads(op, used, inner);
    for (const v of used) {
      if (inner.has(v)) continue;
      if (!defined.has(v)) problems.push(`op ${i} (${op.name}) reads %${v.name} before it is defined`);
      lastUse.set(v, i);
    }
    for (const v of op.results) defined.add(v);
  });

  // Buffers from annotations, sizes recomputed from types.
  const bufs: Buf[] = [];
  const bufOf = new Map<Value, number>();
  const exempt = new Set<string>();
  let inPlace = 0;
  ops.forEach((op, i) => {
    if (op.name === 'const' || i === n - 1) return;
    const offs = intsAttr(op, 'mem.offset');
    const sizes = intsAttr(op, 'mem.size');
    if (!offs || !sizes || offs.length !== op.results.length || sizes.length !== op.results.length) {
      problems.push(`op ${i} (${op.name}) lacks mem.offset/mem.size for its ${op.results.length} results`);
      return;
    }
    op.results.forEach((v, r) => {
      const want = bytes(v.type, opts);
      if (want === null) {
        if (offs[r] !== -1) problems.push(`%${v.name} has no static size but is planned at ${offs[r]}`);
        return;
      }
      if (offs[r]! < 0) problems.push(`%${v.name} (${want} bytes) is not planned`);
      if (sizes[r] !== want) problems.push(`%${v.name}: mem.size ${sizes[r]}, its type needs ${want} bytes`);
      if (offs[r]! < 0) return;
      bufOf.set(v, bufs.length);
      bufs.push({ v, first: i, last: lastUse.get(v) ?? i, offset: offs[r]!, size: want });
    });
    const inpl = intsAttr(op, 'mem.inplace');
    if (!inpl) return;
    inpl.forEach((k, r) => {
      if (k < 0) return;
      const out = bufOf.get(op.results[r]!);
      const src = op.operands[k] ? bufOf.get(op.operands[k]!) : undefined;
      const why = out === undefined ? 'the result is not planned'
        : src === undefined ? 'the operand is not a planned buffer'
          : !mayWriteInPlace(op, r, k) ? `${op.name} may not write result ${r} over operand ${k}`
            : bufs[src]!.last !== i ? 'the operand is read after this op'
              : bufs[src]!.offset !== bufs[out]!.offset || bufs[src]!.size !== bufs[out]!.size ? 'offsets or sizes differ'
                : elements(bufs[src]!.v.type, opts) !== elements(bufs[out]!.v.type, opts)
                  || DTYPE_INFO[bufs[src]!.v.type.dtype].bits !== DTYPE_INFO[bufs[out]!.v.type.dtype].bits ? 'element count or width differs'
                  : null;
      if (why) problems.push(`op ${i} (${op.name}) writes result ${r} over operand ${k}: ${why}`);
      else {
        exempt.add(`${src},${out}`);
        inPlace++;
      }
    });
  });

  for (const b of bufs) {
    if (b.size === 0) continue;
    if (align > 0 && b.offset % align !== 0) problems.push(`%${b.v.name} at ${b.offset} is not aligned to ${align}`);
    if (b.offset < 0 || b.offset + b.size > arena) problems.push(`%${b.v.name} [${b.offset}, ${b.offset + b.size}) is outside the arena of ${arena} bytes`);
  }
  for (let x = 0; x < bufs.length; x++) {
    const a = bufs[x]!;
    for (let y = x + 1; y < bufs.length; y++) {
      const b = bufs[y]!;
      if (a.size === 0 || b.size === 0) continue;
      const together = a.first <= b.last && b.first <= a.last;
      const shareBytes = a.offset < b.offset + b.size && b.offset < a.offset + a.size;
      if (together && shareBytes && !exempt.has(`${x},${y}`)) {
        problems.push(`%${a.v.name} [${a.offset}, ${a.offset + a.size}) ops ${a.first}..${a.last} overlaps %${b.v.name} [${b.offset}, ${b.offset + b.size}) ops ${b.first}..${b.last}`);
      }
    }
  }

  // Lower bound: bytes live at each op; the later buffer of an in-place pair adds nothing at the hand-over.
  let lowerBound = 0;
  for (let t = 0; t < n; t++) {
    let live = 0;
    bufs.forEach((b, y) => {
      if (b.first <= t && t <= b.last) live += b.size;
    });
    for (const key of exempt) {
      const [x, y] = key.split(',').map(Number) as [number, number];
      if (bufs[y]!.first === t && bufs[x]!.last === t) live -= bufs[y]!.size;
    }
    lowerBound = Math.max(lowerBound, live);
  }
  return { problems, arena, lowerBound, buffers: bufs.length, inPlace };
}
