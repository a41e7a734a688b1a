// ONNX -> IR mapping entries for the misc op family. IR ops have the newest opset's semantics;
// older entries make changed defaults explicit, rename attribute values or turn attributes that
// later became inputs into constant operands.
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

/** DFT-17 took the axis as an attribute (default 1); 20 made it an input (default -2). */
const dft17: Lowering = (node, b) => {
  const ax = node.attrs.get('axis');
  const axis = ax?.kind === 'int' ? ax.value : 1;
  const rest = new Map([...node.attrs].filter(([k]) => k !== 'axis'));
  const attrs = convertAttrs('dft', { ...node, attrs: rest }, b);
  return b.emit('dft', [node.inputs[0]!, node.inputs[1] ?? null, b.constInts([axis], [])], attrs);
};

export const MISC_MAPPINGS: MappingTable = {
  AffineGrid: [since(20, direct('affine_grid'))],
  GridSample: [since(16, gridSample16), since(20, direct('grid_sample'))],
  // RoiAlign-10 always used the output_half_pixel transform (16 added the attribute, default half_pixel).
  RoiAlign: [
    since(10, direct('roi_align', { set: { coordinate_transformation_mode: attr.string('output_half_pixel') } })),
    since(16, direct('roi_align')),
  ],
  DFT: [since(17, dft17), since(20, direct('dft'))],
  STFT: [since(17, direct('stft'))],
  HannWindow: [since(17, direct('hann_window'))],
  HammingWindow: [since(17, direct('hamming_window'))],
  BlackmanWindow: [since(17, direct('blackman_window'))],
  MelWeightMatrix: [since(17, direct('mel_weight_matrix'))],
  NegativeLogLikelihoodLoss: [since(12, direct('negative_log_likelihood_loss'))],
  SoftmaxCrossEntropyLoss: [since(12, direct('softmax_cross_entropy_loss'))],
  NonMaxSuppression: [since(10, direct('non_max_suppression'))],
  TfIdfVectorizer: [since(9, direct('tf_idf_vectorizer'))],
  Det: [since(11, direct('det'))],
  RandomUniform: [since(1, direct('random_uniform'))],
  RandomNormal: [since(1, direct('random_normal'))],
  RandomUniformLike: [since(1, direct('random_uniform_like'))],
  RandomNormalLike: [since(1, direct('random_normal_like'))],
  Bernoulli: [since(15, direct('bernoulli'))],
};
