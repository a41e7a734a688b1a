// canonicalize keeps the interpreter's results: bitwise on generic random modules and on modules
// built to hold every rule's pattern (each pattern must be rewritten), within a tolerance where
// batch normalization is folded into recomputed weights. It is deterministic and idempotent.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Module } from '../../ir/ir.js';
import { walkOps } from '../../ir/ir.js';
import { parseModule } from '../../ir/parser.js';
import { printModule } from '../../ir/printer.js';
import { verify } from '../../ir/verify.js';
import { canonicalizePass } from '../../passes/canonicalize.js';
import { INTERP_PROFILE } from '../../passes/pass.js';
import { arbModuleWithInputs, type ModuleWithInputs } from '../gen/random-module.js';
import { arbBatchNormModule, arbPatternModule, firstDifference, tryInterpret } from './canonicalize.gen.js';

function canonicalize(m: Module, disable = ''): Record<string, number> {
  const r = canonicalizePass.run(m, { target: INTERP_PROFILE }, { disable });
  const diags = verify(m);
  if (diags.length > 0) throw new Error(`after canonicalize: ${diags.map((d) => d.message).join('; ')}\n${printModule(m)}`);
  return { ...r.counters };
}

/** Run canonicalize and compare results with the original's; returns the counters. */
function check({ module, inputs }: ModuleWithInputs, tol?: { rtol: number; atol: number }): Record<string, number> {
  const before = tryInterpret(module, inputs);
  const text = printModule(module);
  const counters = canonicalize(module);
  if (typeof before === 'string') return counters;
  const after = tryInterpret(module, inputs);
  if (typeof after === 'string') throw new Error(`after canonicalize the run fails with ${after}\nbefore:\n${text}\nafter:\n${printModule(module)}`);
  const diff = firstDifference(after, before, tol);
  if (diff) throw new Error(`canonicalize changed results: ${diff}\nbefore:\n${text}\nafter:\n${printModule(module)}`);
  return counters;
}

describe('canonicalize property', () => {
  it('keeps results bitwise on generic random modules', () => {
    fc.assert(fc.property(arbModuleWithInputs(), (x) => { check(x); }), { numRuns: 150 });
  });

  it('keeps results bitwise and rewrites every identity, arithmetic and layout pattern', () => {
    fc.assert(fc.property(arbPatternModule(), (x) => {
      const counters = check(x);
      for (const anyOf of x.expect) {
        expect(anyOf.some((r) => (counters[r] ?? 0) > 0), `one of ${anyOf.join(', ')} fired: ${JSON.stringify(counters)}`).toBe(true);
      }
    }), { numRuns: 250 });
  });

  it('folds batch normalization into conv, gemm and matmul within float tolerance', () => {
    fc.assert(fc.property(arbBatchNormModule(), (x) => {
      const counters = check(x, { rtol: 1e-4, atol: 1e-5 });
      expect(counters['fold-batchnorm']).toBe(1);
      const left = [...walkOps(x.module.main.body)].filter((op) => op.name === 'batch_normalization' || op.name === 'matmul');
      expect(left.map((op) => op.name)).toEqual([]);
    }), { numRuns: 150 });
  });

  it('is deterministic and reaches a fixed point in one run', () => {
    fc.assert(fc.property(arbPatternModule(), ({ module }) => {
      const text = printModule(module);
      const a = parseModule(text), b = parseModule(text);
      canonicalize(a);
      canonicalize(b);
      const once = printModule(a);
      expect(once).toBe(printModule(b));
      const again = canonicalize(a);
      expect(again).toEqual({});
      expect(printModule(a)).toBe(once);
    }), { numRuns: 60 });
  });
});
