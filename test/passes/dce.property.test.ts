// dce keeps the interpreter's results bitwise, removes something on every module with dead ops,
// and leaves no removable op unused and no weight unreferenced.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { walkOps, type Value } from '../../ir/ir.js';
import { getOpDef } from '../../ir/op-def.js';
import { parseModule } from '../../ir/parser.js';
import { printModule } from '../../ir/printer.js';
import { arbModuleWithInputs } from '../gen/random-module.js';
import { arbOptModule, checkBitwise, runPasses } from './fold-constants.gen.js';

describe('dce property', () => {
  it('keeps results bitwise on generic random modules', () => {
    fc.assert(fc.property(arbModuleWithInputs(), (x) => { checkBitwise('dce', x); }), { numRuns: 150 });
  });

  it('removes dead ops and leaves every remaining op used and every weight referenced', () => {
    fc.assert(fc.property(arbOptModule(), (x) => {
      const c = checkBitwise('dce', x);
      expect(c['ops-removed']).toBeGreaterThan(0);
      // Independent check, a plain count of operand uses over the whole function.
      const ops = [...walkOps(x.module.main.body)];
      const used = new Set<Value>(ops.flatMap((o) => o.operands.filter((v): v is Value => v !== null)));
      for (const op of ops) {
        if (getOpDef(op.name)!.traits.includes('terminator')) continue;
        expect(op.results.some((r) => used.has(r)), `unused ${op.name} %${op.results[0]?.name}`).toBe(true);
      }
      const refs = new Set(ops.flatMap((o) => [...o.attrs.values()].filter((a) => a.kind === 'weight').map((a) => a.value as string)));
      expect([...x.module.weights.keys()].every((w) => refs.has(w))).toBe(true);
    }), { numRuns: 150 });
  });

  it('is deterministic and idempotent', () => {
    fc.assert(fc.property(arbOptModule(), ({ module }) => {
      const text = printModule(module);
      const a = parseModule(text), b = parseModule(text);
      runPasses(a, 'dce');
      runPasses(b, 'dce');
      expect(printModule(a)).toBe(printModule(b));
      const again = runPasses(a, 'dce');
      expect(again['ops-removed'] + again['weights-removed']).toBe(0);
    }), { numRuns: 60 });
  });
});
