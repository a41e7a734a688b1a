// ONNX -> IR mapping entries for the elementwise op family.
import type { MappingTable } from '../mapping-api.js';

export const ELEMENTWISE_MAPPINGS: MappingTable = {
};
