// plan-memory unit tests: the planMemory API on hand-checked functions, the option parser, the
// arena placement heuristics against a brute-force overlap check, determinism, and the
// independent checker catching broken plans (so the property tests that rely on it can fail).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attr } from '../../ir/attrs.js';
import { TenthError } from '../../ir/diagnostics.js';
import type { Module } from '../../ir/ir.js';
import { parseModule } from '../../ir/parser.js';
import { printModule } from '../../ir/printer.js';
import { INTERP_PROFILE, type PassOptions } from '../../passes/pass.js';
import { planMemory, planMemoryPass } from '../../passes/plan-memory.js';
import { lowerBound, place, PLACEMENTS, type StorageGroup } from '../../passes/memory-arena.js';
import { parseBindings } from '../../passes/memory-sizes.js';
import { checkMemoryPlan } from './memory-checker.js';

const DEFAULTS: PassOptions = { alignment: 0, bind: '', 'default-dim': 1, order: 'auto', placement: 'auto', 'in-place': true };
const run = (m: Module, o: Record<string, string | number | boolean> = {}) =>
  planMemoryPass.run(m, { target: INTERP_PROFILE }, { ...DEFAULTS, ...o });

// A small tree: %s reads a cheap branch (%a) and an expensive one (%p, 16 KB, reduced to %b).
const TREE = `module @m {
  func @main(%x: f32[4,4], %u: f32[64,1], %v: f32[1,64]) -> (%s: f32[4,4]) {
    %a = neg(%x) : f32[4,4]
    %p = matmul(%u, %v) : f32[64,64]
    %b = reduce_sum(%p) : f32[1,1]
    %s = add(%a, %b) : f32[4,4]
    return %s
  }
}`;

describe('planMemory', () => {
  it('computes live ranges, sizes and offsets for the original order', () => {
    const m = parseModule(TREE);
    const plan = planMemory(m.main, { order: 'original' });
    expect(plan.order.map((op) => op.name)).toEqual(['neg', 'matmul', 'reduce_sum', 'add', 'return']);
    expect(plan.buffers.map((b) => [b.value.name, b.size, b.start, b.end])).toEqual([
      ['a', 64, 0, 4], ['p', 16384, 1, 3], ['b', 4, 2, 4], ['s', 64, 3, 5],
    ]);
    // %s writes over %a (add's operand 0 dies there, same size); while %p is live, %a and %b sit beside it.
    expect(plan.buffers[3]!.inPlaceOf).toBe(0);
    expect(plan.lowerBound).toBe(64 + 16384 + 4);
    expect(plan.naive).toBe(64 + 16384 + 4 + 64);
    expect(plan.peak).toBeGreaterThanOrEqual(plan.lowerBound);
  });

  it('the Sethi-Ullman-like order computes the expensive operand first and wins', () => {
    const m = parseModule(TREE);
    const plan = planMemory(m.main);
    expect(plan.strategy.order).toBe('dfs');
    expect(plan.order.map((op) => op.name)).toEqual(['matmul', 'reduce_sum', 'neg', 'add', 'return']);
    // %p and %b, then %b and %a (which reuses %p's bytes): never more than 16388 bytes live.
    expect(plan.lowerBound).toBe(16384 + 4);
    expect(plan.peak).toBe(16384 + 4);
    expect(planMemory(m.main, { order: 'original' }).peak).toBeGreaterThan(plan.peak);
  });

  it('does not mutate the function', () => {
    const m = parseModule(TREE);
    const text = printModule(m);
    planMemory(m.main);
    expect(printModule(m)).toBe(text);
  });

  it('is deterministic and the pass is idempotent', () => {
    const a = parseModule(TREE), b = parseModule(TREE);
    expect(run(a).changed).toBe(true);
    run(b);
    expect(printModule(a)).toBe(printModule(b));
    const once = printModule(a);
    const again = run(a);
    expect(again.changed).toBe(false);
    expect(again.counters['ops-moved']).toBe(0);
    expect(printModule(a)).toBe(once);
  });

  it('annotations survive printing and parsing (a later `tenth opt` reads the same plan)', () => {
    const m = parseModule(`module @m {
  func @main(%x: f32[4,4], %w: f32[n,4]) -> (%s: f32[4,4], %q: f32[n,4]) {
    %a = neg(%x) : f32[4,4]
    %b = reduce_sum(%a) : f32[1,1]
    %s = add(%a, %b) : f32[4,4]
    %q = exp(%w) : f32[n,4]
    return %s, %q
  }
}`);
    run(m, { 'default-dim': 0 });
    expect(m.main.body.ops.find((o) => o.name === 'exp')!.attrs.get('mem.offset')!.value).toEqual([-1]);
    const text = printModule(m);
    const back = parseModule(text);
    expect(printModule(back)).toBe(text);
    expect(checkMemoryPlan(back.main, { defaultDim: 0 }).problems).toEqual([]);
  });

  it('replaces stale annotations', () => {
    const m = parseModule(TREE);
    m.main.body.ops[0]!.attrs.set('mem.offset', attr.ints([12345]));
    run(m, { order: 'original' });
    expect(checkMemoryPlan(m.main).problems).toEqual([]);
  });

  it('reports counters', () => {
    const m = parseModule(TREE);
    expect(run(m).counters).toEqual({
      'peak-bytes': 16388, 'lower-bound-bytes': 16388, 'naive-bytes': 16516, buffers: 4, 'in-place': 1, unplanned: 0, 'ops-moved': 3,
    });
  });
});

