// NonZero and Compress: ops whose result size depends on the input values (../../data-dims.ts).
// The kernel counts, lays its results out for the count and stores it with KernelCtx.setCount.
//
// Both run as ONE workgroup of 256 threads (the dispatch cannot depend on the count) scanning its
// input in chunks of 256 elements, in order: each thread flags its element, the flags are packed
// into 8 words of workgroup memory, and each thread's place among the kept elements of the chunk
// is the number of set bits before its own (countOneBits over the words before it and the low
// bits of its own), added to the running total of the chunks before. Two barriers per chunk
// suffice: flags are rewritten only after the packing that read them (barrier 2), and the packed
// words only after every thread read them (barrier 1 of the next chunk).
// A layout whose row stride is the count (NonZero's [rank, n]; Compress along an axis with
// something before it) needs the count first: a sweep that only counts (atomicAdd of per-thread
// counts) comes before the scan. The counted dim itself is never read (it holds the bound while
// this dispatch runs); every write lands below count * row size <= the bound's buffer.
//
// "Nonzero" / "true" is the interpreter's truthiness of the value: +-0 is false, NaN true, and
// f32 registers are tested by their bits, so a GPU that flushes subnormals in compares still
// counts them. Registers hold what the arena stores (storage.ts): f64 is kept as f32 (an f64
// below f32's range reads 0), 64-bit integers as their low word; graph inputs of i64/u64 are
// refused beyond 32 bits by the runtime and results computed here are narrowed, so the low word
// decides for every arena value.

import { compressAxis } from '../../data-dims.js';
import type { Value } from '../../../../ir/ir.js';
import { coords, type KernelCtx, type KernelDef, type SpecialShader } from '../kernel-api.js';
import { addU, divU, modU, mulU, REG, u32 } from '../wgsl.js';

const WG = 256;
const ONE: SpecialShader['dispatch'] = [{ dims: [], div: 1 }, { dims: [], div: 1 }, { dims: [], div: 1 }];

/** bool WGSL expression: register value `v` of dtype `dtype` is nonzero. */
function truth(dtype: string, v: string): string {
  switch (REG[dtype]) {
    case 'f32': return `((bitcast<u32>(${v}) & 0x7fffffffu) != 0u)`;
    case 'i32': return `(${v} != 0i)`;
    case 'u32': return `(${v} != 0u)`;
    default: return v;
  }
}

const isZero = (e: string): boolean => e === '0u';
const minU = (a: string, b: string): string => (/^[0-9]+u$/.test(a) && /^[0-9]+u$/.test(b) ? u32(Math.min(Number(a.slice(0, -1)), Number(b.slice(0, -1)))) : `min(${a}, ${b})`);

/** Declarations every scan needs: the flags of a chunk, their 8 packed words, the test of element j of `v`. */
const scanDecls = (k: KernelCtx, v: Value): string[] => [
  `var<workgroup> dsa_f: array<u32, ${WG}>;`, `var<workgroup> dsa_m: array<u32, ${WG / 32}>;`,
  `fn dsa_keep(j: u32) -> bool {\n  return ${truth(v.type.dtype, k.load(v, 'j'))};\n}`,
];
const SCAN_BYTES = 4 * (WG + WG / 32);

/** The counting sweep: `let dsa_n = ...` = how many j < len satisfy dsa_keep(j); returns 'dsa_n'. */
function countSweep(k: KernelCtx, len: string): string {
  const b = k.body;
  b.line('if (lid == 0u) { atomicStore(&dsa_c, 0u); }');
  b.line('workgroupBarrier();');
  b.line('var dsa_own = 0u;');
  b.line(`for (var j = lid; j < ${len}; j += ${u32(WG)}) { if (dsa_keep(j)) { dsa_own++; } }`);
  b.line('atomicAdd(&dsa_c, dsa_own);');
  b.line('workgroupBarrier();');
  b.line('let dsa_n = atomicLoad(&dsa_c);');
  return 'dsa_n';
}

/**
 * The scan over j < len in chunks of WG: dsa_keep(j) flags an element; inside
 * the loop, `onChunk` prints the work of one chunk with `f` (this thread's flag), `j`, `p` (its
 * place among all kept elements so far), `cc` (kept in this chunk) and `total` (kept before this
 * chunk) in scope. After the loop `total` is the count.
 */
function scan(k: KernelCtx, len: string, onChunk: () => void): void {
  const b = k.body;
  b.line('var total = 0u;');
  b.block(`for (var c0 = 0u; c0 < ${len}; c0 += ${u32(WG)})`, () => {
    b.line('let j = c0 + lid;');
    b.line('var f = false;');
    // Read only inside the bounds (j < len), never the element past the end.
    b.line(`if (j < ${len}) { f = dsa_keep(j); }`);
    b.line('dsa_f[lid] = select(0u, 1u, f);');
    b.line('workgroupBarrier();');
    b.line(`if (lid < ${u32(WG / 32)}) { var w = 0u; for (var t = 0u; t < 32u; t++) { w |= dsa_f[lid * 32u + t] << t; } dsa_m[lid] = w; }`);
    b.line('workgroupBarrier();');
    b.line('let wi = lid >> 5u;');
    b.line('var before = countOneBits(dsa_m[wi] & ((1u << (lid & 31u)) - 1u));');
    b.line('var cc = 0u;');
    b.line(`for (var w = 0u; w < ${u32(WG / 32)}; w++) { let bits = countOneBits(dsa_m[w]); cc += bits; if (w < wi) { before += bits; } }`);
    b.line('let p = total + before;');
    onChunk();
    b.line('total += cc;');
  });
}

