// Loads every op family into the op table. Each file calls defineOps at module load.
import './core.js';
import './elementwise.js';
import './shape.js';
import './nn.js';
import './quant.js';
import './attention.js';
import './reduce.js';
import './rnn.js';
import './misc.js';
import './control.js';
import './fused.js';
