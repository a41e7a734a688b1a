// ONNX optional values, resolved at import time. An optional TENSOR is either a plain tensor value
// (present) or EMPTY_OPTIONAL (Optional() without input, or an omitted input ''), so
// OptionalHasElement folds to a bool constant and OptionalGetElement is an identity. Optionals
// whose presence is only known at run time (optional graph inputs) and optional sequences are
// refused: tenth has no run-time representation for either.
import { tensorFrom } from '../../../ir/tensor.js';
import { EMPTY_OPTIONAL, type Lowering, type MappingTable } from '../mapping-api.js';
import { since } from './helpers.js';

/** Optional(x) is x; Optional() is empty (its 'type' attribute must then be a tensor type). */
const optional: Lowering = (node, b) => {
  const x = node.inputs[0] ?? null;
  const ty = node.attrs.get('type');
  const text = ty?.kind === 'string' ? ty.value : undefined;
  if (text !== undefined && !text.startsWith('tensor(')) b.fail(`optional ${text} values are not supported (optional tensors only)`, 'E109');
  for (const k of node.attrs.keys()) if (k !== 'type') b.fail(`attribute '${k}' is not supported on Optional`);
  return [x ?? EMPTY_OPTIONAL];
};

/** True for a tensor (a present optional); false for an omitted input or an empty optional. */
const hasElement: Lowering = (node, b) => {
  const present = node.inputs.length > 0 && node.inputs[0] !== null;
  return [b.constant(tensorFrom('bool', [], [present ? 1 : 0]))];
};

const getElement: Lowering = (node, b) => {
  const x = node.inputs[0] ?? null;
  if (!x) b.fail('the optional input holds no element (it is empty or omitted)');
  return b.emit('identity', [x]);
};

export const OPTIONAL_MAPPINGS: MappingTable = {
  Optional: [since(15, optional)],
  OptionalHasElement: [since(15, hasElement)],
  OptionalGetElement: [since(15, getElement)],
};
