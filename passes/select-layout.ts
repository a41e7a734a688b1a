// select-layout: choose the activation layout of convolutions, pooling and per-channel norms for
// the target (NCHW, NHWC or blocked NCHW4c), rewrite conv weights to match at compile time, and
// cancel transposes. The number of transpose ops never grows.
//
// Design.
// - The spatial ops carry `layout` (operand 0), `out_layout` (result 0) and, for conv,
//   `weight_layout` attributes (ir/ops/nn-layout.ts). Reading one layout and writing another is
//   legal, so these "anchor" ops absorb layout conversions: a region converted to NHWC starts at
//   a conv that reads NCHW and writes NHWC (the model input stays NCHW, no transpose) and ends at
//   the op that writes NCHW again (e.g. global_average_pool before flatten/gemm, or the last
//   max_pool before flatten). That is how whole real models convert without any transpose.
// - Values joined through elementwise/broadcast ops and concat must share one layout (a "class",
//   see passes/layout-analysis.ts). Their constant operands follow: a [C,1,1] bias becomes
//   [1,1,1,C] in NHWC or [1,C/4,1,1,4] in NCHW4c; concat's axis is renumbered. Each class moves as
//   a unit (passes/layout-moves.ts).
// - A move costs transposes only where the class meets ops that cannot follow: a conversion after
//   a fixed producer (function argument, reshape, ...) and one before fixed users (flatten,
//   return, ...). A transpose next to the class instead composes with the move and disappears
//   when the composition is the identity. Moves are chosen greedily, one class at a time:
//     * a class around anchors moves to the target layout when that costs <= 0 transposes, and to
//       another layout only when that removes transposes;
//     * a class without anchors takes the permutation that cancels one of its transposes, when
//       that removes transposes (this cancels transpose pairs and pushes transposes through
//       elementwise ops until they meet and cancel).
//   Every applied move has cost <= 0, so transposes-after <= transposes-before; a single conv
//   between function boundaries stays NCHW (converting it would cost 2).
// - Blocked NCHW4c needs channel counts that are multiples of 4 and cannot be reached by a
//   transpose, so a class moves to it only when all its producers and users are anchors or
//   agnostic ops.
// - Finally every conv with a constant weight gets the weight layout of its compute layout (OHWI
//   for NHWC, OIhw4o for NCHW4c when O % 4 = 0), as a new weight or inline constant.
// Counters: transposes-before/-after (transpose ops in the module), ops-converted (spatial ops whose
// layouts changed and ops whose operands were rearranged), weights-rewritten (new constants: packed
// conv weights and rearranged broadcast constants).
// Assumes a verified module. Afterwards: it verifies, the interpreter's results are bitwise the
// same (layout changes only move data; the reference kernels unpack to NCHW), and running the pass
// again changes nothing. Nested regions are handled one at a time; values from enclosing regions
// count as fixed producers there.

import type { Func, Module, Op, Region } from '../ir/ir.js';
import { constantValue } from '../ir/infer.js';
import { getOpDef } from '../ir/op-def.js';
import { LAYOUTS, layoutSupport, packWeight, unpackWeight, type Layout, type WeightLayout, BLOCK } from '../ir/ops/nn-layout.js';
import { attr } from '../ir/attrs.js';
import type { Pass, PassContext, PassOptions, PassResult } from './pass.js';
import { analyseRegion, type LayoutClass } from './layout-analysis.js';
import {
  anchorLayouts, applyMove, invert, layoutRelayout, moveCost, Names, newConst, permRelayout,
  type MoveEnv, type Relayout,
} from './layout-moves.js';

interface Choice { rel: Relayout; cost: number }

