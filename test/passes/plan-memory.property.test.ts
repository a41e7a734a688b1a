// Properties of plan-memory on random well-typed modules: the module still verifies, the
// interpreter's results are bitwise unchanged (only independent ops are reordered), the body holds
// the same ops, and the independent checker (memory-checker.ts) finds no overlap, misalignment or
// buffer outside the arena, with the same lower bound as the planner and an arena at least that
// large. Besides the shared random modules, a generator of wide graphs of big and small tensors
// gives the scheduler and in-place reuse real choices.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Builder } from '../../ir/builder.js';
import { attr } from '../../ir/attrs.js';
import { Func, Module, Region, Value } from '../../ir/ir.js';
import { interpret } from '../../ir/interp.js';
import { tensorFrom, type Tensor } from '../../ir/tensor.js';
import { verify } from '../../ir/verify.js';
import { arbModuleWithInputs, inlineStore, type ModuleWithInputs } from '../gen/random-module.js';
import { INTERP_PROFILE, type PassOptions } from '../../passes/pass.js';
import { planMemory, planMemoryPass } from '../../passes/plan-memory.js';
import { checkMemoryPlan } from './memory-checker.js';
import { checkPreservesSemantics } from './property.js';

function bits(t: Tensor): string {
  if (Array.isArray(t.data)) return JSON.stringify(t.data);
  const d = t.data as ArrayBufferView;
  return `${t.dtype}[${t.shape.join(',')}]:${Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('hex')}`;
}

const arbOptions = fc.record({
  alignment: fc.constantFrom(0, 1, 4, 16, 64, 256),
  bind: fc.constant(''),
  'default-dim': fc.constantFrom(1, 3),
  order: fc.constantFrom('auto', 'original', 'greedy', 'dfs'),
  placement: fc.constantFrom('auto', 'size-first', 'size-best', 'time-best', 'time-first', 'breadth-first'),
  'in-place': fc.boolean(),
});

function checkPlanned({ module, inputs }: ModuleWithInputs, options: PassOptions): void {
  const before = interpret(module, inputs).map(bits);
  const opsBefore = new Set(module.main.body.ops);
  const { counters } = planMemoryPass.run(module, { target: INTERP_PROFILE }, options);
  expect(verify(module).map((d) => d.message)).toEqual([]);
  const ops = module.main.body.ops;
  expect(ops.length).toBe(opsBefore.size);
  expect(ops.every((op) => opsBefore.has(op))).toBe(true);
  const alignment = (options['alignment'] as number) || INTERP_PROFILE.alignment;
  const report = checkMemoryPlan(module.main, { alignment, defaultDim: options['default-dim'] as number });
  expect(report.problems).toEqual([]);
  expect(report.lowerBound).toBe(counters['lower-bound-bytes']);
  expect(report.arena).toBe(counters['peak-bytes']);
  expect(report.arena).toBeGreaterThanOrEqual(report.lowerBound);
  expect(report.buffers).toBe(counters['buffers']);
  if (options['in-place'] === false) expect(report.inPlace).toBe(0);
  else expect(report.inPlace).toBe(counters['in-place']);
  expect(interpret(module, inputs).map(bits)).toEqual(before);
}

