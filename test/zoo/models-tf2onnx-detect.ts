// Zoo models for the tf2onnx family, detection post-processing (see models-tf2onnx.ts): the TF
// Object Detection API's and EfficientDet's box decoding from anchors, NonMaxSuppression ->
// Slice/Squeeze/GatherND of the selected indices -> TopK of min(count, k) -> Pad to a fixed
// maximum, tf.boolean_mask as NonZero -> Transpose -> GatherND, and tf.map_fn over the batch as a
// Loop whose trip count is read from Shape.

import { Graph } from './graph.js';
import { f32, finish, nameLast, type ZooModel } from './models-common.js';

/** Name the last node's output and pass it through an Identity, as tf2onnx ends every output. */
export function output(g: Graph, x: string, name: string): void {
  g.op('Identity', [x]);
  nameLast(g, name);
}

const ANCHORS = 24, CLASSES = 2, MAX_PER_CLASS = 4, MAX_TOTAL = 10;

/** Anchors (ycenter, xcenter, h, w) on a 3x4 grid with two sizes per cell, as a constant. */
function anchors(g: Graph): string {
  const v: number[] = [];
  for (let a = 0; a < ANCHORS; a++) {
    const cell = a >> 1, s = a & 1 ? 0.35 : 0.2;
    v.push((Math.floor(cell / 4) + 0.5) / 3, ((cell % 4) + 0.5) / 4, s, s * 1.3);
  }
  return g.constant('f32', [ANCHORS, 4], v);
}

/**
 * The TF Object Detection API's faster_rcnn box coder (scale factors 10, 10, 5, 5): Split the
 * codes in four, ycenter = ty / 10 * ha + yca, h = exp(th / 5) * ha, corners by Sub / Add of half
 * the size, Concat-ed as (ymin, xmin, ymax, xmax). `codes` is [..., ANCHORS, 4].
 */
function decodeBoxes(g: Graph, codes: string, axis: number): string {
  const [ty, tx, th, tw] = g.opN('Split', [codes], 4, { axis, split: [1, 1, 1, 1] });
  const [ya, xa, ha, wa] = g.opN('Split', [anchors(g)], 4, { axis: 1, split: [1, 1, 1, 1] });
  const yc = g.op('Add', [g.op('Mul', [g.op('Div', [ty!, g.f32s(10)]), ha!]), ya!]);
  const xc = g.op('Add', [g.op('Mul', [g.op('Div', [tx!, g.f32s(10)]), wa!]), xa!]);
  const half = (t: string, a: string): string => g.op('Mul', [g.op('Mul', [g.op('Exp', [g.op('Div', [t, g.f32s(5)])]), a]), g.f32s(0.5)]);
  const hh = half(th!, ha!), hw = half(tw!, wa!);
  return g.op('Concat', [g.op('Sub', [yc, hh]), g.op('Sub', [xc, hw]), g.op('Add', [yc, hh]), g.op('Add', [xc, hw])], { axis });
}

/**
 * SSD post-processing as tf2onnx exports it (opset 11): boxes decoded from anchors, Sigmoid class
 * scores Transpose-d to (batch, classes, anchors), NonMaxSuppression with max_output_boxes / IoU /
 * score thresholds as Constant inputs, the selected (batch, class, box) triples taken apart by
 * Slice + Squeeze and Gather, boxes and scores picked by GatherND, the best min(count, 10) by TopK
 * with k computed from Shape through int32 / float Casts and Min, and every detection output padded to a
 * fixed 10 rows with Pad (pads = [0, 10 - k] built by Sub and Concat); num_detections as a float
 * Cast of k, class ids as floats + 1 (TF's label offset). The batch is symbolic; the top 10 are
 * taken over the whole batch and each detection's image is returned.
 */
