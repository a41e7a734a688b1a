// The fused group: one op holding a region that a backend emits as one kernel (made by the `fuse`
// pass, see passes/fuse.ts). Its operands are the group's external inputs and map 1:1, in order, to
// the region's block arguments; the region's `yield` gives its results. `kind` says which rule
// formed it ('elementwise', 'contraction', 'reduction', 'attention', 'shape') and `name` is a stable
// kernel name built from the member ops ('conv-add-clip'); backends may key kernel caches on both.
//
// Invariant (not checked by the verifier): the region holds only pure ops, so the group is pure.

import { defineOps } from '../op-def.js';
import { formatType, typesCompatible } from '../types.js';

defineOps({
  name: 'fused',
  summary: 'A fused group of ops emitted as one kernel: region args = operands, the yield = results.',
  inputs: [{ name: 'inputs', variadic: true, optional: true }],
  outputs: [{ name: 'outputs', variadic: true }],
  attrs: {
    kind: { kind: 'string', required: true },
    name: { kind: 'string', required: true },
  },
  regions: 1,
  traits: ['pure'],
  fusion: 'opaque',
  infer(ctx) {
    const args = ctx.op.regions[0]?.args ?? [];
    if (args.length !== ctx.inputs.length) {
      ctx.fail(`region takes ${args.length} arguments, op has ${ctx.inputs.length} operands`);
    }
    args.forEach((a, i) => {
      const t = ctx.inputs[i] ?? ctx.fail(`operand ${i} is omitted`);
      if (!typesCompatible(a.type, t)) {
        ctx.fail(`region argument %${a.name} is ${formatType(a.type)} but operand ${i} is ${formatType(t)}`);
      }
    });
    const out = ctx.regionResults(0);
    if (out.length !== ctx.numResults) ctx.fail(`region yields ${out.length} values, op has ${ctx.numResults} results`);
    return out;
  },
  eval(ctx) {
    return ctx.runRegion(0, ctx.inputs.map((t, i) => t ?? ctx.fail(`operand ${i} is omitted`)));
  },
});
