// ONNX -> IR mapping entries for the reduce op family.
import type { MappingTable } from '../mapping-api.js';

export const REDUCE_MAPPINGS: MappingTable = {
};
