// select-layout keeps the interpreter's results bitwise for every layout choice: a layout change
// only moves data (transposes, blocked packing, permuted constants), and the reference kernels of
// the spatial ops unpack their operands to NCHW/OIHW before the unchanged NCHW kernel runs, so no
// arithmetic is reordered. The number of transposes never grows, and a second run changes nothing.
//
// Besides the shared random modules (few spatial ops), a generator of CNN-like chains: convs
// (1x1, 3x3, strided, depthwise, with and without bias, weights inline or as module weights),
// pools, batch norms, elementwise ops with broadcast constants ([C,1,1], [1,C,1,1], [W], scalars,
// full-shape), residual adds, concats (mostly along channels), TensorFlow-style transpose pairs, random transposes, and tails that
// are the function result, flatten + gemm or a global pool; intermediate values are sometimes
// returned too (a fixed user the pass must respect).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attr } from '../../ir/attrs.js';
import { Builder } from '../../ir/builder.js';
import { type AttrValue, Func, Module, type Op, Region, Value, walkOps } from '../../ir/ir.js';
import { parseModule } from '../../ir/parser.js';
import { printModule } from '../../ir/printer.js';
import { encodeBytes, tensorFrom, type Tensor } from '../../ir/tensor.js';
import type { Dim } from '../../ir/types.js';
import { countTransposes } from '../../passes/select-layout.js';
import { runPipeline } from '../../passes/manager.js';
import { inlineStore, type ModuleWithInputs } from '../gen/random-module.js';
import type { G } from '../gen/random-values.js';
import { checkOne, checkPreservesSemantics } from './property.js';
import '../../passes/builtin.js';

const LAYOUTS = ['nchw', 'nhwc', 'nchw4c'] as const;

/** A tensor of distinct-looking values in [-2, 2) from a seed (quarter steps, exact in f32). */
function lcgTensor(seed: number, shape: readonly number[]): Tensor {
  let s = seed;
  const n = shape.reduce((a, b) => a * b, 1);
  const values = Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return Math.floor((s / 2147483648) * 16) / 4 - 2;
  });
  return tensorFrom('f32', shape, values);
}

interface ChainOptions {
  /** Only ops the pass can convert, one use per value, a global-pool/flatten tail: everything converts. */
  readonly closed?: boolean;
}

/** Static or symbolic size of dim i. */
const dim = (v: Value, i: number): Dim => v.type.shape![i]!;
const num = (v: Value, i: number): number => {
  const d = dim(v, i);
  return typeof d === 'number' ? d : 1;
};

class ChainBuilder {
  readonly m = new Module('chain');
  readonly b: Builder;
  private weights = 0;
  constructor(readonly g: G, region: Region) {
    this.m.store = inlineStore;
    this.b = new Builder(region, this.m);
  }
  int(min: number, max: number): number { return this.g(fc.integer, { min, max }); }
  chance(k: number): boolean { return this.int(0, k - 1) === 0; }

  constant(t: Tensor): Value {
    if (this.chance(2)) {
      const name = `w${this.weights++}`;
      this.m.weights.set(name, { name, type: { dtype: t.dtype, shape: [...t.shape] }, source: { kind: 'inline', bytes: encodeBytes(t) } });
      return this.b.op1('const', [], { attrs: { value: attr.weight(name) } });
    }
    return this.b.op1('const', [], { attrs: { value: attr.tensor(t) } });
  }
  /** Varied values (fast-check's doubles are mostly 0 and splats, which hide misplaced elements). */
  rand(shape: number[]): Tensor { return lcgTensor(this.int(0, 1 << 30), shape); }
  op(name: string, operands: (Value | null)[], attrs: Record<string, AttrValue> = {}): Value {
    return this.b.op1(name, operands, { attrs });
  }

