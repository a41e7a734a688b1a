// ONNX -> IR mapping entries for the nn op family.
import type { MappingTable } from '../mapping-api.js';

export const NN_MAPPINGS: MappingTable = {
};
