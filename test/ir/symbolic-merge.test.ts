// Two dims a shape rule needs equal but cannot prove equal (concat's other dims): the result takes
// one of them (dimUnify) instead of '?', so later ops keep a computable dim; the interpreter
// refuses sizes that break the equality at the op, as the backends' run-time checks do
// (test/backends/dims-agreement.test.ts).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TenthError } from '../../ir/diagnostics.js';
import { inferOp } from '../../ir/infer.js';
import { interpret } from '../../ir/interp.js';
import { parseModule } from '../../ir/parser.js';
import { dimSub, dimUnify, evalDim } from '../../ir/symbolic.js';
import { tensorFrom } from '../../ir/tensor.js';
import { verifyOrThrow } from '../../ir/verify.js';
import '../../ir/ops/index.js';

describe('dimUnify', () => {
  it('a number wins, two numbers must be equal, a known dim beats ?', () => {
    expect(dimUnify(3, 'n')).toBe(3);
    expect(dimUnify('n', 3)).toBe(3);
    expect(dimUnify(3, 3)).toBe(3);
    expect(dimUnify(3, 4)).toBeUndefined();
    expect(dimUnify('?', 'n')).toBe('n');
    expect(dimUnify('floordiv(h,2)', '?')).toBe('floordiv(h,2)');
  });

  it('the simpler expression wins whatever the operand order; equal size keeps the first', () => {
    const deep = '2*floordiv(floordiv(h,2),2)';
    expect(dimUnify(deep, 'floordiv(h,2)')).toBe('floordiv(h,2)');
    expect(dimUnify('floordiv(h,2)', deep)).toBe('floordiv(h,2)');
    expect(dimUnify('height', '2*floordiv(height,2)')).toBe('height');
    expect(dimUnify('n', 'm')).toBe('n');
    expect(dimUnify('m', 'n')).toBe('m');
    // An opaque ONNX dim_param counts as one symbol.
    expect(dimUnify('batch size', 'floordiv(h,2)')).toBe('batch size');
  });

  it('is one of its operands, and agrees with both wherever they are equal (random sizes)', () => {
    const dims = ['h', 'floordiv(h,2)', '2*floordiv(h,2)', '2*floordiv(floordiv(h,2),2)', 'h+1', 'w', 4];
    fc.assert(fc.property(fc.constantFrom(...dims), fc.constantFrom(...dims), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 40 }), (a, b, h, w) => {
      const u = dimUnify(a, b);
      if (typeof a === 'number' && typeof b === 'number' && a !== b) { expect(u).toBeUndefined(); return; }
      expect([a, b]).toContain(u);
      const bind = (s: string): number | undefined => ({ h, w })[s as 'h' | 'w'];
      const va = evalDim(a, bind), vb = evalDim(b, bind);
      if (va === vb) expect(evalDim(u!, bind)).toBe(va);
      // Provably equal dims need no run-time check (their difference folds to 0).
      if (dimSub(a, b) === 0) expect(va).toBe(vb);
    }), { numRuns: 200 });
  });
});

const UNET_LIKE = [
  'module @m {',
  '  func @main(%x: f32[1,2,h], %s: f32[1,3,h]) -> (%y: f32[1,5,"floordiv(h,2)"]) {',
  '    %p = max_pool(%x) {kernel_shape = [2], strides = [2]} : f32[1,2,"floordiv(h,2)"]',
  '    %q = max_pool(%p) {kernel_shape = [2], strides = [2]} : f32[1,2,"floordiv(floordiv(h,2),2)"]',
  '    %sc = const {value = dense<[1.0,1.0,2.0]> : f32[3]} : f32[3]',
  '    %roi = const {value = dense<[]> : f32[0]} : f32[0]',
  '    %u = resize(%q, %roi, %sc) {coordinate_transformation_mode = "asymmetric", mode = "nearest", nearest_mode = "floor"} : f32[1,2,"2*floordiv(floordiv(h,2),2)"]',
  '    %t = max_pool(%s) {kernel_shape = [2], strides = [2]} : f32[1,3,"floordiv(h,2)"]',
  '    %y = concat(%u, %t) {axis = 1} : f32[1,5,"floordiv(h,2)"]',
  '    return %y',
  '  }',
  '}',
].join('\n');

describe('concat of dims not provably equal', () => {
  it('takes the simpler dim, not ?', () => {
    const m = parseModule([
      'module @m {',
      '  func @main(%a: f32[n,"2*floordiv(floordiv(h,2),2)"], %b: f32[n,"floordiv(h,2)"], %c: f32[3,k]) -> (%y: f32["2*n","floordiv(h,2)"]) {',
      '    %y = concat(%a, %b) {axis = 0} : f32["2*n","floordiv(h,2)"]',
      '    %z = concat(%c, %c) {axis = 1} : f32[3,"2*k"]',
      '    return %y',
      '  }',
      '}',
    ].join('\n'), { file: 't.ir' });
    const [y, z] = m.main.body.ops;
    expect(inferOp(y!, m)[0]!.shape).toEqual(['2*n', 'floordiv(h,2)']);
    expect(inferOp(z!, m)[0]!.shape).toEqual([3, '2*k']);
  });

  it('two different static dims are still an error', () => {
    expect(() => verifyOrThrow(parseModule([
      'module @m {',
      '  func @main(%a: f32[2,3], %b: f32[2,4]) -> (%y: f32[4,3]) {',
      '    %y = concat(%a, %b) {axis = 0} : f32[4,3]',
      '    return %y',
      '  }',
      '}',
    ].join('\n'), { file: 't.ir' }))).toThrow(/dim 1: dims 3 and 4 differ/);
  });

  it('the interpreter runs sizes where 2*floordiv(h/4) = floordiv(h/2) and refuses the others at the concat', () => {
    const m = parseModule(UNET_LIKE, { file: 't.ir' });
    for (let h = 4; h <= 21; h++) {
      const ins = [tensorFrom('f32', [1, 2, h], new Float32Array(2 * h).map((_, i) => i)), tensorFrom('f32', [1, 3, h], new Float32Array(3 * h).fill(1))];
      if (2 * Math.floor(Math.floor(h / 2) / 2) === Math.floor(h / 2)) {
        expect(interpret(m, ins)[0]!.shape).toEqual([1, 5, Math.floor(h / 2)]);
      } else {
        let err: unknown;
        try { interpret(m, ins); } catch (e) { err = e; }
        expect(err).toBeInstanceOf(TenthError);
        expect(String(err)).toContain('t.ir:9:5: error E501: concat: operand shapes');
      }
    }
  });
});
