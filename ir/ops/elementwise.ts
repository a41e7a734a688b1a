// Op family: elementwise. The ops are declared as tables in the files below (unary math and
// activations, broadcasting binaries, n-ary/one-sided broadcasting ops, casts); the loops they
// share live in elementwise-kernels.ts. See ir/op-def.ts for the schema.
import './elementwise-unary.js';
import './elementwise-binary.js';
import './elementwise-nary.js';
import './elementwise-cast.js';

export { castTensor } from './elementwise-cast.js';
