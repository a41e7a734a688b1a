// Golden WAT for small modules: code generation changes show up as readable diffs of
// test/backends/wasm/golden/<case>.wat. Regenerate with `BLESS=1 npx vitest run test/backends/wasm/golden.test.ts`
// and review the diff. (Cases avoid MatMul/Gemm with constant B, whose kernel text belongs to
// gemm-kernel.ts and has its own tests; no passes run, so the goldens change only with this backend.)
// Each case also runs against the interpreter.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseModule } from '../../../ir/parser.js';
import { tensorFrom } from '../../../ir/tensor.js';
import { compileWasm } from '../../../src/backends/wasm/index.js';
import { expectClose, interpText, runWasm } from './helpers.js';

const DIR = join(process.cwd(), 'test/backends/wasm/golden');

const CASES: Record<string, { text: string; input: number[] }> = {
  'conv-depthwise-clip': {
    input: [1, 2, 4, 4],
    text: `module @m {
  weight @w1 : f32[4,2,3,3] = bytes("0x${'0000803f'.repeat(72)}")
  weight @w2 : f32[4,1,3,3] = bytes("0x${'0000003f'.repeat(36)}")
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
  'layernorm-softmax': {
    input: [2, 3, 5],
    text: `module @m {
  func @main(%x: f32[batch,seq,5], %s: f32[5]) -> (%y: f32[batch,seq,5]) {
    %n = layer_normalization(%x, %s) {axis = -1, epsilon = 1e-5} : f32[batch,seq,5]
    %e = erf(%n) : f32[batch,seq,5]
    %y = softmax(%e) {axis = -1} : f32[batch,seq,5]
    return %y
  }
}`,
  },
};

describe('wasm golden WAT', () => {
  for (const [name, c] of Object.entries(CASES)) {
    it(name, async () => {
      const compiled = await compileWasm(parseModule(c.text, { file: `${name}.ir` }), { passes: '', verifyEach: true });
      const path = join(DIR, `${name}.wat`);
      if (process.env['BLESS']) writeFileSync(path, compiled.wat);
      expect(existsSync(path), `${path} missing: run with BLESS=1`).toBe(true);
      expect(compiled.wat).toBe(readFileSync(path, 'utf8'));
      const n = c.input.reduce((a, b) => a * b, 1);
      const x = tensorFrom('f32', c.input, Array.from({ length: n }, (_v, i) => Math.sin(i) * 3));
      const extra = name === 'layernorm-softmax' ? [tensorFrom('f32', [5], [1, 0.5, -1, 2, 0.25])] : [];
      expectClose(await runWasm(c.text, [x, ...extra], ''), interpText(c.text, [x, ...extra]));
    });
  }
});
