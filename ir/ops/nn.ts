// Op family: nn (convolutions, pooling, normalisations, matrix products, softmax). Each group
// of ops lives in its own file; importing them registers the ops. See ir/op-def.ts for the schema.
import './nn-conv.js';
import './nn-conv-extra.js';
import './nn-pool.js';
import './nn-matmul.js';
import './nn-softmax.js';
import './nn-norm.js';
