// The planning half of einsum-matmul: reads an einsum's equation and operand types and decides,
// without touching the IR, which transpose / reshape / unsqueeze / squeeze / reduce_sum steps
// around one matmul (or mul) compute it. einsum-matmul.ts turns a plan into ops.
//
// Label roles for two operands A, B and output O (after summing labels only one operand has):
//   batch: in A, B and O (matmul's batch dims; a size-1 side broadcasts)
//   M: in A and O only   N: in B and O only   K: in A and B, not in O (contracted)
// A becomes [batch, M, K], B [batch, K, N], the product [batch, M, N] is put back in O's order.
// Groups of several M (N, K) labels merge into one dim with a reshape when their sizes are static;
// a reshape cannot write the product of symbols, so several M (N) labels with a symbol keep all
// but the last as extra batch dims (the other operand gets size-1 dims there and matmul
// broadcasts), and several K labels with a symbol are not mapped. No K: a broadcasting mul (outer
// product, Hadamard). No M and no N: mul then reduce_sum (dot products). Not mapped: diagonals
// (a label twice in one operand), three or more operands, sizes that broadcast anywhere but a batch
// label, unknown ('?') or zero sizes, and reshapes whose target needs a symbol product.

import type { Dim } from '../ir/types.js';
import { UNKNOWN_DIM } from '../ir/types.js';
import { dimProd } from '../ir/symbolic.js';
import { reshapeSpec } from './rules/layout.js';
import { type EinsumLabels, parseEinsum } from '../ir/einsum-equation.js';

export type Step =
  | { readonly op: 'reduce_sum'; readonly axes: number[] }
  | { readonly op: 'transpose'; readonly perm: number[] }
  | { readonly op: 'reshape'; readonly spec: number[] }
  | { readonly op: 'unsqueeze'; readonly axes: number[] }
  | { readonly op: 'squeeze'; readonly axes: number[] };

/** Steps per operand (in operand order), how the prepared operands combine (`left` is the
 *  operand that goes first), and the steps on the combined value. */
export interface EinsumPlan {
  readonly form: 'copy' | 'matmul' | 'mul' | 'dot';
  readonly operands: readonly (readonly Step[])[];
  readonly combine: 'matmul' | 'mul' | undefined;
  readonly left: number;
  /** Rank of each prepared operand (in operand order). */
  readonly ranks: readonly number[];
  readonly after: readonly Step[];
}

export type Labelled = EinsumLabels;

/** The shared parser (ir/einsum-equation.ts); undefined for an equation the op would reject. */
export function parseEquation(eq: string, ranks: readonly number[]): Labelled | undefined {
  try {
    return parseEinsum(eq, ranks, (m) => { throw new Rejected(m); });
  } catch (e) {
    if (e instanceof Rejected) return undefined;
    throw e;
  }
}

class Rejected extends Error {}
class Unmappable extends Error {}
const refuse = (): never => { throw new Unmappable(); };

/** One operand (or the combined value) as it goes through the planned steps. */
class Track {
  readonly steps: Step[] = [];
  constructor(public labels: string[], public dims: Dim[]) {}

  sum(drop: readonly string[]): void {
    if (drop.length === 0) return;
    const axes = drop.map((l) => this.labels.indexOf(l)).sort((a, b) => a - b);
    this.steps.push({ op: 'reduce_sum', axes });
    const keep = (_: unknown, i: number): boolean => !axes.includes(i);
    this.labels = this.labels.filter(keep);
    this.dims = this.dims.filter(keep);
  }

  permute(order: readonly string[]): void {
    const perm = order.map((l) => this.labels.indexOf(l));
    if (perm.some((p) => p < 0) || perm.length !== this.labels.length) throw new Error('einsum-plan: bad permutation');
    if (perm.every((p, i) => p === i)) return;
    this.steps.push({ op: 'transpose', perm });
    this.labels = perm.map((p) => this.labels[p]!);
    this.dims = perm.map((p) => this.dims[p]!);
  }

  /** Reshape to `dims` (labels are meaningless afterwards); refused when no spec works for every size. */
  reshape(dims: readonly Dim[]): void {
    if (dims.length === this.dims.length && dims.every((d, i) => d === this.dims[i])) return;
    this.steps.push({ op: 'reshape', spec: reshapeSpec(this.dims, dims) ?? refuse() });
    this.dims = [...dims];
    this.labels = [];
  }

  /** Insert size-1 dims at `axes` (positions in the result, ascending). */
  unsqueeze(axes: readonly number[]): void {
    if (axes.length === 0) return;
    this.steps.push({ op: 'unsqueeze', axes: [...axes] });
    for (const a of axes) this.dims.splice(a, 0, 1);
    this.labels = [];
  }

