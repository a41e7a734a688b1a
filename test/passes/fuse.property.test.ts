// fuse keeps the interpreter's results bit for bit (a group runs the very same ops on the same
// values), on the generic random modules and on generated patterns the random modules rarely hold:
// dense layers with their epilogues, softmax (whole and decomposed), attention, and random DAGs of
// elementwise ops with non-fusible ops in between (where a careless grouping would close a cycle).
// The pattern generators also assert which groups form.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attr } from '../../ir/attrs.js';
import { Builder } from '../../ir/builder.js';
import { Func, Module, type Op, Region, Value, walkOps } from '../../ir/ir.js';
import { interpret } from '../../ir/interp.js';
import { parseModule } from '../../ir/parser.js';
import { printModule } from '../../ir/printer.js';
import { encodeBytes, type Tensor, tensorFrom } from '../../ir/tensor.js';
import { verify } from '../../ir/verify.js';
import { countKernels, fusePass } from '../../passes/fuse.js';
import { INTERP_PROFILE } from '../../passes/pass.js';
import { arbModuleWithInputs, inlineStore } from '../gen/random-module.js';
import { randomTensor, type G } from '../gen/random-values.js';
import { checkPreservesSemantics } from './property.js';

const bits = (ts: readonly Tensor[]): string[] => ts.map((t) => `${t.dtype}[${t.shape}]${
  t.dtype === 'string' ? JSON.stringify(t.data) : Buffer.from(encodeBytes(t)).toString('hex')}`);
const fuse = (m: Module, maxOps = 24) => fusePass.run(m, { target: INTERP_PROFILE }, { 'max-ops': maxOps, 'qkv-projections': true });
const fusedOps = (m: Module): Op[] => [...walkOps(m.main.body)].filter((op) => op.name === 'fused');

/** Interpret, fuse, verify, interpret again: identical bits. Also: group sizes, idempotence. */
function checkFuse(m: Module, inputs: Tensor[], maxOps = 16): ReturnType<typeof fuse> {
  const before = bits(interpret(m, inputs));
  const result = fuse(m, maxOps);
  expect(verify(m).map((d) => d.message)).toEqual([]);
  expect(bits(interpret(m, inputs))).toEqual(before);
  for (const f of fusedOps(m)) {
    const body = f.regions[0]!.ops;
    expect(body.filter((op) => op.name !== 'const' && op.name !== 'yield').length).toBeLessThanOrEqual(maxOps);
    expect(body.some((op) => op.regions.length > 0 || op.name === 'fused')).toBe(false);
  }
  expect(result.counters.kernels).toBe(countKernels(m.main));
  const text = printModule(m);
  expect(fuse(m, maxOps).changed).toBe(false);
  expect(printModule(m)).toBe(text);
  return result;
}

describe('fuse on random modules', () => {
  it('keeps results bit for bit through the pass manager (shared property, verify-each)', () => {
    checkPreservesSemantics('fuse', { bitwise: true, numRuns: 100 });
    checkPreservesSemantics('fuse{max-ops=2}', { bitwise: true, numRuns: 50 });
  });

  it('keeps results bit for bit, verifies, is idempotent and deterministic', () => {
    fc.assert(fc.property(arbModuleWithInputs({ maxOps: 12 }), fc.integer({ min: 2, max: 16 }), ({ module, inputs }, maxOps) => {
      // Two copies read from the same text fuse to the same text.
      const text = printModule(module);
      const [c1, c2] = [parseModule(text), parseModule(text)];
      checkFuse(module, inputs, maxOps);
      fuse(c1, maxOps);
      fuse(c2, maxOps);
      expect(printModule(c1)).toBe(printModule(c2));
    }), { numRuns: 150 });
  });
});

// ---------------------------------------------------------------------------------------------
// Pattern generators.

interface Built { m: Module; inputs: Tensor[] }

function moduleOf(args: Value[], build: (b: Builder) => Value[]): Module {
  const m = new Module('p');
  m.store = inlineStore;
  const body = new Region(args);
  const b = new Builder(body, m);
  const outs = build(b);
  b.op('return', outs, { results: 0 });
  m.funcs.push(new Func('main', body, outs.map((_, i) => `out${i}`)));
  return m;
}

