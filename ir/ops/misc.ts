// Op family: misc. Ops live in misc-*.ts by theme; this file loads them.
import './misc-grid.js';
import './misc-signal.js';
import './misc-loss.js';
import './misc-select.js';
import './misc-random.js';
