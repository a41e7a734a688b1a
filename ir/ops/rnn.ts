// Op family: rnn. The shared driver is in rnn-core.ts, activations in rnn-act.ts and the RNN/GRU/LSTM
// cells (which register the ops) in rnn-cells.ts.
import './rnn-cells.js';