const fConst = (b: Builder, v: number): Value => b.op1('const', [], { attrs: { value: attr.tensor(tensorFrom('f32', [], [v])) } });
const arg = (name: string, shape: number[]): Value => new Value(name, { dtype: 'f32', shape });
const inputsFor = (g: G, args: Value[]): Tensor[] => args.map((a) => randomTensor(g, 'f32', a.type.shape as number[], false));

const ACTIVATIONS = ['relu', 'tanh', 'sigmoid', 'clip', 'gelu-erf', 'none'] as const;

function activation(b: Builder, kind: (typeof ACTIVATIONS)[number], h: Value): Value {
  switch (kind) {
    case 'none': return h;
    case 'clip': return b.op1('clip', [h, fConst(b, 0), fConst(b, 6)]);
    case 'gelu-erf': {
      const e = b.op1('erf', [b.op1('div', [h, fConst(b, Math.SQRT2)])]);
      return b.op1('mul', [b.op1('mul', [h, b.op1('add', [e, fConst(b, 1)])]), fConst(b, 0.5)]);
    }
    default: return b.op1(kind, [h]);
  }
}

/** x @ W (+ bias) -> activation (-> residual add) (-> layer norm), with matmul or gemm or conv. */
const arbDense = fc.gen().map((g): Built & { ops: number } => {
  const rows = g(fc.integer, { min: 1, max: 4 }), k = g(fc.integer, { min: 1, max: 5 });
  const n = g(fc.boolean) ? k : g(fc.integer, { min: 1, max: 5 });
  const contraction = g(fc.constantFrom, 'matmul', 'gemm', 'conv');
  const act = g(fc.constantFrom, ...ACTIVATIONS);
  const residual = n === k && g(fc.boolean);
  const norm = contraction !== 'conv' && g(fc.boolean);
  const convShape = [1, k, rows, 2];
  const x = arg('x', contraction === 'conv' ? convShape : [rows, k]);
  const w = arg('w', contraction === 'conv' ? [n, k, 1, 1] : [k, n]);
  const bias = arg('bias', [n]);
  const args = [x, w, bias, ...(norm ? [arg('gamma', [n])] : [])];
  let count = 0;
  const m = moduleOf(args, (b) => {
    const op1 = (name: string, operands: Value[], attrs = {}): Value => { count++; return b.op1(name, operands, { attrs }); };
    let h = contraction === 'conv' ? op1('conv', [x, w, bias], { kernel_shape: attr.ints([1, 1]) })
      : contraction === 'gemm' ? op1('gemm', [x, w, bias])
        : op1('add', [op1('matmul', [x, w]), bias]);
    const before = b.region.ops.length;
    h = activation(b, act, h);
    count += b.region.ops.slice(before).filter((op) => op.name !== 'const').length;
    if (residual) h = op1('add', [h, x]);
    if (norm) h = op1('layer_normalization', [h, args[3]!], { axis: attr.int(-1) });
    return [h];
  });
  return { m, inputs: inputsFor(g, args), ops: count };
});

/** Softmax over the last axis with a scale and mask, whole or decomposed (max, sub, exp, sum, div). */
const arbSoftmax = fc.gen().map((g): Built & { decomposed: boolean } => {
  const shape = g(fc.array, fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 });
  const x = arg('x', shape), mask = arg('mask', [shape[shape.length - 1]!]);
  const decomposed = g(fc.boolean);
  const m = moduleOf([x, mask], (b) => {
    const s = b.op1('add', [b.op1('mul', [x, fConst(b, 0.25)]), mask]);
    if (!decomposed) return [b.op1('softmax', [s], { attrs: { axis: attr.int(-1) } })];
    const axes = b.op1('const', [], { attrs: { value: attr.tensor(tensorFrom('i64', [1], [-1n])) } });
    const e = b.op1('exp', [b.op1('sub', [s, b.op1('reduce_max', [s, axes])])]);
    return [b.op1('div', [e, b.op1('reduce_sum', [e, axes])])];
  });
  return { m, inputs: inputsFor(g, [x, mask]), decomposed };
});

