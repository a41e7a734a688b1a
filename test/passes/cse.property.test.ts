// cse keeps the interpreter's results bitwise (merged ops compute the same thing; nothing is
// reordered) and merges something on every module with duplicated ops.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseModule } from '../../ir/parser.js';
import { printModule } from '../../ir/printer.js';
import { arbOptModule, runCounters } from './fold-constants.gen.js';
import { checkPreservesSemantics } from './property.js';

describe('cse property', () => {
  it('keeps results bitwise on generic random modules', () => {
    checkPreservesSemantics('cse', { numRuns: 150 });
  });

  it('keeps results bitwise and merges on modules with duplicated ops', () => {
    checkPreservesSemantics('cse', {
      arbitrary: arbOptModule(),
      numRuns: 150,
      after: (_, c) => expect(c['cse/ops-merged']).toBeGreaterThan(0),
    });
  });

  it('is deterministic and leaves nothing to merge after one run', () => {
    fc.assert(fc.property(arbOptModule(), ({ module }) => {
      const text = printModule(module);
      const a = parseModule(text), b = parseModule(text);
      runCounters(a, 'cse');
      runCounters(b, 'cse');
      expect(printModule(a)).toBe(printModule(b));
      expect(runCounters(a, 'cse')['ops-merged']).toBe(0);
    }), { numRuns: 60 });
  });
});