  conv(x: Value): Value {
    const c = num(x, 1), r = x.type.shape!.length - 2;
    const depthwise = c > 1 && this.chance(3);
    const out = depthwise ? c : this.g(fc.constantFrom, 4, 8, this.int(1, 6));
    const k = this.g(fc.constantFrom, 1, 3);
    const sp = x.type.shape!.slice(2).map((d) => (typeof d === 'number' ? d : 1));
    const stride = this.chance(3) && sp.every((s) => s >= 3) ? 2 : 1;
    const attrs: Record<string, AttrValue> = { kernel_shape: attr.ints(new Array<number>(r).fill(k)) };
    if (k === 3) attrs.pads = attr.ints(new Array<number>(2 * r).fill(1));
    if (stride === 2) attrs.strides = attr.ints(new Array<number>(r).fill(2));
    if (depthwise) attrs.group = attr.int(c);
    const w = this.constant(this.rand([out, depthwise ? 1 : c, ...new Array<number>(r).fill(k)]));
    const bias = this.chance(2) ? this.constant(this.rand([out])) : null;
    return this.op('conv', [x, w, bias], attrs);
  }

  /** A broadcast partner for x: per-channel ([C,1,1] or [1,C,1,1]), per-column, scalar, ones or full shape. */
  broadcastConst(x: Value): Value {
    const r = x.type.shape!.length;
    const ones = new Array<number>(r - 2).fill(1);
    const c = num(x, 1), w = num(x, r - 1);
    const shape = this.g(fc.constantFrom, [c, ...ones], [1, c, ...ones], [w], [], [1, 1, ...ones], x.type.shape!.map((_, i) => num(x, i)));
    return this.constant(this.rand(shape));
  }

  step(x: Value, earlier: Value[], closed: boolean): Value {
    const r = x.type.shape!.length;
    const sp = x.type.shape!.slice(2).map((d) => (typeof d === 'number' ? d : 1));
    const kinds = ['conv', 'conv', 'unary', 'binary', 'pool', 'bn', 'concat', ...(closed ? [] : ['tf', 'transpose'])];
    switch (this.g(fc.constantFrom, ...kinds)) {
      case 'conv': return this.conv(x);
      case 'unary': {
        const op = this.g(fc.constantFrom, 'relu', 'sigmoid', 'neg', 'clip');
        if (op !== 'clip') return this.op(op, [x]);
        return this.op('clip', [x, this.constant(tensorFrom('f32', [], [0])), this.constant(tensorFrom('f32', [], [6]))]);
      }
      case 'binary': {
        const same = earlier.filter((v) => v !== x && v.type.shape!.join() === x.type.shape!.join());
        const other = same.length > 0 && this.chance(2) ? same[this.int(0, same.length - 1)]! : this.broadcastConst(x);
        const op = this.g(fc.constantFrom, 'add', 'mul', 'sub', 'max');
        return this.chance(2) ? this.op(op, [x, other]) : this.op(op, [other, x]);
      }
      case 'concat': {
        const same = earlier.filter((v) => v !== x && v.type.shape!.join() === x.type.shape!.join());
        const other = same.length > 0 && this.chance(2) ? same[this.int(0, same.length - 1)]! : x;
        return this.op('concat', [x, other], { axis: attr.int(this.chance(2) ? 1 : this.int(-r, r - 1)) });
      }
      case 'pool': {
        const op = this.g(fc.constantFrom, 'max_pool', 'average_pool');
        const k = sp.every((s) => s >= 2) ? 2 : 1;
        return this.op(op, [x], { kernel_shape: attr.ints(new Array<number>(r - 2).fill(k)), strides: attr.ints(new Array<number>(r - 2).fill(k)) });
      }
      case 'bn': {
        const c = num(x, 1);
        const scale = this.constant(this.rand([c])), bias = this.constant(this.rand([c])), mean = this.constant(this.rand([c]));
        const v = tensorFrom('f32', [c], Array.from({ length: c }, (_, i) => 0.5 + i));
        return this.op('batch_normalization', [x, scale, bias, mean, this.constant(v)]);
      }
      case 'tf': {
        // TensorFlow-style: to channels-last, an elementwise op, back to channels-first.
        const toLast = [0, ...Array.from({ length: r - 2 }, (_, i) => i + 2), 1];
        const t = this.op('transpose', [x], { perm: attr.ints(toLast) });
        const e = this.op('relu', [t]);
        return this.op('transpose', [e], { perm: attr.ints([0, r - 1, ...Array.from({ length: r - 2 }, (_, i) => i + 1)]) });
      }
      default: {
        // A random permutation and, often, its inverse right after an elementwise op.
        const perm = this.g(fc.shuffledSubarray, [...Array(r).keys()], { minLength: r, maxLength: r });
        const t = this.op('transpose', [x], { perm: attr.ints(perm) });
        if (this.chance(3)) return t;
        const e = this.op('tanh', [t]);
        const inv = new Array<number>(r);
        perm.forEach((p, i) => { inv[p] = i; });
        return this.op('transpose', [e], { perm: attr.ints(inv) });
      }
    }
  }
}

