// Op family: attention. Each op lives in its own file (attention-*.ts); this file loads them.
import './attention-sdpa.js';