/** Wide graphs over f32[4] / f32[4,4] / f32[8,4] / f32[1,1] values: branches that grow and shrink. */
const arbWide: fc.Arbitrary<ModuleWithInputs> = fc.gen().map((g) => {
  const m = new Module('wide');
  m.store = inlineStore;
  const x = new Value('x', { dtype: 'f32', shape: [4] });
  const y = new Value('y', { dtype: 'f32', shape: [4, 4] });
  const body = new Region([x, y]);
  const b = new Builder(body, m);
  const pool: Value[] = [x, y];
  const pick = (ok: (v: Value) => boolean = () => true): Value | undefined => {
    const c = pool.filter(ok);
    return c.length ? c[g(fc.integer, { min: 0, max: c.length - 1 })] : undefined;
  };
  const shapeIs = (v: Value, s: string): boolean => v.type.shape!.join() === s;
  const n = g(fc.integer, { min: 1, max: 24 });
  for (let i = 0; i < n; i++) {
    const kind = g(fc.constantFrom, 'unary', 'binary', 'matmul', 'reduce', 'concat', 'reshape');
    const v = pick()!;
    const r = v.type.shape!.length;
    const w = kind === 'binary' ? pick((u) => shapeIs(u, v.type.shape!.join()) || shapeIs(u, '1,1'))
      : kind === 'matmul' ? pick((u) => u.type.shape!.length === 2 && u.type.shape![0] === v.type.shape![1])
        : kind === 'concat' ? pick((u) => shapeIs(u, '4,4')) : undefined;
    if (kind === 'unary') pool.push(b.op1(g(fc.constantFrom, 'exp', 'neg', 'relu', 'tanh'), [v]));
    else if (kind === 'binary' && w) pool.push(b.op1(g(fc.constantFrom, 'add', 'mul', 'sub'), [v, w]));
    else if (kind === 'matmul' && r === 2 && w) pool.push(b.op1('matmul', [v, w]));
    else if (kind === 'reduce' && r === 2) pool.push(b.op1('reduce_sum', [v]));
    else if (kind === 'concat' && shapeIs(v, '4,4') && w) pool.push(b.op1('concat', [v, w], { attrs: { axis: attr.int(0) } }));
    else if (kind === 'reshape' && shapeIs(v, '4,4')) {
      const s = b.op1('const', [], { attrs: { value: attr.tensor(tensorFrom('i64', [2], [2n, 8n])) } });
      pool.push(b.op1('reshape', [v, s]));
    }
  }
  const k = g(fc.integer, { min: 1, max: 3 });
  const outs = Array.from({ length: k }, () => pool[pool.length - 1 - g(fc.integer, { min: 0, max: Math.min(5, pool.length - 1) })]!);
  b.op('return', outs, { results: 0 });
  m.funcs.push(new Func('main', body, outs.map((_, i) => `out${i}`)));
  const vals = (len: number) => Array.from({ length: len }, () => g(fc.float, { noNaN: true, min: -2, max: 2 }));
  return { module: m, inputs: [tensorFrom('f32', [4], vals(4)), tensorFrom('f32', [4, 4], vals(16))] };
});

describe('plan-memory properties', () => {
  it('keeps results bitwise through the pass manager (shared property, verify-each)', () => {
    checkPreservesSemantics('plan-memory', {
      numRuns: 100,
      after: (x) => expect(checkMemoryPlan(x.module.main).problems).toEqual([]),
    });
    checkPreservesSemantics('plan-memory{bind=batch:2;n:3,alignment=64,order=greedy}', {
      arbitrary: arbWide,
      numRuns: 100,
      after: (x, c) => {
        expect(checkMemoryPlan(x.module.main, { alignment: 64, bind: { batch: 2, n: 3 } }).problems).toEqual([]);
        expect(c['plan-memory/peak-bytes']).toBeGreaterThanOrEqual(c['plan-memory/lower-bound-bytes']!);
      },
    });
  });

  it('random modules: same results, a valid plan (independent checker)', () => {
    fc.assert(fc.property(arbModuleWithInputs({ maxOps: 12 }), arbOptions, (mi, o) => checkPlanned(mi, o)), { numRuns: 150 });
  });

  it('wide graphs: same results, a valid plan, never worse than the original order', () => {
    fc.assert(fc.property(arbWide, arbOptions, (mi, o) => {
      const original = planMemory(mi.module.main, { order: 'original' }).peak;
      const auto = planMemory(mi.module.main, {});
      expect(auto.peak).toBeLessThanOrEqual(original);
      checkPlanned(mi, o);
    }), { numRuns: 200 });
  });
});
