// ONNX -> IR mapping entries for the rnn op family.
// RNN/GRU/LSTM-7 and -14 differ only by the `layout` attribute (default 0 = the opset-7 layout) and
// -22 only widens the types, so one direct entry from opset 7 covers them. Opsets below 7 (RNN-1's
// output_sequence, GRU-3, LSTM-1) are not supported: the importer reports them as unsupported.

import type { MappingTable } from '../mapping-api.js';
import { direct, since } from './helpers.js';

export const RNN_MAPPINGS: MappingTable = {
  RNN: [since(7, direct('rnn'))],
  GRU: [since(7, direct('gru'))],
  LSTM: [since(7, direct('lstm'))],
};
