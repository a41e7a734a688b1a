// The shared property harness itself: it accepts a pass that keeps results, and catches (with the
// printed module in its message) one that changes them or breaks the IR.

import { describe, expect, it } from 'vitest';
import { tensorFrom } from '../../ir/tensor.js';
import { type Pass, unchanged } from '../../passes/index.js';
import { checkPreservesSemantics, compareResults } from './property.js';

/** Replaces every `neg` by `abs`: wrong whenever a negated value is nonzero. */
const wrongPass: Pass = {
  name: 'test-neg-to-abs',
  summary: 'deliberately wrong',
  options: {},
  run(m) {
    let changed = false;
    for (const f of m.funcs) for (const op of f.body.ops) if (op.name === 'neg') { op.name = 'abs'; changed = true; }
    return { changed, counters: {} };
  },
};

/** Drops the last op before the terminator: leaves a use of an undefined value. */
const breakingPass: Pass = {
  name: 'test-break',
  summary: 'deliberately breaks the IR',
  options: {},
  run(m) {
    const ops = m.funcs[0]!.body.ops;
    const last = ops[ops.length - 2];
    if (!last || last.results.length === 0 || !ops[ops.length - 1]!.operands.includes(last.results[0]!)) return unchanged;
    ops.splice(ops.length - 2, 1);
    return { changed: true, counters: {} };
  },
};

describe('checkPreservesSemantics', () => {
  it('accepts the empty pipeline and a no-op pipeline', () => {
    checkPreservesSemantics('O0', { numRuns: 30 });
    checkPreservesSemantics([{ pass: { name: 'noop', summary: '', options: {}, run: () => unchanged } }], { numRuns: 30 });
  });

  it('catches a pass that changes results, printing the module', () => {
    let msg = '';
    try {
      checkPreservesSemantics([{ pass: wrongPass }], { numRuns: 200, genOptions: { ops: ['neg', 'add'] }, seed: 1, shrinkMs: 1000 });
    } catch (e) {
      msg = String(e);
    }
    expect(msg).toContain("changed the results");
    expect(msg).toContain('module before:');
    expect(msg).toMatch(/= neg\(/);
  });

  it('catches a pass that breaks the IR (verify-each names it)', () => {
    let msg = '';
    try {
      checkPreservesSemantics([{ pass: breakingPass }], { numRuns: 200, genOptions: { ops: ['neg', 'add'] }, seed: 2, shrinkMs: 1000 });
    } catch (e) {
      msg = String(e);
    }
    expect(msg).toContain("after pass 'test-break'");
    expect(msg).toContain('module before:');
  });
});

describe('compareResults', () => {
  const f = (xs: number[]) => tensorFrom('f32', [xs.length], xs);
  it('bitwise: -0 differs from 0, NaN equals NaN', () => {
    expect(compareResults([f([0])], [f([-0])], true)).toMatch(/element 0: 0 before, -0 after/);
    expect(compareResults([f([NaN])], [f([NaN])], true)).toBeUndefined();
  });
  it('tolerance: |a-b| <= atol + rtol*|a|', () => {
    expect(compareResults([f([100])], [f([100.5])], false, 1e-2, 0)).toBeUndefined();
    expect(compareResults([f([100])], [f([102])], false, 1e-2, 0)).toMatch(/element 0/);
    expect(compareResults([f([0])], [f([1e-8])], false, 0, 1e-7)).toBeUndefined();
    expect(compareResults([f([Infinity])], [f([-Infinity])], false, 1, 1)).toMatch(/element 0/);
    expect(compareResults([f([NaN])], [f([1])], false, 1, 1)).toMatch(/element 0/);
  });
  it('shapes and counts must match', () => {
    expect(compareResults([f([1, 2])], [f([1])], false, 1, 1)).toMatch(/result 0/);
    expect(compareResults([f([1])], [], true)).toMatch(/1 results before, 0 after/);
  });
});
