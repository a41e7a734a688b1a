// Initializers -> module weights. raw_data stays in the model file (the weight records its byte
// range, nothing is copied), external data stays in its file; typed fields are re-packed inline.
// The store reads files lazily and caches each whole file once.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fail } from '../../ir/diagnostics.js';
import type { Weight, WeightSource, WeightStore } from '../../ir/ir.js';
import type { Loc } from '../../ir/location.js';
import type { Tensor } from '../../ir/tensor.js';
import { decodeBytes, sizeOf } from '../../ir/tensor.js';
import { plainBytes, type TensorProto } from './decode.js';
import { type TensorHeader, tensorBytes, tensorHeader } from './tensor-proto.js';

export class FileWeightStore implements WeightStore {
  private readonly files = new Map<string, Uint8Array>();
  constructor(readonly baseDir: string, preloaded: ReadonlyMap<string, Uint8Array> = new Map()) {
    for (const [k, v] of preloaded) this.files.set(k, plainBytes(v));
  }

  file(path: string): Uint8Array {
    let f = this.files.get(path);
    if (!f) {
      const full = join(this.baseDir, path);
      if (!existsSync(full)) fail('E101', `weight file not found: ${full}`);
      try {
        f = plainBytes(readFileSync(full));
      } catch (e) {
        return fail('E102', `cannot read ${full}: ${(e as Error).message}`);
      }
      this.files.set(path, f);
    }
    return f;
  }

  bytes(w: Weight): Uint8Array {
    const s = w.source;
    if (s.kind === 'inline') return s.bytes;
    const f = this.file(s.path);
    if (s.offset + s.length > f.length) fail('E107', `weight @${w.name}: bytes ${s.offset}..${s.offset + s.length} are outside ${s.path}`);
    return f.subarray(s.offset, s.offset + s.length);
  }
}

/** Initializers this small become inline constants (printed in the IR) rather than weights. */
export const INLINE_MAX_ELEMENTS = 16;

export type InitializerValue =
  | { readonly kind: 'inline'; readonly tensor: Tensor }
  | { readonly kind: 'weight'; readonly header: TensorHeader; readonly source: WeightSource };

/**
 * Where an initializer's data is. `file`/`fileBytes` are the model file's basename and bytes: a
 * raw_data view into fileBytes becomes a file range of the model itself.
 */
export function initializerValue(p: TensorProto, baseDir: string, file: string, fileBytes: Uint8Array, loc: Loc): InitializerValue {
  const h = tensorHeader(p, loc);
  const src = tensorBytes(p, h, baseDir, loc);
  if (src.kind === 'bytes' && sizeOf(h.shape) <= INLINE_MAX_ELEMENTS) {
    return { kind: 'inline', tensor: decodeBytes(h.dtype, h.shape, src.bytes) };
  }
  if (src.kind === 'external') {
    return { kind: 'weight', header: h, source: { kind: 'file', path: src.path, offset: src.offset, length: src.length } };
  }
  const b = src.bytes;
  const off = b.byteOffset - fileBytes.byteOffset;
  if (src.raw && b.buffer === fileBytes.buffer && off >= 0 && off + b.length <= fileBytes.length) {
    return { kind: 'weight', header: h, source: { kind: 'file', path: file, offset: off, length: b.length } };
  }
  return { kind: 'weight', header: h, source: { kind: 'inline', bytes: b.slice() } };
}
