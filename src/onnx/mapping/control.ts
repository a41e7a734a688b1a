// ONNX -> IR mapping entries for the control op family: Constant, If, Loop, Scan.
import { fail } from '../../../ir/diagnostics.js';
import { tensorFrom } from '../../../ir/tensor.js';
import type { Lowering, MappingTable } from '../mapping-api.js';
import { since } from './helpers.js';

/** Constant: exactly one of value / value_float(s) / value_int(s) (/ value_string(s), out of scope). */
const constant: Lowering = (node, b) => {
  const [name, v] = [...node.attrs][0] ?? [];
  if (node.attrs.size !== 1 || !v) return b.fail('Constant needs exactly one value attribute');
  switch (name) {
    case 'value': if (v.kind === 'tensor') return [b.constant(v.value)]; break;
    case 'value_float': if (v.kind === 'float' || v.kind === 'int') return [b.constant(tensorFrom('f32', [], [v.value]))]; break;
    case 'value_floats': if (v.kind === 'floats' || v.kind === 'ints') return [b.constant(tensorFrom('f32', [v.value.length], v.value))]; break;
    case 'value_int': if (v.kind === 'int') return [b.constInts([v.value], [])]; break;
    case 'value_ints': if (v.kind === 'ints' || v.kind === 'floats') return [b.constInts(v.value)]; break;
    case 'value_string': case 'value_strings':
      return fail('E109', 'Constant: string tensors are not supported', node.loc);
  }
  return b.fail(`unsupported attribute '${name}' (${v.kind})`);
};

export const CONTROL_MAPPINGS: MappingTable = {
  Constant: [since(1, constant)],
};
