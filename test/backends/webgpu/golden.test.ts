// Golden WGSL for small modules: code generation changes show up as readable diffs of
// test/backends/webgpu/golden/<case>.wgsl (every shader of the case, in dispatch order, then the
// dispatch plan). Regenerate with `BLESS=1 npx vitest run test/backends/webgpu/golden.test.ts`
// and review the diff. Each case also runs on SwiftShader against the interpreter.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dispatchPlan } from '../../../src/backends/webgpu/index.js';
import { check, compileText, hexF32, rand } from './helpers.js';

const DIR = join(process.cwd(), 'test/backends/webgpu/golden');

const CASES: Record<string, { text: string; inputs: number[][] }> = {
  // Implicit-GEMM conv with its clip in the epilogue, then a depthwise conv (a map kernel).
  'conv-clip-depthwise': {
    inputs: [[1, 2, 4, 4]],
    text: `module @m {
  weight @w1 : f32[4,2,3,3] = bytes("${hexF32(rand([4, 2, 3, 3], 1).data as Float32Array)}")
  weight @w2 : f32[4,1,3,3] = bytes("${hexF32(rand([4, 1, 3, 3], 2).data as Float32Array)}")
  func @main(%x: f32[batch,2,4,4]) -> (%y: f32[batch,4,2,2]) {
    %w1 = const {value = @w1} : f32[4,2,3,3]
    %w2 = const {value = @w2} : f32[4,1,3,3]
    %lo = const {value = dense<0> : f32[]} : f32[]
    %hi = const {value = dense<6> : f32[]} : f32[]
    %c = conv(%x, %w1) {kernel_shape = [3, 3], pads = [1, 1, 1, 1]} : f32[batch,4,4,4]
    %r = clip(%c, %lo, %hi) : f32[batch,4,4,4]
    %y = conv(%r, %w2) {group = 4, kernel_shape = [3, 3], pads = [1, 1, 1, 1], strides = [2, 2]} : f32[batch,4,2,2]
    return %y
  }
}`,
  },
  // Attention-like: matmul + bias + reshape + transpose (a permuted store), scores, softmax.
  'matmul-transpose-softmax': {
    inputs: [[2, 3, 8], [8, 8], [8]],
    text: `module @m {
  func @main(%x: f32[batch,seq,8], %w: f32[8,8], %b: f32[8]) -> (%y: f32[batch,2,seq,seq]) {
    %p = matmul(%x, %w) : f32[batch,seq,8]
    %q = add(%p, %b) : f32[batch,seq,8]
    %sh = const {value = dense<[0, 0, 2, 4]> : i64[4]} : i64[4]
    %r = reshape(%q, %sh) : f32[batch,seq,2,4]
    %t = transpose(%r) {perm = [0, 2, 1, 3]} : f32[batch,2,seq,4]
    %k = transpose(%r) {perm = [0, 2, 3, 1]} : f32[batch,2,4,seq]
    %s = matmul(%t, %k) : f32[batch,2,seq,seq]
    %y = softmax(%s) {axis = -1} : f32[batch,2,seq,seq]
    return %y
  }
}`,
  },
  // Residual add + layer norm + GELU (erf) chain, and a mean over the sequence (a reduction).
  'layernorm-gelu-reduce': {
    inputs: [[2, 3, 5], [2, 3, 5], [5]],
    text: `module @m {
  func @main(%x: f32[batch,seq,5], %h: f32[batch,seq,5], %s: f32[5]) -> (%y: f32[batch,seq,5], %m: f32[batch,5]) {
    %a = add(%x, %h) : f32[batch,seq,5]
    %n = layer_normalization(%a, %s) {axis = -1, epsilon = 1e-5} : f32[batch,seq,5]
    %r2 = const {value = dense<1.4142135> : f32[]} : f32[]
    %one = const {value = dense<1> : f32[]} : f32[]
    %half = const {value = dense<0.5> : f32[]} : f32[]
    %d = div(%n, %r2) : f32[batch,seq,5]
    %e = erf(%d) : f32[batch,seq,5]
    %e1 = add(%e, %one) : f32[batch,seq,5]
    %g = mul(%n, %e1) : f32[batch,seq,5]
    %y = mul(%g, %half) : f32[batch,seq,5]
    %ax = const {value = dense<[1]> : i64[1]} : i64[1]
    %m = reduce_mean(%y, %ax) {keepdims = 0} : f32[batch,5]
    return %y, %m
  }
}`,
  },
};

describe('webgpu golden WGSL', () => {
  for (const [name, c] of Object.entries(CASES)) {
    it(name, async () => {
      const compiled = compileText(c.text);
      const text = [
        ...compiled.shaders.map((s) => `// ==== ${s.file}\n${s.code}`),
        `// ==== plan.json\n${JSON.stringify(dispatchPlan(compiled.manifest), null, 1).split('\n').map((l) => `// ${l}`).join('\n')}\n`,
      ].join('\n');
      const file = join(DIR, `${name}.wgsl`);
      if (process.env['BLESS'] === '1' || !existsSync(file)) writeFileSync(file, text);
      expect(text).toBe(readFileSync(file, 'utf8'));
      await check(c.text, c.inputs.map((s, i) => rand(s, 10 + i)));
    });
  }
});