/** Scaled dot-product attention on [batch, heads, seq, dim], with or without a mask. */
const arbAttention = fc.gen().map((g): Built => {
  const [bt, h, s, t, d] = [1, 2, 3, 2, 4].map((max) => g(fc.integer, { min: 1, max }));
  const q = arg('q', [bt!, h!, s!, d!]), k = arg('k', [bt!, h!, t!, d!]), v = arg('v', [bt!, h!, t!, d!]);
  const mask = arg('mask', [bt!, 1, 1, t!]);
  const masked = g(fc.boolean);
  // Sometimes Q is projected in the module (matmul + bias): the projection joins the attention.
  const projected = g(fc.boolean);
  const wq = arg('wq', [d!, d!]), bq = arg('bq', [d!]);
  const args = [q, k, v, ...(masked ? [mask] : []), ...(projected ? [wq, bq] : [])];
  const m = moduleOf(args, (b) => {
    const kt = b.op1('transpose', [k], { attrs: { perm: attr.ints([0, 1, 3, 2]) } });
    const qp = projected ? b.op1('add', [b.op1('matmul', [q, wq]), bq]) : q;
    let sc = b.op1(g(fc.boolean) ? 'div' : 'mul', [b.op1('matmul', [qp, kt]), fConst(b, Math.sqrt(d!))]);
    if (masked) sc = b.op1('add', [sc, mask]);
    const p = b.op1('softmax', [sc], { attrs: { axis: attr.int(-1) } });
    const o = b.op1('matmul', [p, v]);
    return [b.op1('transpose', [o], { attrs: { perm: attr.ints([0, 2, 1, 3]) } })];
  });
  return { m, inputs: inputsFor(g, args) };
});

/** Random DAGs on f32[3,3]: elementwise ops mixed with ops that stay outside every group
 *  (eye_like: opaque; matmul: a contraction whose epilogue rules differ; softmax: a reduction). */
const arbDag = fc.gen().map((g): Built => {
  const args = [arg('a', [3, 3]), arg('b', [3, 3])];
  const m = moduleOf(args, (b) => {
    const pool: Value[] = [...args];
    const pick = (): Value => pool[pool.length - 1 - g(fc.integer, { min: 0, max: Math.min(pool.length - 1, 4) })]!;
    for (let i = g(fc.integer, { min: 2, max: 20 }); i > 0; i--) {
      const op = g(fc.constantFrom, 'add', 'mul', 'sub', 'max', 'tanh', 'neg', 'sigmoid', 'eye_like', 'matmul', 'softmax');
      const unary = ['tanh', 'neg', 'sigmoid', 'eye_like', 'softmax'].includes(op);
      pool.push(b.op1(op, unary ? [pick()] : [pick(), pick()]));
    }
    const outs = [pool[pool.length - 1]!];
    for (let i = g(fc.integer, { min: 0, max: 2 }); i > 0; i--) outs.push(pick());
    return outs;
  });
  return { m, inputs: inputsFor(g, args) };
});

describe('fuse on generated patterns', () => {
  it('dense layers: the contraction and its whole epilogue are one kernel', () => {
    fc.assert(fc.property(arbDense, ({ m, inputs, ops }) => {
      const r = checkFuse(m, inputs);
      expect(r.counters.kernels).toBe(1);
      if (ops > 1) {
        expect(fusedOps(m).map((f) => f.attrs.get('kind')?.value)).toEqual(['contraction']);
        expect(r.counters['ops-fused']).toBe(ops);
      }
    }), { numRuns: 100 });
  });

  it('softmax with scale and mask: one reduction kernel, whole or decomposed', () => {
    fc.assert(fc.property(arbSoftmax, ({ m, inputs, decomposed }) => {
      const r = checkFuse(m, inputs);
      expect(r.counters.kernels).toBe(1);
      expect(fusedOps(m).map((f) => f.attrs.get('kind')?.value)).toEqual(['reduction']);
      expect(r.counters['ops-fused']).toBe(decomposed ? 7 : 3);
    }), { numRuns: 60 });
  });

  it('attention: Q projection, QK^T, scale, mask, softmax, V and the head transpose are one kernel', () => {
    fc.assert(fc.property(arbAttention, ({ m, inputs }) => {
      const r = checkFuse(m, inputs);
      expect(r.counters.kernels).toBe(1);
      expect(fusedOps(m).map((f) => f.attrs.get('kind')?.value)).toEqual(['attention']);
    }), { numRuns: 60 });
  });

  it('random DAGs with barriers: no cycles, results unchanged, max-ops respected', () => {
    fc.assert(fc.property(arbDag, fc.integer({ min: 2, max: 8 }), ({ m, inputs }, maxOps) => {
      checkFuse(m, inputs, maxOps);
    }), { numRuns: 150 });
  });
});
