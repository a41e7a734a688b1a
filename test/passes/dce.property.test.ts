// dce keeps the interpreter's results bitwise, removes something on every module with dead ops,
// and leaves no removable op unused and no weight unreferenced.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { walkOps, type Value } from '../../ir/ir.js';
import { getOpDef } from '../../ir/op-def.js';
import { parseModule } from '../../ir/parser.js';
import { printModule } from '../../ir/printer.js';
import type { ModuleWithInputs } from '../gen/random-module.js';
import { arbOptModule, runCounters } from './fold-constants.gen.js';
import { checkPreservesSemantics } from './property.js';

/** Independent check by a plain count of operand uses: every op left has a used result. */
function nothingDeadLeft({ module }: ModuleWithInputs): void {
  const ops = [...walkOps(module.main.body)];
  const used = new Set<Value>(ops.flatMap((o) => o.operands.filter((v): v is Value => v !== null)));
  for (const op of ops) {
    if (getOpDef(op.name)!.traits.includes('terminator')) continue;
    expect(op.results.some((r) => used.has(r)), `unused ${op.name} %${op.results[0]?.name}`).toBe(true);
  }
  const refs = new Set(ops.flatMap((o) => [...o.attrs.values()].filter((a) => a.kind === 'weight').map((a) => a.value as string)));
  expect([...module.weights.keys()].filter((w) => !refs.has(w))).toEqual([]);
}

describe('dce property', () => {
  it('keeps results bitwise on generic random modules and leaves nothing dead', () => {
    checkPreservesSemantics('dce', { numRuns: 150, after: (x) => nothingDeadLeft(x) });
  });

  it('removes dead ops on modules with dead code, keeping results bitwise', () => {
    checkPreservesSemantics('dce', {
      arbitrary: arbOptModule(),
      numRuns: 150,
      after: (x, c) => {
        expect(c['dce/ops-removed']).toBeGreaterThan(0);
        nothingDeadLeft(x);
      },
    });
  });

  it('is deterministic and idempotent', () => {
    fc.assert(fc.property(arbOptModule(), ({ module }) => {
      const text = printModule(module);
      const a = parseModule(text), b = parseModule(text);
      runCounters(a, 'dce');
      runCounters(b, 'dce');
      expect(printModule(a)).toBe(printModule(b));
      const again = runCounters(a, 'dce');
      expect(again['ops-removed']! + again['weights-removed']!).toBe(0);
    }), { numRuns: 60 });
  });
});