export function ssdPostprocessTf2onnx(): ZooModel {
  const g = new Graph(72);
  const boxes = g.in('Postprocessor/Decode', () => decodeBoxes(g, 'raw_box_encodings', 2));
  const scores = g.op('Transpose', [g.op('Sigmoid', ['raw_class_predictions'])], { perm: [0, 2, 1] });
  const sel = g.in('Postprocessor/NMS', () =>
    g.op('NonMaxSuppression', [boxes, scores, g.i64([MAX_PER_CLASS]), g.constant('f32', [1], [0.5]), g.constant('f32', [1], [0.6])], { center_point_box: 0 }));
  const column = (c: number): string => g.op('Squeeze', [g.op('Slice', [sel, g.i64([c]), g.i64([c + 1]), g.i64([1])])], { axes: [1] });
  const imageOf = column(0), classOf = column(1);
  const selBoxes = g.op('GatherND', [boxes, g.op('Gather', [sel, g.i64([0, 2])], { axis: 1 })]);
  const selScores = g.op('GatherND', [scores, sel]);
  // k = min(count, 10): TF's int32 size; Min before opset 12 takes floats only, so tf2onnx Casts
  // int32 -> float for it and float -> int64 for TopK.
  const count = g.op('Cast', [g.op('Cast', [g.op('Shape', [selScores])], { to: 6 })], { to: 1 });
  const k = g.op('Cast', [g.op('Min', [count, g.constant('f32', [1], [MAX_TOTAL])])], { to: 7 });
  const [topScores, top] = g.opN('TopK', [selScores, k], 2, { axis: 0, largest: 1, sorted: 1 });
  const padRows = g.op('Sub', [g.i64([MAX_TOTAL]), k]);
  const pad1 = (t: string): string => g.op('Pad', [t, g.op('Concat', [g.i64([0]), padRows], { axis: 0 })], { mode: 'constant' });
  const detBoxes = g.op('Pad', [g.op('Gather', [selBoxes, top!], { axis: 0 }), g.op('Concat', [g.i64([0, 0]), padRows, g.i64([0])], { axis: 0 }), g.f32s(0)], { mode: 'constant' });
  output(g, detBoxes, 'detection_boxes');
  output(g, pad1(topScores!), 'detection_scores');
  const cls = g.op('Add', [g.op('Cast', [g.op('Gather', [classOf, top!], { axis: 0 })], { to: 1 }), g.f32s(1)]);
  output(g, pad1(cls), 'detection_classes');
  output(g, pad1(g.op('Gather', [imageOf, top!], { axis: 0 })), 'detection_image');
  output(g, g.op('Cast', [k], { to: 1 }), 'num_detections');
  return finish(g, 'ssd_postprocess_tf2onnx',
    [{ name: 'raw_box_encodings', dtype: 'f32', shape: ['unk__612', ANCHORS, 4] }, { name: 'raw_class_predictions', dtype: 'f32', shape: ['unk__612', ANCHORS, CLASSES] }],
    [f32('detection_boxes', [MAX_TOTAL, 4]), f32('detection_scores', [MAX_TOTAL]), f32('detection_classes', [MAX_TOTAL]),
      { name: 'detection_image', dtype: 'i64', shape: [MAX_TOTAL] }, f32('num_detections', [1])],
    [{ unk__612: 1 }, { unk__612: 2 }, { unk__612: 3 }], 11);
}

/**
 * tf.map_fn(per-image NMS, batch) as tf2onnx writes it (opset 11): a Loop whose trip count is the
 * batch read from Shape (int32 through Cast chains, TF's maximum_iterations), its condition
 * `i < n` (Less) recomputed in the body with an int32 counter carried; the body Gathers one image,
 * Unsqueeze-s boxes and scores to NMS's batch layout, runs NonMaxSuppression, Slice + Squeeze of
 * the box column, Gathers the kept boxes and scores and Pads them to a fixed 5 rows
 * (non_max_suppression_padded); the padded rows and the valid count are the Loop's scan outputs.
 */
export function ssdMapFnTf2onnx(): ZooModel {
  const MAX = 5;
  const g = new Graph(73);
  const boxes = g.in('Decode', () => decodeBoxes(g, 'raw_box_encodings', 2));
  const scores = g.op('Sigmoid', ['raw_scores']);
  const n = g.op('Gather', [g.op('Cast', [g.op('Shape', ['raw_scores'])], { to: 6 }), g.constant('i32', [], [0])], { axis: 0 });
  const trips = g.op('Cast', [n], { to: 7 });
  const cond0 = g.op('Less', [g.constant('i32', [], [0]), n]);
  const b = new Graph(74);
  b.scope = '/map/while';
  const box = b.op('Unsqueeze', [b.op('Gather', [boxes, 'iter'], { axis: 0 })], { axes: [0] });
  const score = b.op('Unsqueeze', [b.op('Gather', [scores, 'iter'], { axis: 0 })], { axes: [0, 1] });
  const sel = b.op('NonMaxSuppression', [box, score, b.i64([MAX]), b.constant('f32', [1], [0.5]), b.constant('f32', [1], [0.68])]);
  const idx = b.op('Squeeze', [b.op('Slice', [sel, b.i64([2]), b.i64([3]), b.i64([1])])], { axes: [1] });
  const count = b.op('Shape', [idx]);
  const padRows = b.op('Sub', [b.i64([MAX]), count]);
  const kept = b.op('Gather', [b.op('Squeeze', [box], { axes: [0] }), idx], { axis: 0 });
  const keptBoxes = b.op('Pad', [kept, b.op('Concat', [b.i64([0, 0]), padRows, b.i64([0])], { axis: 0 }), b.f32s(0)], { mode: 'constant' });
  const keptScores = b.op('Pad', [b.op('Gather', [b.op('Squeeze', [score], { axes: [0, 1] }), idx], { axis: 0 }), b.op('Concat', [b.i64([0]), padRows], { axis: 0 })], { mode: 'constant' });
  const valid = b.op('Squeeze', [b.op('Cast', [count], { to: 6 })], { axes: [0] });
  const next = b.op('Add', ['i', b.constant('i32', [], [1])]);
  const condOut = b.op('Less', [next, n]);
  const body = {
    name: 'map_while_body',
    inputs: [{ name: 'iter', dtype: 'i64' as const, shape: [] }, { name: 'cond_in', dtype: 'bool' as const, shape: [] }, { name: 'i', dtype: 'i32' as const, shape: [] }],
    outputs: [{ name: condOut, dtype: 'bool' as const, shape: [] }, { name: next, dtype: 'i32' as const, shape: [] },
      { name: keptBoxes, dtype: 'f32' as const, shape: [MAX, 4] }, { name: keptScores, dtype: 'f32' as const, shape: [MAX] }, { name: valid, dtype: 'i32' as const, shape: [] }],
    nodes: b.nodes,
  };
  const [, nmsBoxes, nmsScores, nmsValid] = g.opN('Loop', [trips, cond0, g.constant('i32', [], [0])], 4, { body });
  output(g, nmsBoxes!, 'nmsed_boxes');
  output(g, nmsScores!, 'nmsed_scores');
  output(g, nmsValid!, 'valid_detections');
  return finish(g, 'ssd_map_fn_tf2onnx',
    [{ name: 'raw_box_encodings', dtype: 'f32', shape: ['unk__701', ANCHORS, 4] }, { name: 'raw_scores', dtype: 'f32', shape: ['unk__701', ANCHORS] }],
    [f32('nmsed_boxes', ['unk__702', MAX, 4]), f32('nmsed_scores', ['unk__703', MAX]), { name: 'valid_detections', dtype: 'i32', shape: ['unk__704'] }],
    [{ unk__701: 1 }, { unk__701: 3 }], 11);
}