function chooseMove(cls: LayoutClass, target: Layout, allowed: readonly Layout[]): Choice | undefined {
  if (cls.layout === 'mixed') return undefined;
  let best: Choice | undefined;
  const consider = (rel: Relayout, free: boolean): void => {
    const cost = moveCost(cls, rel);
    if (cost === undefined || cost > 0 || (cost === 0 && !free)) return;
    if (!best || cost < best.cost) best = { rel, cost };
  };
  if (cls.layout !== null) {
    const from = cls.layout;
    for (const to of [target, ...LAYOUTS.filter((l) => l !== target)]) {
      if (to !== from && allowed.includes(to)) consider(layoutRelayout(from, to, cls.rank), to === target);
    }
    return best;
  }
  // No anchors: try the permutations that turn one neighbouring transpose into the identity.
  const byValue = new Set(cls.members.map((m) => m.value));
  const seen = new Set<string>();
  for (const t of cls.transposes) {
    const rank = t.operands[0]!.type.shape!.length;
    const pa = t.attrs.get('perm');
    const p = pa?.kind === 'ints' ? pa.value.map((a) => (a < 0 ? a + rank : a)) : Array.from({ length: rank }, (_, i) => rank - 1 - i);
    const candidates = [];
    if (byValue.has(t.results[0]!)) candidates.push(invert(p));
    if (byValue.has(t.operands[0]!)) candidates.push(p);
    for (const c of candidates) {
      const key = c.join(',');
      if (seen.has(key)) continue;
      seen.add(key);
      consider(permRelayout(c, null, 't'), false);
    }
  }
  return best;
}

function valueNames(f: Func): Set<string> {
  const used = new Set<string>();
  const visit = (r: Region): void => {
    for (const a of r.args) used.add(a.name);
    for (const op of r.ops) {
      for (const v of op.results) used.add(v.name);
      for (const inner of op.regions) visit(inner);
    }
  };
  visit(f.body);
  return used;
}

function processRegion(region: Region, target: Layout, allowed: readonly Layout[], env: Omit<MoveEnv, 'region'>): void {
  const menv: MoveEnv = { ...env, region };
  // Each applied move has cost <= 0 and either removes a transpose or moves a class to the
  // target for good; the bound only guards against a bug looping forever.
  const maxRounds = 4 * region.ops.length + 8;
  for (let round = 0; round < maxRounds; round++) {
    const { classes } = analyseRegion(region, env.module);
    // Classes sharing a transpose with an applied move wait for the next round's fresh analysis.
    const busy = new Set<Op>();
    let applied = false;
    for (const cls of classes) {
      if (cls.transposes.some((t) => busy.has(t))) continue;
      const move = chooseMove(cls, target, allowed);
      if (!move) continue;
      for (const t of applyMove(cls, move.rel, menv)) busy.add(t);
      applied = true;
    }
    if (!applied) break;
  }
  for (const op of [...region.ops]) for (const r of op.regions) processRegion(r, target, allowed, env);
}

/** The weight packing that suits a conv computing in its output layout (or input, if that is NCHW). */
function wantedWeightLayout(input: Layout, output: Layout, outChannels: number): WeightLayout {
  const compute = output !== 'nchw' ? output : input;
  if (compute === 'nhwc') return 'ohwi';
  if (compute === 'nchw4c' && outChannels % BLOCK === 0) return 'oihw4o';
  return 'oihw';
}

function repackWeights(region: Region, env: MoveEnv): void {
  const cache = new Map<string, Op>();
  for (const op of [...region.ops]) {
    for (const r of op.regions) repackWeights(r, { ...env, region: r });
    if (!layoutSupport(getOpDef(op.name)).weight) continue;
    const w = op.operands[1];
    const t = w?.def?.name === 'const' ? constantValue(w.def, env.module) : undefined;
    if (!w || !t || t.shape.length < 3) continue;
    const wa = op.attrs.get('weight_layout');
    const current = (wa?.kind === 'string' ? wa.value : 'oihw') as WeightLayout;
    const logical = unpackWeight(t, current);
    const { input, output } = anchorLayouts(op);
    const want = wantedWeightLayout(input, output, logical.shape[0]!);
    if (want === current) continue;
    const key = `${w.name}\u0000${want}`;
    let k = cache.get(key);
    if (!k) {
      k = newConst(env, w.def!, packWeight(logical, want), want);
      region.ops.splice(region.ops.indexOf(op), 0, k);
      cache.set(key, k);
      env.replacedConsts.add(w.def!);
    }
    op.operands[1] = k.results[0]!;
    if (want === 'oihw') op.attrs.delete('weight_layout'); else op.attrs.set('weight_layout', attr.string(want));
    env.converted.add(op);
  }
}

