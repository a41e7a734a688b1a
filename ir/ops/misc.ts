// Op family: misc. Ops live in misc-*.ts by theme; this file loads them.
import './misc-grid.js';
