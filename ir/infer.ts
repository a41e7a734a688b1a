// Running an op's shape rule outside the verifier (builder, importer).

import { attrReader } from './attrs.js';
import { fail } from './diagnostics.js';
import type { Op, Module, Value } from './ir.js';
import type { InferCtx } from './op-def.js';
import { getOpDef } from './op-def.js';
import { symbolicValue } from './shape-value.js';
import type { Tensor } from './tensor.js';
import { decodeBytes } from './tensor.js';
import type { TensorType } from './types.js';
import { isStaticShape } from './types.js';

/** Constant value of an operand defined by `const`, decoding weights through the module's store. */
export function constantValue(op: Op, module: Module | null): Tensor | undefined {
  if (op.name !== 'const') return undefined;
  const v = op.attrs.get('value');
  if (!v) return undefined;
  if (v.kind === 'tensor') return v.value;
  if (v.kind === 'weight' && module?.store) {
    const w = module.weights.get(v.value);
    if (!w || !isStaticShape(w.type.shape)) return undefined;
    return decodeBytes(w.type.dtype, w.type.shape, module.store.bytes(w));
  }
  return undefined;
}

/** Infer the result types of `op` from its operands' current types. Throws E304/E307 diagnostics. */
/** `alias`: see symbolicValue. */
export function inferOp(op: Op, module: Module | null, alias?: ReadonlyMap<Value, Value>): TensorType[] {
  const def = getOpDef(op.name);
  if (!def) fail('E304', `unknown op '${op.name}'`, op.loc);
  const ctx: InferCtx = {
    op,
    inputs: op.operands.map((v) => (v ? v.type : null)),
    attrs: attrReader(def, op.attrs, op.loc),
    numResults: op.results.length,
    loc: op.loc,
    constant: (i) => {
      const v = op.operands[i];
      return v?.def ? constantValue(v.def, module) : undefined;
    },
    shapeValue: (i) => {
      const v = op.operands[i];
      return v ? symbolicValue(v, module, alias) : undefined;
    },
    regionResults: (r) => {
      const region = op.regions[r];
      const t = region?.terminator;
      if (!t) fail('E308', `${op.name}: region ${r} is missing or empty`, op.loc);
      return t.operands.map((v) => v!.type);
    },
    weightType: (name) => module?.weights.get(name)?.type,
    fail: (message) => fail('E307', `${op.name}: ${message}`, op.loc),
  };
  return def.infer(ctx);
}