  squeeze(axes: readonly number[]): void {
    if (axes.length === 0) return;
    this.steps.push({ op: 'squeeze', axes: [...axes] });
    this.dims = this.dims.filter((_, i) => !axes.includes(i));
    this.labels = [];
  }
}

const range = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => from + i);
const isStatic = (d: Dim): d is number => typeof d === 'number';

/**
 * The plan for an einsum with operand shapes `shapes` and result shape `out`, or undefined when
 * it is not mapped (see the top of the file). Among the exact plans that `accept` takes it picks
 * the one with the fewest data-moving steps (transposes count three, other steps one; nothing for
 * the steps of an operand `folded` says is a constant moved at compile time, unless they sum).
 */
export function planEinsum(
  eq: string, shapes: readonly (readonly Dim[])[], out: readonly Dim[],
  accept: (p: EinsumPlan) => boolean = () => true, folded: readonly boolean[] = [],
): EinsumPlan | undefined {
  if (shapes.length < 1 || shapes.length > 2) return undefined;
  if ([...shapes, out].some((s) => s.some((d) => d === UNKNOWN_DIM || d === 0))) return undefined;
  const p = parseEquation(eq, shapes.map((s) => s.length));
  if (!p || [...p.inputs, p.output].some((ls) => new Set(ls).size !== ls.length)) return undefined;
  if (p.output.length !== out.length) return undefined;
  const outDim = new Map(p.output.map((l, i) => [l, out[i]!]));
  const tracks = (): Track[] => p.inputs.map((ls, i) => new Track([...ls], [...shapes[i]!]));
  const candidates: (() => EinsumPlan)[] = [];
  if (shapes.length === 1) candidates.push(() => unary(tracks()[0]!, p.output));
  else {
    for (const layout of LAYOUTS) candidates.push(() => binary(tracks(), p.output, outDim, layout));
  }
  let best: EinsumPlan | undefined, bestCost = Infinity;
  for (const c of candidates) {
    let plan: EinsumPlan;
    try { plan = c(); } catch (e) { if (e instanceof Unmappable) continue; throw e; }
    if (!accept(plan)) continue;
    const paid = plan.operands.filter((st, i) => !folded[i] || st.some((x) => x.op === 'reduce_sum'));
    const cost = [...paid.flat(), ...plan.after].reduce((n, s) => n + (s.op === 'transpose' ? 3 : 1), 0);
    if (cost < bestCost) { best = plan; bestCost = cost; }
  }
  return best;
}

/** One operand: sum the labels the output lacks, then transpose into the output's order. */
function unary(x: Track, output: readonly string[]): EinsumPlan {
  x.sum(x.labels.filter((l) => !output.includes(l)));
  x.permute(output);
  return { form: 'copy', operands: [x.steps], combine: undefined, left: 0, ranks: [x.dims.length], after: [] };
}

/** One way to lay out a binary einsum; planEinsum tries them all and keeps the cheapest. */
interface Layout {
  /** Operand 1 goes first (it holds the M labels). */
  readonly swap: boolean;
  /** Order the K labels as in A (0) or in B (1). */
  readonly kFrom: number;
  /** Keep all but the last M (N) label as broadcast batch dims instead of merging them. */
  readonly extraM: boolean;
  readonly extraN: boolean;
  /** The broadcast dims go before the shared batch dims (then B needs no size-1 dims for them). */
  readonly extrasFirst: boolean;
}

export const LAYOUTS: readonly Layout[] = [false, true].flatMap((swap) => [0, 1].flatMap((kFrom) => [false, true].flatMap((extraM) =>
  [false, true].flatMap((extraN) => [false, true].map((extrasFirst) => ({ swap, kFrom, extraM, extraN, extrasFirst }))))));

