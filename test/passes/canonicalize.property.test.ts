// canonicalize keeps the interpreter's results: bitwise on generic random modules and on modules
// built to hold every rule's pattern (each pattern must be rewritten), within a tolerance where
// batch normalization is folded into recomputed weights. It is deterministic and idempotent.

import { describe, expect, it } from 'vitest';
import { walkOps } from '../../ir/ir.js';
import { parseModule } from '../../ir/parser.js';
import { printModule } from '../../ir/printer.js';
import { runPipeline } from '../../passes/index.js';
import fc from 'fast-check';
import { arbBatchNormModule, arbPatternModule, type PatternModule } from './canonicalize.gen.js';
import { checkPreservesSemantics } from './property.js';

/** Every pattern the generator built was rewritten by one of the rules it names (pipeline
 *  counters are keyed `pass/counter`). */
function allPatternsRewritten(x: unknown, counters: Readonly<Record<string, number>>): void {
  for (const anyOf of (x as PatternModule).expect) {
    const fired = anyOf.some((r) => (counters[`canonicalize/${r}`] ?? 0) > 0);
    expect(fired, `one of ${anyOf.join(', ')} fired: ${JSON.stringify(counters)}`).toBe(true);
  }
}

describe('canonicalize property', () => {
  it('keeps results bitwise on generic random modules', () => {
    checkPreservesSemantics('canonicalize', { numRuns: 150 });
  });

  it('keeps results bitwise and rewrites every identity, arithmetic and layout pattern', () => {
    checkPreservesSemantics('canonicalize', { arbitrary: arbPatternModule(), numRuns: 250, after: allPatternsRewritten });
  });

  it('folds batch normalization into conv, gemm and matmul within float tolerance', () => {
    checkPreservesSemantics('canonicalize', {
      arbitrary: arbBatchNormModule(),
      rtol: 1e-4,
      atol: 1e-5,
      numRuns: 150,
      after: (x, counters) => {
        allPatternsRewritten(x, counters);
        const left = [...walkOps(x.module.main.body)].map((op) => op.name).filter((n) => n === 'batch_normalization' || n === 'matmul');
        expect(left).toEqual([]);
      },
    });
  });

  it('without the fold-batchnorm rules, the same modules keep their batch normalization bitwise', () => {
    checkPreservesSemantics('canonicalize{disable=fold-batchnorm-into-conv+fold-batchnorm-into-gemm+fold-batchnorm-into-matmul}', {
      arbitrary: arbBatchNormModule(),
      numRuns: 40,
      after: (x) => expect([...walkOps(x.module.main.body)].some((op) => op.name === 'batch_normalization')).toBe(true),
    });
  });

  it('is deterministic and reaches a fixed point in one run', () => {
    fc.assert(fc.property(arbPatternModule(), ({ module }) => {
      const text = printModule(module);
      const a = parseModule(text), b = parseModule(text);
      runPipeline(a, 'canonicalize', { verifyEach: true });
      runPipeline(b, 'canonicalize', { verifyEach: true });
      const once = printModule(a);
      expect(once).toBe(printModule(b));
      expect(runPipeline(a, 'canonicalize').counters).toEqual({});
      expect(printModule(a)).toBe(once);
    }), { numRuns: 60 });
  });
});