/**
 * EfficientDet (automl) post-processing as tf2onnx exports it (opset 13): Sigmoid class scores
 * flattened per image to (batch, anchors x classes), a pre-NMS TopK of a constant 8, anchor and
 * class ids by integer Div and Mod, GatherND with batch_dims = 1 of the box codes and a Gather of
 * the anchors by those ids, the faster_rcnn box decoding; then tf.boolean_mask(top, score > 0.7)
 * as NonZero -> Transpose -> GatherND (a count known only at run time) and detection ids as
 * tf.range(count) in int32 (Shape -> Gather -> Cast -> Range -> Cast).
 */
export function efficientdetPostprocessTf2onnx(): ZooModel {
  const K = 8;
  const g = new Graph(81);
  const flat = g.op('Reshape', [g.op('Sigmoid', ['class_outputs']), g.i64([0, ANCHORS * CLASSES])]);
  const [topScores, topIdx] = g.opN('TopK', [flat, g.i64([K])], 2, { axis: 1, largest: 1, sorted: 1 });
  const anchor = g.op('Div', [topIdx!, g.i64s(CLASSES)]), cls = g.op('Mod', [topIdx!, g.i64s(CLASSES)]);
  const codes = g.op('GatherND', ['box_outputs', g.op('Unsqueeze', [anchor, g.i64([2])])], { batch_dims: 1 });
  // Decoding against the gathered anchors: (B, K, 4) codes, (B, K, 4) anchors.
  const [ty, tx, th, tw] = g.opN('Split', [codes, g.i64([1, 1, 1, 1])], 4, { axis: 2 });
  const [ya, xa, ha, wa] = g.opN('Split', [g.op('Gather', [anchors(g), anchor], { axis: 0 }), g.i64([1, 1, 1, 1])], 4, { axis: 2 });
  const yc = g.op('Add', [g.op('Mul', [g.op('Div', [ty!, g.f32s(10)]), ha!]), ya!]);
  const xc = g.op('Add', [g.op('Mul', [g.op('Div', [tx!, g.f32s(10)]), wa!]), xa!]);
  const half = (t: string, a: string): string => g.op('Mul', [g.op('Mul', [g.op('Exp', [g.op('Div', [t, g.f32s(5)])]), a]), g.f32s(0.5)]);
  const hh = half(th!, ha!), hw = half(tw!, wa!);
  const boxes = g.op('Concat', [g.op('Sub', [yc, hh]), g.op('Sub', [xc, hw]), g.op('Add', [yc, hh]), g.op('Add', [xc, hw])], { axis: 2 });
  const det = g.op('Concat', [boxes, g.op('Unsqueeze', [topScores!, g.i64([2])]), g.op('Unsqueeze', [g.op('Cast', [cls], { to: 1 }), g.i64([2])])], { axis: 2 });
  const keep = g.op('Transpose', [g.op('NonZero', [g.op('Greater', [topScores!, g.f32s(0.7)])])], { perm: [1, 0] });
  const kept = g.op('GatherND', [det, keep]);
  output(g, kept, 'detections');
  const count = g.op('Cast', [g.op('Gather', [g.op('Shape', [kept]), g.i64s(0)], { axis: 0 })], { to: 6 });
  output(g, g.op('Range', [g.constant('i32', [], [0]), count, g.constant('i32', [], [1])]), 'detection_ids');
  return finish(g, 'efficientdet_postprocess_tf2onnx',
    [{ name: 'class_outputs', dtype: 'f32', shape: ['unk__931', ANCHORS, CLASSES] }, { name: 'box_outputs', dtype: 'f32', shape: ['unk__931', ANCHORS, 4] }],
    [f32('detections', ['unk__932', 6]), { name: 'detection_ids', dtype: 'i32', shape: ['unk__933'] }],
    [{ unk__931: 1 }, { unk__931: 3 }], 13);
}

