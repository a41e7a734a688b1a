// The contract between the importer core and the per-family mapping files in ./mapping/.
// A mapping turns one ONNX node (at the model's opset) into IR ops through a Lowerer. Older opsets
// whose attributes later became inputs (Clip min/max, Reduce* axes, Squeeze axes, Split, Pad, ...)
// are normalised here to the newest form, so IR ops have one semantics.

import type { DiagCode } from '../../ir/diagnostics.js';
import type { AttrValue, Region, Value } from '../../ir/ir.js';
import type { Loc } from '../../ir/location.js';
import type { Tensor } from '../../ir/tensor.js';
import type { TensorType } from '../../ir/types.js';

export interface OnnxNodeView {
  readonly opType: string;
  /** '' for the default ai.onnx domain. */
  readonly domain: string;
  readonly name: string;
  /** Opset version of the node's domain imported by the model. */
  readonly opset: number;
  /**
   * Operands in ONNX order; null where the ONNX input name is '' (omitted optional input) or
   * names an empty optional (EMPTY_OPTIONAL).
   */
  readonly inputs: readonly (Value | null)[];
  /** Number of ONNX outputs (including '' placeholders). */
  readonly numOutputs: number;
  /** Which outputs are wanted (false for '' placeholders). */
  readonly outputUsed: readonly boolean[];
  /** Non-graph attributes, converted to IR attribute values (INT stays 'int'; see `direct` for dtypes). */
  readonly attrs: ReadonlyMap<string, AttrValue>;
  /** Names of graph-valued attributes (subgraphs), importable with Lowerer.region. */
  readonly graphAttrs: readonly string[];
  readonly loc: Loc;
}

export interface EmitOptions {
  /** Number of results (default 1). */
  results?: number;
  regions?: Region[];
}

export interface Lowerer {
  /** Emit an IR op; result types come from the op's shape rule. */
  emit(op: string, operands: readonly (Value | null)[], attrs?: Record<string, AttrValue>, opts?: EmitOptions): Value[];
  /** An inline constant. */
  constant(t: Tensor): Value;
  /** An int64 constant (1-D by default; `shape` [] gives a scalar). */
  constInts(values: readonly number[], shape?: readonly number[]): Value;
  /** Constant value of an operand when known at import time (initializer or Constant node), else undefined. */
  constantOf(v: Value | null): Tensor | undefined;
  /** Import a graph attribute as a region. Its args are the subgraph's inputs; it ends with `yield`. */
  region(attrName: string, argTypes?: readonly (TensorType | undefined)[]): Region;
  /**
   * Build a new region (for ops whose ONNX form has no subgraph of that shape, e.g. a batch loop
   * around Scan-8's body): `body` receives the region's args; what it emits goes into the region,
   * and the values it returns are yielded.
   */
  buildRegion?(argTypes: readonly TensorType[], body: (args: readonly Value[]) => readonly Value[]): Region;
  /**
   * Import a graph attribute inline, its inputs bound to `inputs`: its ops go into the current
   * region (e.g. FlexAttention's score_mod); returns the values of its outputs.
   */
  inlineGraph?(attrName: string, inputs: readonly Value[]): Value[];
  /**
   * Forget a region built by `region`/`buildRegion` that will not be used (e.g. a loop body
   * imported again with wider types): frees its value names and the weights only it referenced.
   */
  discardRegion?(r: Region): void;
  /** Report an import error for this node (default code E204) and stop. */
  fail(message: string, code?: DiagCode): never;
}

/**
 * An empty optional value (ONNX `Optional()` without input): known at import time to hold no
 * element. A mapping returns it for such an output; a node that reads it sees null, exactly as
 * for an omitted optional input ('').
 */
export const EMPTY_OPTIONAL: unique symbol = Symbol('empty optional');

/** Returns the values for the node's outputs in order (null for outputs not produced). */
export type Lowering = (node: OnnxNodeView, b: Lowerer) => readonly (Value | null | typeof EMPTY_OPTIONAL)[];

export interface OpMapping {
  /** First opset version this lowering applies to (it applies until the next entry's `since`). */
  readonly since: number;
  readonly lower: Lowering;
}

/** Key: ONNX op_type for the default domain, `domain:op_type` for others. */
export type MappingTable = Readonly<Record<string, readonly OpMapping[]>>;