function buildChain(g: G, opts: ChainOptions): ModuleWithInputs {
  const closed = opts.closed === true;
  const spatial = g(fc.constantFrom, 2, 2, 2, 1);
  const batch: Dim = g(fc.constantFrom, 1, 2, 'batch');
  const shape: Dim[] = [batch, g(fc.integer, { min: 1, max: 5 }), ...Array.from({ length: spatial }, () => g(fc.integer, { min: 1, max: 6 }))];
  const x = new Value('x', { dtype: 'f32', shape });
  const body = new Region([x]);
  const cb = new ChainBuilder(g, body);
  const values: Value[] = [x];
  let cur = closed ? cb.conv(x) : x;
  const steps = g(fc.integer, { min: 1, max: 7 });
  for (let i = 0; i < steps; i++) {
    cur = cb.step(cur, closed ? [] : values, closed);
    values.push(cur);
  }
  const results: Value[] = [];
  const tail = closed ? g(fc.constantFrom, 'gap', 'conv') : g(fc.constantFrom, 'return', 'gap', 'flatten', 'conv');
  if (tail === 'gap') cur = cb.op(g(fc.constantFrom, 'global_average_pool', 'global_max_pool'), [cur]);
  if (tail === 'conv') cur = cb.conv(cur);
  if (tail === 'flatten' || tail === 'gap') {
    const f = cb.op('flatten', [cur], { axis: attr.int(1) });
    const k = num(f, 1);
    cur = cb.op('gemm', [f, cb.constant(cb.rand([3, k]))], { transB: attr.int(1) });
  }
  results.push(cur);
  if (!closed && values.length > 1 && g(fc.boolean)) results.push(values[g(fc.integer, { min: 1, max: values.length - 1 })]!);
  if (!closed && g(fc.boolean)) {
    // A transpose (often the identity) of the input or an intermediate value, returned on the side.
    const v = values[g(fc.integer, { min: 0, max: values.length - 1 })]!;
    const r = v.type.shape!.length;
    const perm = g(fc.boolean) ? [...Array(r).keys()] : g(fc.shuffledSubarray, [...Array(r).keys()], { minLength: r, maxLength: r });
    results.push(cb.op('transpose', [v], { perm: attr.ints(perm) }));
  }
  cb.b.op('return', results, { results: 0 });
  cb.m.funcs.push(new Func('main', body, results.map((_, i) => `y${i}`)));
  const concrete = shape.map((d) => (typeof d === 'number' ? d : g(fc.integer, { min: 1, max: 3 })));
  return { module: cb.m, inputs: [lcgTensor(g(fc.integer, { min: 0, max: 1 << 30 }), concrete)] };
}

const arbChain = (opts: ChainOptions = {}): fc.Arbitrary<ModuleWithInputs> => fc.gen().map((g) => buildChain(g, opts));

/** Counters of select-layout from a pipeline summary. */
const sl = (c: Readonly<Record<string, number>>, k: string): number => c[`select-layout/${k}`] ?? 0;

function noGrowth(_: ModuleWithInputs, c: Readonly<Record<string, number>>): void {
  expect(sl(c, 'transposes-after')).toBeLessThanOrEqual(sl(c, 'transposes-before'));
}

