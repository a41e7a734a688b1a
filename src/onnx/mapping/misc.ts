// ONNX -> IR mapping entries for the misc op family.
import type { MappingTable } from '../mapping-api.js';

export const MISC_MAPPINGS: MappingTable = {
};
