// The runtime's arena planner. The compiler cannot fix offsets for symbolic dims, so the manifest
// lists every arena buffer with its shape (symbols allowed) and live range in kernel steps; here
// they are placed for the bound sizes: largest first, each at the lowest aligned offset that does
// not overlap a placed buffer whose live range intersects its own. Deterministic (ties by index).
// Run once per distinct binding and cached by the loader.

import { TenthRuntimeError } from './errors.js';

export interface PlanBuffer {
  readonly shape: readonly (number | string)[];
  readonly esize: number;
  readonly kind: string;
  /** 'half': a WebGPU --f16 intermediate, placed in the half arena (default: the word arena). */
  readonly arena?: 'half';
  readonly first?: number;
  readonly last?: number;
}

export interface ArenaPlan {
  /** Byte offset in the arena per buffer index (-1 for weights and the other arena's buffers). */
  readonly offsets: number[];
  readonly bytes: number;
}

export function bufferBytes(b: PlanBuffer, bind: Readonly<Record<string, number>>): number {
  let n = b.esize;
  for (const d of b.shape) {
    const v = typeof d === 'number' ? d : bind[d];
    if (v === undefined) throw new TenthRuntimeError('E501', `tenth runtime: symbol '${d}' is not bound`);
    n *= v;
  }
  return n;
}

/**
 * WebGPU --f16 keeps f32 intermediates as f16 in a second arena `AH` (array<f16>, a binding of its
 * own): the buffers marked `arena: 'half'`. Everything else lives in the word arena `A`.
 */
export const inHalfArena = (b: PlanBuffer): boolean => b.arena === 'half';

/** Place the buffers of one arena (default: the word arena; 'half': the --f16 activations). */
export function planArena(buffers: readonly PlanBuffer[], bind: Readonly<Record<string, number>>, alignment: number, arena: 'words' | 'half' = 'words'): ArenaPlan {
  const offsets = buffers.map(() => -1);
  const mine = (b: PlanBuffer): boolean => b.kind !== 'weight' && inHalfArena(b) === (arena === 'half');
  const size = buffers.map((b) => (!mine(b) ? 0 : Math.ceil(bufferBytes(b, bind) / alignment) * alignment || alignment));
  const order = buffers.map((_b, i) => i).filter((i) => mine(buffers[i]!))
    .sort((a, b) => size[b]! - size[a]! || a - b);
  const placed: number[] = [];
  let bytes = 0;
  for (const i of order) {
    const b = buffers[i]!;
    const clash = placed.filter((j) => (buffers[j]!.first ?? 0) <= (b.last ?? 0) && (b.first ?? 0) <= (buffers[j]!.last ?? 0))
      .sort((x, y) => offsets[x]! - offsets[y]!);
    let at = 0;
    for (const j of clash) {
      if (at + size[i]! <= offsets[j]!) break;
      at = Math.max(at, offsets[j]! + size[j]!);
    }
    offsets[i] = at;
    placed.push(i);
    bytes = Math.max(bytes, at + size[i]!);
  }
  return { offsets, bytes };
}