describe('select-layout property', () => {
  for (const layout of LAYOUTS) {
    it(`keeps results bitwise on generic random modules (layout=${layout})`, () => {
      checkPreservesSemantics(`select-layout{layout=${layout}}`, { numRuns: 60, after: noGrowth });
    });

    it(`keeps results bitwise on conv/pool/elementwise chains, never adds transposes, is idempotent (layout=${layout})`, () => {
      fc.assert(fc.property(arbChain(), (x) => {
        const before = countTransposes(x.module);
        const c = checkOne(`select-layout{layout=${layout}}`, x);
        expect(countTransposes(x.module)).toBe(sl(c, 'transposes-after'));
        expect(sl(c, 'transposes-before')).toBe(before);
        noGrowth(x, c);
        const text = printModule(x.module);
        expect(runPipeline(x.module, `select-layout{layout=${layout}}`).changed, text).toBe(false);
        expect(printModule(parseModule(text))).toBe(text);
      }), { numRuns: 120 });
    });
  }

  it('converts every spatial op of a closed chain to nhwc, with no transpose', () => {
    fc.assert(fc.property(arbChain({ closed: true }), (x) => {
      const c = checkOne('select-layout{layout=nhwc}', x);
      expect(sl(c, 'transposes-after')).toBe(0);
      const convs = [...walkOps(x.module.main.body)].filter((op) => op.name === 'conv');
      // Every conv computes in NHWC on at least one side, and its constant weight is OHWI.
      for (const op of convs) {
        expect(op.attrs.has('layout') || op.attrs.has('out_layout'), printModule(x.module)).toBe(true);
        expect(op.attrs.get('weight_layout')?.value).toBe('ohwi');
      }
      expect(sl(c, 'weights-rewritten')).toBeGreaterThanOrEqual(convs.length);
    }), { numRuns: 100 });
  });

  it('blocks every inner value of a closed chain whose channel count is a multiple of 4 (nchw4c)', () => {
    fc.assert(fc.property(arbChain({ closed: true }), (x) => {
      const body = x.module.main.body;
      const returned = new Set(body.terminator!.operands);
      const flattened = new Set([...walkOps(body)].filter((op) => op.name === 'flatten').map((op) => op.operands[0]));
      const spatial = ['conv', 'max_pool', 'average_pool', 'batch_normalization'];
      const inner = [...walkOps(body)].filter((op) => spatial.includes(op.name) && !returned.has(op.results[0]) && !flattened.has(op.results[0]));
      const channels = new Map(inner.map((op) => [op, op.results[0]!.type.shape![1]]));
      const c = checkOne('select-layout{layout=nchw4c}', x);
      expect(sl(c, 'transposes-after')).toBe(0);
      for (const [op, ch] of channels) {
        const blocked = op.attrs.get('out_layout')?.value ?? op.attrs.get('layout')?.value;
        expect(blocked === 'nchw4c', `${op.name} with ${ch} channels:\n${printModule(x.module)}`).toBe(typeof ch === 'number' && ch % 4 === 0);
      }
    }), { numRuns: 100 });
  });

  it('removes transposes from chains that hold cancelling pairs', () => {
    fc.assert(fc.property(arbChain(), fc.constantFrom(...LAYOUTS), (x, layout) => {
      // transpose(q) of relu/tanh of transpose(p) with p then q the identity: one class, cancels.
      const perm = (op: Op): number[] => (op.attrs.get('perm')?.value as number[]);
      const pairs = [...walkOps(x.module.main.body)].filter((op) => {
        const mid = op.operands[0]?.def, first = mid?.operands[0]?.def;
        if (op.name !== 'transpose' || !mid || !['relu', 'tanh'].includes(mid.name) || first?.name !== 'transpose') return false;
        const p = perm(first), q = perm(op);
        return q.every((qi, i) => p[qi] === i);
      }).length;
      const text = printModule(x.module);
      const c = checkOne(`select-layout{layout=${layout}}`, x);
      if (pairs > 0) expect(sl(c, 'transposes-after'), `${text}\nafter:\n${printModule(x.module)}`).toBeLessThan(sl(c, 'transposes-before'));
    }), { numRuns: 100 });
  });
});
