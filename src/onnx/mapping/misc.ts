// ONNX -> IR mapping entries for the misc op family. IR ops have the newest opset's semantics;
// older entries make changed defaults explicit or rename attribute values.
import { attr } from '../../../ir/attrs.js';
import type { Lowering, MappingTable } from '../mapping-api.js';
import { convertAttrs, direct, since } from './helpers.js';

/** GridSample-16 spelled the modes bilinear/bicubic; 20 renamed them linear/cubic. */
const gridSample16: Lowering = (node, b) => {
  const attrs = convertAttrs('grid_sample', node, b);
  const m = attrs['mode'];
  if (m?.kind === 'string') attrs['mode'] = attr.string(m.value === 'bilinear' ? 'linear' : m.value === 'bicubic' ? 'cubic' : m.value);
  else attrs['mode'] = attr.string('linear');
  return b.emit('grid_sample', node.inputs, attrs);
};

export const MISC_MAPPINGS: MappingTable = {
  AffineGrid: [since(20, direct('affine_grid'))],
  GridSample: [since(16, gridSample16), since(20, direct('grid_sample'))],
  // RoiAlign-10 always used the output_half_pixel transform (16 added the attribute, default half_pixel).
  RoiAlign: [
    since(10, direct('roi_align', { set: { coordinate_transformation_mode: attr.string('output_half_pixel') } })),
    since(16, direct('roi_align')),
  ],
};
