// Op family: attention. Each op lives in its own file (attention-*.ts); this file loads them.
import './attention-sdpa.js';
import './attention-rotary.js';
import './attention-linear.js';
