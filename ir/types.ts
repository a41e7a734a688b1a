// Tensor types: a dtype and a shape. A dim is a static size, a named symbol (`batch`, from ONNX
// dim_param) or `?` (unknown, e.g. a data-dependent size). `shape === null` means unranked.

import type { DType } from './dtype.js';

export type Dim = number | string;
export const UNKNOWN_DIM = '?';

export interface TensorType {
  readonly dtype: DType;
  readonly shape: readonly Dim[] | null;
}

export const tensorType = (dtype: DType, shape: readonly Dim[] | null): TensorType => ({ dtype, shape });

export const isStaticDim = (d: Dim): d is number => typeof d === 'number';
export const isStaticShape = (s: readonly Dim[] | null): s is readonly number[] => s !== null && s.every(isStaticDim);

export function dimEquals(a: Dim, b: Dim): boolean {
  return a === b;
}

/** Whether a dim is a plain name (a symbol such as `batch`) rather than an expression (ir/symbolic.ts). */
const isPlainDim = (d: Dim): boolean => typeof d === 'number' || d === UNKNOWN_DIM || IDENT.test(d) || !/[-+*(),%[]/.test(d);

/**
 * Two types are compatible when dtypes agree and every dim pair agrees or one side is `?`. A dim
 * expression (`batch*seq`, `%shape[0]`) is compatible with anything: two derivations of one size
 * need not reach the same canonical text, and its value is only known at run time.
 */
export function typesCompatible(a: TensorType, b: TensorType): boolean {
  if (a.dtype !== b.dtype) return false;
  if (a.shape === null || b.shape === null) return true;
  if (a.shape.length !== b.shape.length) return false;
  return a.shape.every((d, i) => {
    const e = b.shape![i]!;
    return d === UNKNOWN_DIM || e === UNKNOWN_DIM || d === e || !isPlainDim(d) || !isPlainDim(e);
  });
}

export function typesEqual(a: TensorType, b: TensorType): boolean {
  if (a.dtype !== b.dtype) return false;
  if (a.shape === null || b.shape === null) return a.shape === b.shape;
  return a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape![i]);
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Text form of a dim: a number, `?`, a symbol, or a quoted symbol when it is not an identifier. */
export function formatDim(d: Dim): string {
  if (typeof d === 'number' || d === UNKNOWN_DIM || IDENT.test(d)) return String(d);
  return JSON.stringify(d);
}

/** Text form of a type, shared by the printer and messages: `f32[batch,3,224,224]`, `i64[]`, `f32[*]`. */
export function formatType(t: TensorType): string {
  if (t.shape === null) return `${t.dtype}[*]`;
  return `${t.dtype}[${t.shape.map(formatDim).join(',')}]`;
}

/** Number of elements when static, else undefined. */
export function staticSize(shape: readonly Dim[] | null): number | undefined {
  if (!isStaticShape(shape)) return undefined;
  return shape.reduce((a, b) => a * b, 1);
}
