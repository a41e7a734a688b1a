// The importer's one mapping table, keyed by ONNX op type (`domain:op_type` outside the default
// domain), with entries per opset version. Each op family contributes its part from its own file;
// a key must appear in only one family (checked at load).

import type { MappingTable } from '../mapping-api.js';
import { ELEMENTWISE_MAPPINGS } from './elementwise.js';
import { SHAPE_MAPPINGS } from './shape.js';
import { NN_MAPPINGS } from './nn.js';
import { QUANT_MAPPINGS } from './quant.js';
import { ATTENTION_MAPPINGS } from './attention.js';
import { REDUCE_MAPPINGS } from './reduce.js';
import { RNN_MAPPINGS } from './rnn.js';
import { MISC_MAPPINGS } from './misc.js';
import { CONTROL_MAPPINGS } from './control.js';
import { OPTIONAL_MAPPINGS } from './optional.js';
import { FLEX_ATTENTION_MAPPINGS } from './flex-attention.js';
import { ML_MAPPINGS } from './ml.js';
import { MS_FUSED_MAPPINGS } from './ms-fused.js';
import { MS_ATTENTION_MAPPINGS } from './ms-attention.js';
import { MS_LLM_MAPPINGS } from './ms-llm.js';
import { MS_QUANT_MAPPINGS } from './ms-quant.js';

const PARTS: readonly MappingTable[] = [
  ELEMENTWISE_MAPPINGS,
  SHAPE_MAPPINGS,
  NN_MAPPINGS,
  QUANT_MAPPINGS,
  ATTENTION_MAPPINGS,
  REDUCE_MAPPINGS,
  RNN_MAPPINGS,
  MISC_MAPPINGS,
  CONTROL_MAPPINGS,
  OPTIONAL_MAPPINGS,
  FLEX_ATTENTION_MAPPINGS,
  ML_MAPPINGS,
  MS_FUSED_MAPPINGS,
  MS_ATTENTION_MAPPINGS,
  MS_LLM_MAPPINGS,
  MS_QUANT_MAPPINGS,
];

function merge(parts: readonly MappingTable[]): MappingTable {
  const out: Record<string, MappingTable[string]> = {};
  for (const p of parts) {
    for (const [k, v] of Object.entries(p)) {
      if (out[k]) throw new Error(`ONNX op ${k} is mapped twice`);
      out[k] = [...v].sort((a, b) => a.since - b.since);
    }
  }
  return out;
}

export const MAPPINGS: MappingTable = merge(PARTS);
