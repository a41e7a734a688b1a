// ONNX -> IR mapping entries for the quant op family.
import type { MappingTable } from '../mapping-api.js';

export const QUANT_MAPPINGS: MappingTable = {
};
