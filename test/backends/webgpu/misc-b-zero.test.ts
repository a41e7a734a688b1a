// Training batch_normalization and mean_variance_normalization (kernels/misc-b.ts groupStats) with
// a static 0 among the reduced dims: the group loop is skipped (its coordinates would divide by a
// constant 0u, which Tint refuses), the shaders validate, and the results match the interpreter
// (an empty Y; running statistics from the empty groups' NaN mean and variance).

import { describe, expect, it } from 'vitest';
import { tensorFrom } from '../../../ir/tensor.js';
import { compileText, expectClose, interpText, rand, runCompiled, validateShaders } from './helpers.js';
import { irModule } from './kernel-check.js';

async function checkZero(text: string, inputs: ReturnType<typeof rand>[]): Promise<void> {
  const c = compileText(text);
  expect(await validateShaders(c)).toEqual([]);
  expectClose(await runCompiled(c, inputs), interpText(text, inputs), 1e-5, 1e-6);
}

describe('webgpu group statistics over a static empty group', () => {
  it('training batch_normalization of x f32[2,3,0]: Y, running mean and variance', async () => {
    const p = 'f32[3]';
    const text = irModule(`%x: f32[2,3,0], %s: ${p}, %b: ${p}, %m: ${p}, %v: ${p}`, [['y', 'f32[2,3,0]'], ['rm', p], ['rv', p]], [
      `%y, %rm, %rv = batch_normalization(%x, %s, %b, %m, %v) {epsilon = 1e-5, momentum = 0.9, training_mode = 1} : (f32[2,3,0], ${p}, ${p})`,
    ]);
    await checkZero(text, [tensorFrom('f32', [2, 3, 0], []), rand([3], 1), rand([3], 2), rand([3], 3), tensorFrom('f32', [3], [1, 2, 3])]);
  });

  it('mean_variance_normalization over axes holding a 0 keeps nothing to write', async () => {
    const text = irModule('%x: f32[3,0,2]', [['y', 'f32[3,0,2]']], ['%y = mean_variance_normalization(%x) {axes = [0, 1]} : f32[3,0,2]']);
    await checkZero(text, [tensorFrom('f32', [3, 0, 2], [])]);
  });
});