function binary(ts: Track[], output: readonly string[], outDim: ReadonlyMap<string, Dim>, o: Layout): EinsumPlan {
  const [a, b] = (o.swap ? [ts[1]!, ts[0]!] : ts) as [Track, Track];
  // Labels only one operand has and the output lacks are summed in that operand first.
  a.sum(a.labels.filter((l) => !output.includes(l) && !b.labels.includes(l)));
  b.sum(b.labels.filter((l) => !output.includes(l) && !a.labels.includes(l)));
  const inA = (l: string): boolean => a.labels.includes(l), inB = (l: string): boolean => b.labels.includes(l);
  const dimIn = (t: Track, l: string): Dim => t.dims[t.labels.indexOf(l)]!;
  const batch = output.filter((l) => inA(l) && inB(l));
  const K = (o.kFrom === 0 ? a.labels : b.labels).filter((l) => inA(l) && inB(l) && !output.includes(l));
  // Shared labels must have equal sizes; a size-1 side may broadcast only on a batch label.
  for (const l of [...batch, ...K]) {
    const da = dimIn(a, l), db = dimIn(b, l);
    if (da !== db && !(batch.includes(l) && (da === 1 || db === 1))) refuse();
  }
  const M = output.filter((l) => inA(l) && !inB(l)), N = output.filter((l) => inB(l) && !inA(l));
  const nb = batch.length;
  const plan = (form: EinsumPlan['form'], combine: 'matmul' | 'mul', after: Track): EinsumPlan =>
    ({
      form, operands: o.swap ? [b.steps, a.steps] : [a.steps, b.steps], combine, left: o.swap ? 1 : 0,
      ranks: o.swap ? [b.dims.length, a.dims.length] : [a.dims.length, b.dims.length], after: after.steps,
    });
  if (K.length === 0) {
    // Outer products and elementwise products: A [batch, M, 1...], B [batch, 1..., N].
    if (o.extraM || o.extraN || o.extrasFirst || o.kFrom !== 0) refuse();
    a.permute([...batch, ...M]);
    b.permute([...batch, ...N]);
    a.unsqueeze(range(nb + M.length, N.length));
    if (nb > 0) b.unsqueeze(range(nb, M.length));
    const r = new Track([...batch, ...M, ...N], []);
    r.permute(output);
    return plan('mul', 'mul', r);
  }
  if (M.length === 0 && N.length === 0) {
    // Dot products per batch index: mul, then sum the K dims.
    if (o.extraM || o.extraN || o.extrasFirst) refuse();
    a.permute([...batch, ...K]);
    b.permute([...batch, ...K]);
    const r = new Track([...batch, ...K], []);
    r.sum(K);
    return plan('dot', 'mul', r);
  }
  const kDims = K.map((l) => dimIn(a, l));
  if (K.length > 1 && !kDims.every(isStatic)) refuse();
  // Several M (N) labels merge into one dim only when their sizes are static (a reshape cannot
  // write a product of symbols); otherwise, or when the layout asks, all but the last stay as
  // broadcast batch dims.
  const split = (g: readonly string[], t: Track, extra: boolean): [string[], string[]] => {
    if (extra && g.length < 2) refuse();
    return extra || !g.every((l) => isStatic(dimIn(t, l))) ? [g.slice(0, -1), g.slice(-1)] : [[], [...g]];
  };
  const [Mx, Mm] = split(M, a, o.extraM), [Nx, Nm] = split(N, b, o.extraN);
  if (o.extrasFirst && Mx.length + Nx.length === 0) refuse();
  const merged = (t: Track, g: readonly string[]): Dim[] => (g.length === 0 ? [] : [dimProd(g.map((l) => dimIn(t, l)))]);
  const dimsOf = (t: Track, g: readonly string[]): Dim[] => g.map((l) => dimIn(t, l));
  // Batch parts, right-aligned as matmul broadcasts them:
  //   extras first: A [Mx, 1 per Nx, batch]   B [Nx, batch]
  //   batch first:  A [batch, Mx, 1 per Nx]   B [batch, 1 per Mx, Nx]  (no leading 1s when no batch)
  const preA = o.extrasFirst ? [...Mx, ...batch] : [...batch, ...Mx];
  const preB = o.extrasFirst ? [...Nx, ...batch] : [...batch, ...Nx];
  const onesA = o.extrasFirst ? Mx.length : nb + Mx.length;
  // A: [preA, Mm..., K...] -> [preA with 1s, M, K]; a vector when nothing else is left.
  a.permute([...preA, ...Mm, ...K]);
  a.reshape([...dimsOf(a, preA), ...merged(a, Mm), ...merged(a, K)]);
  const aVector = preA.length === 0 && Nx.length === 0 && Mm.length === 0;
  if (!aVector) a.unsqueeze([...range(onesA, Nx.length), ...(Mm.length === 0 ? [preA.length + Nx.length] : [])]);
  // B: [preB, K..., Nm...] -> [preB with 1s, K, N].
  b.permute([...preB, ...K, ...Nm]);
  b.reshape([...dimsOf(b, preB), ...merged(b, K), ...merged(b, Nm)]);
  const bVector = preB.length === 0 && Nm.length === 0 && (o.extrasFirst || nb === 0);
  const onesB = !o.extrasFirst && nb > 0 ? range(nb, Mx.length) : [];
  if (!bVector) b.unsqueeze([...onesB, ...(Nm.length === 0 ? [preB.length + onesB.length + 1] : [])]);
  // The product: [lead, M?, N?] -> [lead, Mm..., Nm...] -> the output's order.
  const lead = o.extrasFirst ? [...Mx, ...Nx, ...batch] : [...batch, ...Mx, ...Nx];
  const out = (g: readonly string[]): Dim[] => g.map((l) => outDim.get(l)!);
  const mDim = aVector ? [] : Mm.length === 0 ? [1] : [dimProd(out(Mm))];
  const nDim = bVector ? [] : Nm.length === 0 ? [1] : [dimProd(out(Nm))];
  const r = new Track([], [...out(lead), ...mDim, ...nDim]);
  if (Mm.length >= 2 || Nm.length >= 2) r.reshape(out([...lead, ...Mm, ...Nm]));
  else r.squeeze([...(mDim.length === 1 && Mm.length === 0 ? [lead.length] : []), ...(nDim.length === 1 && Nm.length === 0 ? [lead.length + mDim.length] : [])]);
  r.labels = [...lead, ...Mm, ...Nm];
  r.permute(output);
  return plan('matmul', 'matmul', r);
}

