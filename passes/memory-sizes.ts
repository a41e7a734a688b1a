// Byte sizes of planned buffers, and the symbol bindings that make symbolic shapes static.
//
// A buffer's size is its packed byte length (sub-byte dtypes packed, as in weight files). Symbolic
// dims (`batch`, `seq`) take the size bound to them by the `bind` option, else `defaultDim`; a
// `defaultDim` of 0 means "do not guess": such buffers are left unplanned. Unknown dims (`?`),
// unranked types and string tensors never have a size, so they are unplanned too.

import { fail } from '../ir/diagnostics.js';
import { DTYPE_INFO } from '../ir/dtype.js';
import type { TensorType } from '../ir/types.js';
import { UNKNOWN_DIM } from '../ir/types.js';

export interface DimBindings {
  /** Size of each named symbol. */
  readonly symbols: ReadonlyMap<string, number>;
  /** Size of a symbol not in `symbols`; 0 = such buffers are not planned. */
  readonly defaultDim: number;
}

export const NO_BINDINGS: DimBindings = { symbols: new Map(), defaultDim: 1 };

/**
 * Parse `batch:1;seq:128` (the pipeline option syntax separates options with commas, so pairs are
 * separated by `;`). Whitespace around names and numbers is ignored; an empty string binds nothing.
 */
export function parseBindings(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const part of text.split(';')) {
    if (part.trim() === '') continue;
    const colon = part.lastIndexOf(':');
    const name = colon < 0 ? '' : part.slice(0, colon).trim();
    const size = colon < 0 ? NaN : Number(part.slice(colon + 1).trim());
    if (name === '' || !Number.isInteger(size) || size < 0) {
      fail('E108', `plan-memory: bad binding '${part.trim()}' in bind=${text} (expected name:size;name:size, e.g. batch:1;seq:128)`);
    }
    out.set(name, size);
  }
  return out;
}

/** Canonical text of bindings, sorted by name: `batch:1;seq:128`. */
export function formatBindings(symbols: ReadonlyMap<string, number>): string {
  return [...symbols].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k}:${v}`).join(';');
}

/** Element count under the bindings, or undefined when it cannot be known. */
export function elementCount(type: TensorType, bind: DimBindings): number | undefined {
  if (type.shape === null) return undefined;
  let n = 1;
  for (const d of type.shape) {
    if (typeof d === 'number') n *= d;
    else if (d === UNKNOWN_DIM) return undefined;
    else {
      const s = bind.symbols.get(d) ?? bind.defaultDim;
      if (s <= 0 && !bind.symbols.has(d)) return undefined;
      n *= s;
    }
  }
  return n;
}

/** Packed byte size of a value of this type under the bindings, or undefined when it cannot be known. */
export function bufferBytes(type: TensorType, bind: DimBindings): number | undefined {
  if (type.dtype === 'string') return undefined;
  const n = elementCount(type, bind);
  return n === undefined ? undefined : Math.ceil((n * DTYPE_INFO[type.dtype].bits) / 8);
}
