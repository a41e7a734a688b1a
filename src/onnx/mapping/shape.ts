// ONNX -> IR mapping entries for the shape op family.
import type { MappingTable } from '../mapping-api.js';

export const SHAPE_MAPPINGS: MappingTable = {
};
