// fold-constants keeps the interpreter's results bitwise (it runs the same evals, with the same
// rounding) on random modules, and folds something on every module with a constant subgraph.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseModule } from '../../ir/parser.js';
import { printModule } from '../../ir/printer.js';
import { arbOptModule, runCounters } from './fold-constants.gen.js';
import { checkPreservesSemantics } from './property.js';

describe('fold-constants property', () => {
  it('keeps results bitwise on generic random modules', () => {
    checkPreservesSemantics('fold-constants', { numRuns: 150 });
  });

  it('keeps results bitwise and folds on modules with constant subgraphs and shape chains', () => {
    checkPreservesSemantics('fold-constants', {
      arbitrary: arbOptModule(),
      numRuns: 150,
      after: (_, c) => expect(c['fold-constants/ops-folded']).toBeGreaterThan(0),
    });
  });

  it('keeps results bitwise with a tiny size limit (only folds that do not grow constant data)', () => {
    checkPreservesSemantics('fold-constants{max-elements=1}', { arbitrary: arbOptModule(), numRuns: 60 });
  });

  it('the whole fold-constants,cse,dce pipeline keeps results bitwise', () => {
    checkPreservesSemantics('fold-constants,cse,dce', { arbitrary: arbOptModule(), numRuns: 100 });
  });

  it('is deterministic and idempotent: same text in, same text out; a second run folds nothing', () => {
    fc.assert(fc.property(arbOptModule(), ({ module }) => {
      const text = printModule(module);
      const a = parseModule(text), b = parseModule(text);
      runCounters(a, 'fold-constants');
      runCounters(b, 'fold-constants');
      expect(printModule(a)).toBe(printModule(b));
      expect(runCounters(a, 'fold-constants')['ops-folded']).toBe(0);
    }), { numRuns: 60 });
  });
});
