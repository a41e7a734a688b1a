// Kernels of the indexing family (see the README's WASM backend section): gather/scatter ops,
// top_k and other index-driven ops, plus the misc ops without a kernel elsewhere (trigonometric
// unary ops, bit ops, pools and norms, grid sampling, signal ops, det, tf_idf_vectorizer).
// Out-of-range indices never make a kernel write outside its result: gathers and scatters refuse
// them at run time (index-check.ts), the others say whether they clamp or skip them (one_hot's
// are defined by ONNX). Later entries of the kernel table override earlier ones.

import type { KernelDef } from '../kernel-api.js';
import { GATHER_ND_KERNEL } from './index-gather.js';
import { SCATTER_ELEMENTS_KERNEL, SCATTER_ND_KERNEL, TENSOR_SCATTER_KERNEL } from './index-scatter.js';
import { CENTER_CROP_PAD_KERNEL, ONE_HOT_KERNEL, REVERSE_SEQUENCE_KERNEL } from './index-seq.js';
import { TOP_K_KERNEL } from './index-topk.js';
import { BIT_CAST_KERNEL, BIT_SHIFT_KERNEL, EYE_LIKE_KERNEL } from './misc-bits.js';
import { CUM_ANY_KERNEL } from './misc-cum.js';
import { DEFORM_CONV_KERNEL } from './misc-deform.js';
import { GRID_SAMPLE_KERNEL, ROI_ALIGN_KERNEL } from './misc-grid.js';
import { AFFINE_GRID_KERNEL, COL2IM_KERNEL } from './misc-image.js';
import { DET_KERNEL } from './misc-linalg.js';
import { GROUP_NORM_KERNEL, LRN_KERNEL, MVN_KERNEL } from './misc-norm.js';
import { GLOBAL_LP_POOL_KERNEL, LP_NORM_KERNEL, LP_POOL_KERNEL, MAX_UNPOOL_KERNEL } from './misc-pool.js';
import { DFT_KERNEL, MEL_KERNEL, STFT_KERNEL, WINDOW_KERNEL, WINDOW_OPS } from './misc-signal.js';
import { TF_IDF_KERNEL } from './misc-tfidf.js';
import { TRIG_KERNEL, TRIG_OPS } from './misc-unary.js';

export const EXT_INDEXING: readonly (readonly [string, KernelDef])[] = [
  // Gathers, scatters and other index-driven data movement (index-*.ts).
  ['gather_nd', GATHER_ND_KERNEL],
  ['scatter_elements', SCATTER_ELEMENTS_KERNEL], ['scatter_nd', SCATTER_ND_KERNEL], ['tensor_scatter', TENSOR_SCATTER_KERNEL],
  ['top_k', TOP_K_KERNEL],
  ['reverse_sequence', REVERSE_SEQUENCE_KERNEL], ['one_hot', ONE_HOT_KERNEL], ['center_crop_pad', CENTER_CROP_PAD_KERNEL],
  // Elementwise odds and ends: trigonometric/hyperbolic ops, bit ops, eye_like.
  ...TRIG_OPS.map((n) => [n, TRIG_KERNEL] as const),
  ['bit_shift', BIT_SHIFT_KERNEL], ['bit_cast', BIT_CAST_KERNEL], ['eye_like', EYE_LIKE_KERNEL],
  // cum_sum/cum_prod on f64 or with a run-time axis; the rest delegates to the reduce-cum kernel.
  ['cum_sum', CUM_ANY_KERNEL], ['cum_prod', CUM_ANY_KERNEL],
  // Pools and norms.
  ['lp_pool', LP_POOL_KERNEL], ['global_lp_pool', GLOBAL_LP_POOL_KERNEL], ['lp_normalization', LP_NORM_KERNEL], ['max_unpool', MAX_UNPOOL_KERNEL],
  ['group_normalization', GROUP_NORM_KERNEL], ['lrn', LRN_KERNEL], ['mean_variance_normalization', MVN_KERNEL],
  // Spatial sampling and image rearrangement.
  ['grid_sample', GRID_SAMPLE_KERNEL], ['roi_align', ROI_ALIGN_KERNEL], ['deform_conv', DEFORM_CONV_KERNEL],
  ['affine_grid', AFFINE_GRID_KERNEL], ['col2im', COL2IM_KERNEL],
  // Signal processing, linear algebra, text features.
  ['dft', DFT_KERNEL], ['stft', STFT_KERNEL], ['mel_weight_matrix', MEL_KERNEL], ...WINDOW_OPS.map((n) => [n, WINDOW_KERNEL] as const),
  ['det', DET_KERNEL], ['tf_idf_vectorizer', TF_IDF_KERNEL],
];