describe('options', () => {
  it('parses symbol bindings', () => {
    expect([...parseBindings('batch:1;seq:128')]).toEqual([['batch', 1], ['seq', 128]]);
    expect([...parseBindings(' seq len : 3 ;')]).toEqual([['seq len', 3]]);
    expect(parseBindings('').size).toBe(0);
  });

  it('rejects malformed bindings and alignments with E108', () => {
    for (const bad of ['batch', 'batch:x', ':3', 'batch:-1', 'batch:1.5']) {
      expect(() => parseBindings(bad)).toThrow(TenthError);
    }
    const m = parseModule(TREE);
    expect(() => run(m, { alignment: -8 })).toThrow(/alignment/);
    expect(() => run(m, { bind: 'batch=1' })).toThrow(/E108|bad binding/);
  });

  it('plans with the target profile alignment unless the option overrides it', () => {
    const m = parseModule(TREE);
    planMemoryPass.run(m, { target: { ...INTERP_PROFILE, alignment: 128 } }, DEFAULTS);
    expect(checkMemoryPlan(m.main, { alignment: 128 }).problems).toEqual([]);
    run(m, { alignment: 8 });
    expect(checkMemoryPlan(m.main, { alignment: 8 }).problems).toEqual([]);
  });
});

describe('arena placement', () => {
  const arbGroups = fc.array(
    fc.record({ start: fc.integer({ min: 0, max: 20 }), len: fc.integer({ min: 1, max: 8 }), size: fc.integer({ min: 1, max: 5000 }) }),
    { maxLength: 40 },
  ).map((gs) => gs.map((g, i): StorageGroup => ({ members: [i], size: g.size, start: g.start, end: g.start + g.len })));

  it('every heuristic gives aligned, non-overlapping offsets and a peak >= the lower bound', () => {
    fc.assert(fc.property(arbGroups, fc.constantFrom(1, 8, 16, 64), (groups, align) => {
      // Lower bound by brute force over every time step.
      let lb = 0;
      for (let t = 0; t <= 30; t++) lb = Math.max(lb, groups.filter((g) => g.start <= t && t < g.end).reduce((s, g) => s + g.size, 0));
      expect(lowerBound(groups)).toBe(lb);
      for (const s of PLACEMENTS) {
        const p = place(groups, align, s)!;
        groups.forEach((a, i) => {
          expect(p.offsets[i]! % align).toBe(0);
          expect(p.offsets[i]! + a.size).toBeLessThanOrEqual(p.peak);
          groups.forEach((b, j) => {
            if (j <= i || a.end <= b.start || b.end <= a.start) return;
            const apart = p.offsets[i]! + a.size <= p.offsets[j]! || p.offsets[j]! + b.size <= p.offsets[i]!;
            expect(apart, `${s}: groups ${i} and ${j}`).toBe(true);
          });
        });
        expect(p.peak).toBeGreaterThanOrEqual(lb);
      }
    }), { numRuns: 300 });
  });

  it('greedy by size fills a gap that first-come placement wastes', () => {
    // Two long-lived small buffers and a big one that is live between them.
    const groups: StorageGroup[] = [
      { members: [0], size: 100, start: 0, end: 2 },
      { members: [1], size: 100, start: 3, end: 5 },
      { members: [2], size: 200, start: 1, end: 4 },
    ];
    expect(place(groups, 1, 'size-first')!.peak).toBe(300);
    expect(place(groups, 1, 'size-first', 299)).toBeUndefined();
    expect(lowerBound(groups)).toBe(300);
  });
});

