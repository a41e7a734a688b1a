// The relaxed-SIMD variant of a printed module: every folded `(f32x4.add X (f32x4.mul Y Z))` (or
// with the operands swapped) whose operands have no side effects becomes
// `(f32x4.relaxed_madd Y Z X)`. That covers the GEMM micro-kernel's accumulation and any other
// kernel written the same way. relaxed_madd may or may not fuse (one rounding instead of two), so
// results can differ from the plain module in the last bit; both are within ONNX tolerances.
// The rewrite works on the text, innermost first, so it is deterministic and needs no kernel to
// know about the variant.

const ADD = '(f32x4.add ';
const MUL = '(f32x4.mul ';
/** Instructions that write state or call out: reordering their evaluation could change results. */
const IMPURE = /\b(local\.set|local\.tee|global\.set|call|call_indirect|\w+\.store\w*|memory\.\w+)\b/;

/** End (exclusive) of the expression starting at `at` (after spaces), or -1. */
function exprEnd(s: string, at: number): number {
  if (s[at] !== '(') {
    let i = at;
    while (i < s.length && !/[\s()]/.test(s[i]!)) i++;
    return i > at ? i : -1;
  }
  let depth = 0;
  for (let i = at; i < s.length; i++) {
    if (s[i] === '(') depth++;
    else if (s[i] === ')' && --depth === 0) return i + 1;
  }
  return -1;
}

const skipSpace = (s: string, i: number): number => { while (i < s.length && /\s/.test(s[i]!)) i++; return i; };

/** The two operands of the folded instruction starting at `at` with `head`, and its end; or null. */
function operands(s: string, at: number, head: string): { a: string; b: string; end: number } | null {
  if (!s.startsWith(head, at)) return null;
  const a0 = skipSpace(s, at + head.length);
  const a1 = exprEnd(s, a0);
  if (a1 < 0) return null;
  const b0 = skipSpace(s, a1);
  const b1 = exprEnd(s, b0);
  if (b1 < 0) return null;
  const close = skipSpace(s, b1);
  if (s[close] !== ')') return null;
  return { a: s.slice(a0, a1), b: s.slice(b0, b1), end: close + 1 };
}

/** Rewrite multiply-adds to f32x4.relaxed_madd; returns the new text and how many were rewritten. */
export function relaxWat(wat: string): { wat: string; count: number } {
  let s = wat;
  let count = 0;
  for (let at = s.lastIndexOf(ADD); at >= 0; at = at === 0 ? -1 : s.lastIndexOf(ADD, at - 1)) {
    const add = operands(s, at, ADD);
    if (!add) continue;
    const [acc, prod] = add.b.startsWith(MUL) ? [add.a, add.b] : add.a.startsWith(MUL) ? [add.b, add.a] : [null, null];
    if (acc === null || prod === null) continue;
    const mul = operands(prod, 0, MUL);
    if (!mul || mul.end !== prod.length) continue;
    if ([acc, mul.a, mul.b].some((e) => IMPURE.test(e))) continue;
    s = `${s.slice(0, at)}(f32x4.relaxed_madd ${mul.a} ${mul.b} ${acc})${s.slice(add.end)}`;
    count++;
  }
  return { wat: s, count };
}
