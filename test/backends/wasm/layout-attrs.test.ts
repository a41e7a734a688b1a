// The wasm kernels implement NCHW activations and OIHW weights only. Zoo bug: O2's select-layout
// gave conv/max_pool/batch_normalization next to a channels-last transpose nhwc/ohwi attributes,
// which the kernels ignored (silent garbage). Now (a) lowering refuses any such attribute with
// E201 naming the op and the attribute, and (b) select-layout keeps to the layouts the target
// profile lists, so the default wasm pipeline never produces them.

import { describe, expect, it } from 'vitest';
import { parseModule } from '../../../ir/parser.js';
import { printModule } from '../../../ir/printer.js';
import { tensorFrom, type Tensor } from '../../../ir/tensor.js';
import { INTERP_PROFILE, runPipeline } from '../../../passes/index.js';
import { compileWasm, WASM_PROFILE } from '../../../src/backends/wasm/index.js';
import { expectClose, interpText, runWasm } from './helpers.js';

const ramp = (shape: number[], k = 1.3): Tensor =>
  tensorFrom('f32', shape, Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i * k)));

// Conv 1x1 4->4 on [1,4,5,5], then Transpose(0,2,3,1): select-layout absorbs the transpose into
// the conv (out_layout = nhwc) when the target allows nhwc.
const W = Array.from({ length: 16 }, (_, i) => ((i * 7) % 11) / 10 - 0.5);
const CONV_T = `module @m {
  func @main(%x: f32[1,4,5,5]) -> (%y: f32[1,5,5,4]) {
    %w = const {value = dense<[${W.join(', ')}]> : f32[4,4,1,1]} : f32[4,4,1,1]
    %c = conv(%x, %w) {kernel_shape = [1, 1]} : f32[1,4,5,5]
    %r = relu(%c) : f32[1,4,5,5]
    %y = transpose(%r) {perm = [0, 2, 3, 1]} : f32[1,5,5,4]
    return %y
  }
}`;

const withAttrs = (op: string, attrs: string, ty: string, extra = ''): string => `module @m {
  func @main(%x: f32[1,4,5,5]) -> (%y: ${ty}) {
    ${extra}%y = ${op} {${attrs}} : ${ty}
    return %y
  }
}`;

describe('wasm: layout attributes', () => {
  it('lowering refuses every layout attribute it does not implement (E201 naming op and attribute)', async () => {
    const cases: [string, RegExp][] = [
      [withAttrs('conv(%x, %w)', 'kernel_shape = [1, 1], out_layout = "nhwc"', 'f32[1,5,5,4]', `%w = const {value = dense<0.5> : f32[4,4,1,1]} : f32[4,4,1,1]\n    `), /conv \(out_layout = "nhwc"\)/],
      [withAttrs('conv(%x, %w)', 'kernel_shape = [1, 1], weight_layout = "ohwi"', 'f32[1,4,5,5]', `%w = const {value = dense<0.5> : f32[4,1,1,4]} : f32[4,1,1,4]\n    `), /conv \(weight_layout = "ohwi"\)/],
      [withAttrs('max_pool(%x)', 'kernel_shape = [2, 2], out_layout = "nhwc"', 'f32[1,4,4,4]'), /max_pool \(out_layout = "nhwc"\)/],
      [withAttrs('global_average_pool(%x)', 'layout = "nhwc"', 'f32[1,1,1,5]'), /global_average_pool \(layout = "nhwc"\)/],
    ];
    for (const [text, want] of cases) {
      const m = parseModule(text, { file: 'test.ir' });
      await expect(compileWasm(m, { passes: 'O0' })).rejects.toThrow(/E201/);
      await expect(compileWasm(parseModule(text, { file: 'test.ir' }), { passes: 'O0' })).rejects.toThrow(want);
    }
  });

  it('an explicit nchw/oihw attribute is fine', async () => {
    const text = withAttrs('max_pool(%x)', 'kernel_shape = [2, 2], layout = "nchw", out_layout = "nchw"', 'f32[1,4,4,4]');
    const x = ramp([1, 4, 5, 5]);
    expectClose(await runWasm(text, [x], 'O0'), interpText(text, [x]));
  });

  it('select-layout keeps to the profile: nhwc for the interpreter, none for wasm', () => {
    const interp = parseModule(CONV_T, { file: 'test.ir' });
    runPipeline(interp, 'O1,select-layout', { target: INTERP_PROFILE });
    expect(printModule(interp)).toMatch(/out_layout = "nhwc"/);
    const wasm = parseModule(CONV_T, { file: 'test.ir' });
    runPipeline(wasm, 'O1,select-layout', { target: WASM_PROFILE });
    expect(printModule(wasm)).not.toMatch(/layout/);
  });

  it('O2 for wasm matches the interpreter on conv -> transpose to channels-last', async () => {
    const x = ramp([1, 4, 5, 5]);
    expectClose(await runWasm(CONV_T, [x], 'O2'), interpText(CONV_T, [x]));
  });
});
