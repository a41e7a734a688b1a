// Float-only kernels refuse other dtypes through kernel-api.ts needFloat: E201 at the op, naming
// the op and the dtype; dtype-generic ops (abs, pow) still compile on integers.

import { describe, expect, it } from 'vitest';
import { compileText } from './helpers.js';

const module1 = (op: string, args: readonly string[], r: string): string =>
  `module @m {\n  func @main(${args.map((t, j) => `%${'ab'[j]}: ${t}`).join(', ')}) -> (%y: ${r}) {\n    %y = ${op} : ${r}\n    return %y\n  }\n}`;

describe('webgpu float-only refusals', () => {
  it('name the op and the dtype (E201 at the op)', () => {
    const cases: [string, string[], string][] = [
      ['matmul(%a, %b)', ['i32[2,3]', 'i32[3,2]'], 'i32[2,2]'],
      ['gemm(%a, %b)', ['i32[2,3]', 'i32[3,2]'], 'i32[2,2]'],
      ['lp_normalization(%a)', ['i32[2,3]'], 'i32[2,3]'],
      ['lrn(%a) {size = 3}', ['i32[1,3,2,2]'], 'i32[1,3,2,2]'],
    ];
    for (const [op, args, r] of cases) {
      const name = op.slice(0, op.indexOf('('));
      expect(() => compileText(module1(op, args, r))).toThrow(new RegExp(`test\\.ir:3:5: error E201: ${name} on i32 is not supported by the webgpu backend \\(float dtypes only\\)`));
    }
  });

  it('dtype-generic ops still compile on integers', () => {
    expect(compileText(module1('abs(%a)', ['i32[5]'], 'i32[5]')).shaders.length).toBe(1);
    expect(compileText(module1('pow(%a, %a)', ['i32[5]'], 'i32[5]')).shaders.length).toBe(1);
  });
});