describe('independent checker', () => {
  const planned = (): Module => {
    const m = parseModule(TREE);
    run(m, { order: 'original' });
    expect(checkMemoryPlan(m.main).problems).toEqual([]);
    return m;
  };
  const op = (m: Module, name: string) => m.main.body.ops.find((o) => o.results[0]?.name === name)!;

  it('reports two live buffers sharing bytes', () => {
    const m = planned();
    const p = op(m, 'p').attrs.get('mem.offset')!.value as number[];
    op(m, 'b').attrs.set('mem.offset', attr.ints([p[0]!]));
    expect(checkMemoryPlan(m.main).problems.join('\n')).toMatch(/%p .* overlaps %b|%b .* overlaps %p/);
  });

  it('reports misaligned buffers and buffers outside the arena', () => {
    const m = planned();
    const arena = m.main.body.terminator!.attrs.get('mem.arena')!.value as number;
    op(m, 'b').attrs.set('mem.offset', attr.ints([arena + 4]));
    const problems = checkMemoryPlan(m.main).problems.join('\n');
    expect(problems).toMatch(/not aligned to 16/);
    expect(problems).toMatch(/outside the arena/);
  });

  it('reports wrong sizes, missing plans and in-place writes by ops that may not', () => {
    const m = planned();
    op(m, 'a').attrs.set('mem.size', attr.ints([32]));
    op(m, 'p').attrs.set('mem.offset', attr.ints([-1]));
    const problems = checkMemoryPlan(m.main).problems.join('\n');
    expect(problems).toMatch(/%a: mem.size 32, its type needs 64 bytes/);
    expect(problems).toMatch(/%p \(16384 bytes\) is not planned/);
    const m2 = planned();
    op(m2, 'b').attrs.set('mem.inplace', attr.ints([0]));
    expect(checkMemoryPlan(m2.main).problems.join('\n')).toMatch(/reduce_sum may not write result 0 over operand 0/);
  });

  it('accepts in-place fused elementwise groups only', () => {
    const m = parseModule(`module @m {
  func @main(%x: f32[4]) -> (%r: f32[4]) {
    %e = exp(%x) : f32[4]
    %f = fused(%e) {kind = "elementwise", name = "neg"} : f32[4] {
    ^(%a: f32[4]):
      %n = neg(%a) : f32[4]
      yield %n
    }
    %r = fused(%f) {kind = "reduction", name = "softmax"} : f32[4] {
    ^(%b: f32[4]):
      %s = softmax(%b) : f32[4]
      yield %s
    }
    return %r
  }
}`);
    const counters = run(m).counters;
    expect(counters['in-place']).toBe(1);
    expect(checkMemoryPlan(m.main).problems).toEqual([]);
    const r = op(m, 'r');
    r.attrs.set('mem.inplace', attr.ints([0]));
    r.attrs.set('mem.offset', op(m, 'f').attrs.get('mem.offset')!);
    expect(checkMemoryPlan(m.main).problems.join('\n')).toMatch(/fused may not write result 0 over operand 0/);
  });

  it('reports an order that is not topological', () => {
    const m = planned();
    const ops = m.main.body.ops;
    [ops[1], ops[2]] = [ops[2]!, ops[1]!];
    expect(checkMemoryPlan(m.main).problems.join('\n')).toMatch(/reads %p before it is defined/);
  });

  it('reports in-place pairs whose operand lives on', () => {
    const m = parseModule(`module @m {
  func @main(%x: f32[4]) -> (%c: f32[4]) {
    %a = exp(%x) : f32[4]
    %b = neg(%a) : f32[4]
    %c = add(%a, %b) : f32[4]
    return %c
  }
}`);
    run(m);
    expect(checkMemoryPlan(m.main).problems).toEqual([]);
    const b = op(m, 'b');
    b.attrs.set('mem.inplace', attr.ints([0]));
    b.attrs.set('mem.offset', op(m, 'a').attrs.get('mem.offset')!);
    expect(checkMemoryPlan(m.main).problems.join('\n')).toMatch(/operand is read after this op/);
  });
});
