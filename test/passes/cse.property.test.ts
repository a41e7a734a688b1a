// cse keeps the interpreter's results bitwise (merged ops compute the same thing; nothing is
// reordered) and merges something on every module with duplicated ops.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arbModuleWithInputs } from '../gen/random-module.js';
import { parseModule } from '../../ir/parser.js';
import { printModule } from '../../ir/printer.js';
import { arbOptModule, checkBitwise, runPasses } from './fold-constants.gen.js';

describe('cse property', () => {
  it('keeps results bitwise on generic random modules', () => {
    fc.assert(fc.property(arbModuleWithInputs(), (x) => { checkBitwise('cse', x); }), { numRuns: 150 });
  });

  it('keeps results bitwise and merges on modules with duplicated ops', () => {
    fc.assert(fc.property(arbOptModule(), (x) => {
      const c = checkBitwise('cse', x);
      expect(c['ops-merged']).toBeGreaterThan(0);
    }), { numRuns: 150 });
  });

  it('is deterministic and leaves nothing to merge after one run', () => {
    fc.assert(fc.property(arbOptModule(), ({ module }) => {
      const text = printModule(module);
      const a = parseModule(text), b = parseModule(text);
      runPasses(a, 'cse');
      runPasses(b, 'cse');
      expect(printModule(a)).toBe(printModule(b));
      expect(runPasses(a, 'cse')['ops-merged']).toBe(0);
    }), { numRuns: 60 });
  });
});
