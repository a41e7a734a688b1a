// ONNX -> IR mapping entries for the attention op family.
import type { MappingTable } from '../mapping-api.js';

export const ATTENTION_MAPPINGS: MappingTable = {
};