// ---------------------------------------------------------------------------------------------
// NonZero: Y[a * n + p] = coordinate a of the p-th nonzero element (row-major order).

const NONZERO: KernelDef = {
  kind: 'special',
  // An empty input still counts (0), and its result [rank, n] has no static zero.
  emptyOperands: true,
  emit(k, op) {
    const x = op.operands[0]!;
    const xd = k.dims(x);
    const rank = xd.length;
    const N = k.size(xd);
    const b = k.body;
    if (isZero(N)) {
      // A static zero dim: nothing to scan (and coordinate arithmetic over it would divide by 0).
      b.block('if (lid == 0u)', () => k.setCount(op, '0u'));
      return { decls: [], workgroupSize: [WG, 1, 1], dispatch: ONE, fold: false, workgroupBytes: 0 };
    }
    const decls = scanDecls(k, x);
    let bytes = SCAN_BYTES;
    // Rows after the first start at a * n: the count is needed before writing.
    let n = '0u';
    if (rank > 1) {
      decls.push('var<workgroup> dsa_c: atomic<u32>;');
      bytes += 4;
      n = countSweep(k, N);
    }
    scan(k, N, () => {
      b.block('if (f)', () => {
        const c = coords(k, 'j', xd);
        c.forEach((ca, a) => b.line(`epi(${addU(mulU(u32(a), n), 'p')}, i32(${ca}));`));
      });
    });
    b.block('if (lid == 0u)', () => k.setCount(op, 'total'));
    return { decls, workgroupSize: [WG, 1, 1], dispatch: ONE, fold: false, workgroupBytes: bytes };
  },
};

// ---------------------------------------------------------------------------------------------
// Compress: Y[(o * n + p) * inner + t] = X[(o * D + j) * inner + t] for the p-th true condition
// entry j among the first min(len(condition), D) (a longer condition, which the interpreter
// refuses, reads and writes nothing past D). Without axis the input is flattened (outer = inner = 1).
// Kept indices of a chunk go to workgroup memory so all threads copy their slices together.

const COMPRESS: KernelDef = {
  kind: 'special',
  emptyOperands: true,
  emit(k, op) {
    const [x, c] = op.operands as [Value, Value];
    const xd = k.dims(x), cd = k.dims(c);
    const { hasAxis, axis } = compressAxis(op, xd.length, cd.length, (m) => k.fail(op, m));
    const outer = hasAxis ? k.size(xd.slice(0, axis)) : '1u';
    const D = hasAxis ? k.dim(xd[axis]!) : k.size(xd);
    const inner = hasAxis ? k.size(xd.slice(axis + 1)) : '1u';
    const b = k.body;
    const len = b.let('dsa_len', minU(k.dim(cd[0]!), D));
    const decls = [...scanDecls(k, c), `var<workgroup> dsa_j: array<u32, ${WG}>;`];
    let bytes = SCAN_BYTES + 4 * WG;
    // Slices of o > 0 start at o * n: the count is needed before writing.
    let n = '0u';
    if (outer !== '1u') {
      decls.push('var<workgroup> dsa_c: atomic<u32>;');
      bytes += 4;
      n = countSweep(k, len);
    }
    // Nothing to copy when the slices are empty (no division by a constant zero `inner` either).
    const copies = !isZero(outer) && !isZero(inner);
    scan(k, len, () => {
      if (!copies) return;
      b.line('if (f) { dsa_j[before] = j; }');
      b.line('workgroupBarrier();');
      b.block(`for (var e = lid; e < ${mulU(mulU(outer, 'cc'), inner)}; e += ${u32(WG)})`, () => {
        const t = b.let('t', modU('e', inner));
        const r = b.let('r', divU('e', inner));
        const q = b.let('q', outer === '1u' ? r : `${r} % cc`);
        const o = outer === '1u' ? '0u' : b.let('o', `${r} / cc`);
        const src = addU(mulU(addU(mulU(o, D), `dsa_j[${q}]`), inner), t);
        const dst = addU(mulU(addU(addU(mulU(o, n), 'total'), q), inner), t);
        b.line(`epi(${dst}, ${k.load(x, src)});`);
      });
    });
    b.block('if (lid == 0u)', () => k.setCount(op, 'total'));
    return { decls, workgroupSize: [WG, 1, 1], dispatch: ONE, fold: false, workgroupBytes: bytes };
  },
};

export const DATA_SIZED_A_KERNELS: ReadonlyArray<readonly [string, KernelDef]> = [
  ['nonzero', NONZERO],
  ['compress', COMPRESS],
];
