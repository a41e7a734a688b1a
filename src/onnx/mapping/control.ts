// ONNX -> IR mapping entries for the control op family.
import type { MappingTable } from '../mapping-api.js';

export const CONTROL_MAPPINGS: MappingTable = {
};