/**
 * Whether the einsum is a plain (batched) matrix product with static shapes: two operands, every
 * label batch, M, N or K with one size everywhere (no broadcasting, nothing summed in one operand)
 * and at least 128 flops. These are the einsums the wasm backend's einsum kernel already runs on
 * its packed register-blocked GEMM (src/backends/wasm/kernels/einsum-gemm.ts, same conditions),
 * less those without a contracted label (outer products), which a broadcasting mul does as well.
 */
export function plainContraction(eq: string, shapes: readonly (readonly Dim[])[], out: readonly Dim[]): boolean {
  if (shapes.length !== 2 || ![...shapes, out].every((s) => s.every(isStatic))) return false;
  const p = parseEquation(eq, shapes.map((s) => s.length));
  if (!p || p.output.length !== out.length || [...p.inputs, p.output].some((ls) => new Set(ls).size !== ls.length)) return false;
  const size = new Map<string, number>();
  const all: [readonly string[], readonly Dim[]][] = [[p.inputs[0]!, shapes[0]!], [p.inputs[1]!, shapes[1]!], [p.output, out]];
  for (const [ls, dims] of all) {
    for (let d = 0; d < ls.length; d++) {
      if ((size.get(ls[d]!) ?? dims[d]) !== dims[d]) return false;
      size.set(ls[d]!, dims[d] as number);
    }
  }
  const [la, lb] = p.inputs as [string[], string[]];
  if ([...size.keys()].some((l) => !p.output.includes(l) && !(la.includes(l) && lb.includes(l)))) return false;
  const prod = (ls: readonly string[]): number => ls.reduce((n, l) => n * size.get(l)!, 1);
  const M = prod(p.output.filter((l) => la.includes(l) && !lb.includes(l)));
  const N = prod(p.output.filter((l) => lb.includes(l) && !la.includes(l)));
  const Kl = la.filter((l) => lb.includes(l) && !p.output.includes(l));
  return Kl.length > 0 && 2 * M * N * prod(Kl) >= 128;
}

/**
 * Equations that contract three or more operands pairwise, left to right: step i takes the running
 * result and operand i + 1 and keeps the labels the output or a later operand still needs (the
 * running result's first, in order, then the new operand's). Labels are renamed to letters, so
 * ellipsis dims come out named. Undefined for diagonals, fewer than three operands or more than 52
 * labels.
 */
export function pairwiseEquations(eq: string, ranks: readonly number[]): string[] | undefined {
  if (ranks.length < 3) return undefined;
  const p = parseEquation(eq, ranks);
  if (!p || [...p.inputs, p.output].some((ls) => new Set(ls).size !== ls.length)) return undefined;
  const labels = [...new Set([...p.inputs.flat(), ...p.output])];
  const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  if (labels.length > LETTERS.length) return undefined;
  const letter = (ls: readonly string[]): string => ls.map((l) => LETTERS[labels.indexOf(l)]!).join('');
  const eqs: string[] = [];
  let acc = p.inputs[0]!;
  for (let i = 1; i < p.inputs.length; i++) {
    const x = p.inputs[i]!;
    const later = new Set([...p.output, ...p.inputs.slice(i + 1).flat()]);
    const last = i === p.inputs.length - 1;
    const out = last ? p.output : [...acc, ...x.filter((l) => !acc.includes(l))].filter((l) => later.has(l));
    eqs.push(`${letter(acc)},${letter(x)}->${letter(out)}`);
    acc = out;
  }
  return eqs;
}