/** Drop replaced const ops that lost their last use, then weights no const refers to any more. */
function removeDeadConsts(module: Module, replaced: ReadonlySet<Op>): void {
  if (replaced.size === 0) return;
  const dropped = new Set<string>();
  for (const f of module.funcs) {
    const used = new Set<unknown>();
    const count = (r: Region): void => {
      for (const op of r.ops) {
        for (const v of op.operands) used.add(v);
        for (const inner of op.regions) count(inner);
      }
    };
    count(f.body);
    const prune = (r: Region): void => {
      r.ops = r.ops.filter((op) => {
        if (!replaced.has(op) || used.has(op.results[0])) return true;
        const v = op.attrs.get('value');
        if (v?.kind === 'weight') dropped.add(v.value);
        return false;
      });
      for (const op of r.ops) for (const inner of op.regions) prune(inner);
    };
    prune(f.body);
  }
  if (dropped.size === 0) return;
  const referenced = new Set<string>();
  const refs = (r: Region): void => {
    for (const op of r.ops) {
      for (const a of op.attrs.values()) if (a.kind === 'weight') referenced.add(a.value);
      for (const inner of op.regions) refs(inner);
    }
  };
  for (const f of module.funcs) refs(f.body);
  for (const name of dropped) if (!referenced.has(name)) module.weights.delete(name);
}

export function countTransposes(module: Module): number {
  let n = 0;
  const visit = (r: Region): void => {
    for (const op of r.ops) {
      if (op.name === 'transpose') n++;
      for (const inner of op.regions) visit(inner);
    }
  };
  for (const f of module.funcs) visit(f.body);
  return n;
}

function run(module: Module, ctx: PassContext, options: PassOptions): PassResult {
  const opt = String(options.layout ?? 'auto');
  const target = (opt === 'auto' ? ctx.target.layout : opt) as Layout;
  if (!(LAYOUTS as readonly string[]).includes(target)) throw new Error(`select-layout: unknown layout '${target}'`);
  // An explicit layout option is the user's choice; 'auto' stays within what the target's kernels
  // implement (a backend lowering refuses the others with E201).
  const allowed: readonly Layout[] = opt === 'auto' ? (ctx.target.layouts ?? LAYOUTS) : LAYOUTS;
  if (!allowed.includes(target)) throw new Error(`select-layout: target '${ctx.target.name}' prefers layout '${target}' but does not list it in its layouts`);
  const before = countTransposes(module);
  const replacedConsts = new Set<Op>();
  const converted = new Set<Op>();
  const counters = { weights: 0 };
  for (const f of module.funcs) {
    const names = new Names(valueNames(f));
    const env = { module, body: f.body, names, replacedConsts, converted, counters };
    processRegion(f.body, target, allowed, env);
    repackWeights(f.body, { ...env, region: f.body });
  }
  removeDeadConsts(module, replacedConsts);
  const after = countTransposes(module);
  if (after > before) throw new Error(`select-layout: transposes grew from ${before} to ${after}`);
  const changed = converted.size > 0 || after !== before || counters.weights > 0;
  return {
    changed,
    counters: {
      'transposes-before': before,
      'transposes-after': after,
      'ops-converted': converted.size,
      'weights-rewritten': counters.weights,
    },
  };
}

export const selectLayoutPass: Pass = {
  name: 'select-layout',
  summary: 'Choose NCHW/NHWC/NCHW4c per target for conv, pooling and norms; repack conv weights; cancel transposes.',
  options: {
    layout: {
      type: 'string', default: 'auto', choices: ['auto', ...LAYOUTS],
      summary: "activation layout for spatial ops; 'auto' takes the target profile's",
    },
  },
  run,
};
