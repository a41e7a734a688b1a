// Einsum on Dawn + SwiftShader with a summed label under two different symbols bound to 0 and 1
// at run time (a legal broadcast): the sum is empty, so the result is 0s as in the interpreter,
// and no clamped index underflows into another buffer's arena slot.

import { describe, it } from 'vitest';
import { rand } from './helpers.js';
import { checkBindings, irModule } from './kernel-check.js';

describe('webgpu einsum: symbolic summed dims bound to 0', () => {
  it('a summed label of dims 0 and 1 (computed operands in the arena) sums nothing', async () => {
    const text = irModule('%a: f32[2,"k"], %b: f32["j",3]', [['y', 'f32[2,3]']], [
      '%t = transpose(%a) {perm = [1, 0]} : f32["k",2]', '%b3 = exp(%b) : f32["j",3]',
      '%y = einsum(%t, %b3) {equation = "ki,kj->ij"} : f32[2,3]',
    ]);
    await checkBindings(text, [[rand([2, 0], 1), rand([1, 3], 2)], [rand([2, 1], 3), rand([0, 3], 4)], [rand([2, 5], 5), rand([5, 3], 6)], [rand([2, 1], 7), rand([1, 3], 8)]], 1e-4, 1e-4);
  });

  it('the two-symbol property bindings with 0 (either side)', async () => {
    const two = irModule('%a: f32[2,"k"], %b: f32["j",3]', [['y', 'f32[2,3]']], ['%y = einsum(%a, %b) {equation = "ik,kj->ij"} : f32[2,3]']);
    await checkBindings(two, [[rand([2, 0], 9), rand([1, 3], 10)], [rand([2, 1], 11), rand([0, 3], 12)], [rand([2, 0], 13), rand([0, 3], 14)]], 1e-4, 1e-4);
  });
});
