// fold-constants keeps the interpreter's results bitwise (it runs the same evals, with the same
// rounding) on random modules, and folds something on every module with a constant subgraph.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arbModuleWithInputs } from '../gen/random-module.js';
import { parseModule } from '../../ir/parser.js';
import { printModule } from '../../ir/printer.js';
import { arbOptModule, checkBitwise, runPasses } from './fold-constants.gen.js';

describe('fold-constants property', () => {
  it('keeps results bitwise on generic random modules', () => {
    fc.assert(fc.property(arbModuleWithInputs(), (x) => { checkBitwise('fold-constants', x); }), { numRuns: 150 });
  });

  it('keeps results bitwise and folds on modules with constant subgraphs and shape chains', () => {
    fc.assert(fc.property(arbOptModule(), (x) => {
      const c = checkBitwise('fold-constants', x);
      expect(c['ops-folded']).toBeGreaterThan(0);
    }), { numRuns: 150 });
  });

  it('keeps results bitwise with a tiny size limit (only non-growing folds)', () => {
    fc.assert(fc.property(arbOptModule(), (x) => { checkBitwise('fold-constants{max-elements=1}', x); }), { numRuns: 60 });
  });

  it('is deterministic and idempotent: same text in, same text out; a second run folds nothing', () => {
    fc.assert(fc.property(arbOptModule(), ({ module }) => {
      const text = printModule(module);
      const a = parseModule(text), b = parseModule(text);
      runPasses(a, 'fold-constants');
      runPasses(b, 'fold-constants');
      expect(printModule(a)).toBe(printModule(b));
      const again = runPasses(a, 'fold-constants');
      expect(again['ops-folded']).toBe(0);
    }), { numRuns: 60 });
  });

  it('the whole fold-constants,cse,dce pipeline keeps results bitwise', () => {
    fc.assert(fc.property(arbOptModule(), (x) => { checkBitwise('fold-constants,cse,dce', x); }), { numRuns: 100 });
  });
});
