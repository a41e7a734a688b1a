// Structural ops: constants and region terminators.

import { fail } from '../diagnostics.js';
import { defineOps } from '../op-def.js';
import type { Tensor } from '../tensor.js';

defineOps(
  {
    name: 'const',
    summary: 'A constant tensor: inline (`value = dense<...>`) or a module weight (`value = @name`).',
    inputs: [],
    outputs: [{ name: 'output' }],
    attrs: { value: { kind: 'tensor', required: true } },
    traits: ['pure', 'constant-like'],
    fusion: 'opaque',
    infer(ctx) {
      const v = ctx.op.attrs.get('value');
      if (!v) return ctx.fail("missing attribute 'value'");
      if (v.kind === 'tensor') return [{ dtype: v.value.dtype, shape: [...v.value.shape] }];
      if (v.kind === 'weight') {
        const t = ctx.weightType(v.value);
        if (!t) return ctx.fail(`unknown weight @${v.value}`);
        return [t];
      }
      return ctx.fail(`attribute 'value' must be a tensor or a weight, got ${v.kind}`);
    },
    eval(ctx) {
      const v = ctx.op.attrs.get('value')!;
      if (v.kind === 'tensor') return [v.value];
      if (v.kind === 'weight') return [ctx.weight(v.value)];
      return fail('E306', 'const: bad value attribute', ctx.loc);
    },
  },
  {
    name: 'return',
    summary: "Terminates a function's body; its operands are the function's results.",
    inputs: [{ name: 'values', variadic: true, optional: true }],
    outputs: [],
    attrs: {},
    traits: ['terminator'],
    fusion: 'control',
    infer: () => [],
    eval: (ctx) => ctx.inputs as Tensor[],
  },
  {
    name: 'yield',
    summary: 'Terminates a nested region (If/Loop/Scan bodies, fused groups); its operands are what the region yields.',
    inputs: [{ name: 'values', variadic: true, optional: true }],
    outputs: [],
    attrs: {},
    traits: ['terminator'],
    fusion: 'control',
    infer: () => [],
    eval: (ctx) => ctx.inputs as Tensor[],
  },
);
