// ONNX -> IR mapping entries for the rnn op family.
import type { MappingTable } from '../mapping-api.js';

export const RNN_MAPPINGS: MappingTable = {
};
