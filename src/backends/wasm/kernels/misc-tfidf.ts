// tf_idf_vectorizer on integer tokens (i32/i64; string pools are refused like the interpreter
// does). The n-gram pool is static, so it becomes a trie at compile time: a module function maps
// (node, token) to the child node (or -1) and another gives a node's output column (-1 for a
// prefix that is not itself a counted n-gram). The kernel then walks the trie from every start
// position and skip distance exactly as the interpreter's loops do (unigrams only in the first
// pass), counting into the f32 result, and finally applies TF / IDF / TFIDF with the weights.

import type { Op } from '../../../../ir/ir.js';
import { add, addr, get, i32, mul } from '../emitter.js';
import type { KernelCtx, KernelDef } from '../kernel-api.js';

interface Trie { edges: [number, bigint, number][]; cols: number[]; outSize: number }

/** The interpreter's n-gram map (buildNgrams) as a trie: node 0 is the root. */
function buildTrie(op: Op): Trie {
  const ints = (n: string): number[] => ((op.attrs.get(n)?.value as (number | bigint)[] | undefined) ?? []).map(Number);
  const pool = ((op.attrs.get('pool_int64s')?.value as (number | bigint)[] | undefined) ?? []).map((v) => BigInt(v));
  const counts = ints('ngram_counts'), indexes = ints('ngram_indexes');
  const minN = Number(op.attrs.get('min_gram_length')?.value), maxN = Number(op.attrs.get('max_gram_length')?.value);
  const nodeOf = new Map<string, number>([['', 0]]);
  const edges: [number, bigint, number][] = [];
  const cols = [-1];
  const node = (toks: readonly bigint[]): number => {
    const key = toks.join(',');
    const known = nodeOf.get(key);
    if (known !== undefined) return known;
    const parent = node(toks.slice(0, -1));
    const id = cols.length;
    cols.push(-1);
    nodeOf.set(key, id);
    edges.push([parent, toks[toks.length - 1]!, id]);
    return id;
  };
  let id = 0;
  for (let g = 0; g < counts.length; g++) {
    const size = g + 1;
    const start = counts[g]!, end = g + 1 < counts.length ? counts[g + 1]! : pool.length;
    const n = Math.floor((end - start) / size);
    for (let k = 0; k < n; k++, id++) {
      if (size < minN || size > maxN) continue;
      cols[node(pool.slice(start + k * size, start + (k + 1) * size))] = indexes[id]!;
    }
  }
  return { edges, cols, outSize: Math.max(...indexes) + 1 };
}

function emitTfIdf(k: KernelCtx, op: Op): void {
  const x = op.operands[0]!, y = op.results[0]!;
  if (x.type.dtype !== 'i64' && x.type.dtype !== 'i32') k.fail(op, `tf_idf_vectorizer on ${x.type.dtype} tokens is not supported by the wasm backend`);
  if (!op.attrs.get('pool_int64s')) k.fail(op, 'tf_idf_vectorizer needs pool_int64s (string pools are not supported)');
  const trie = buildTrie(op);
  const xd = k.dims(x);
  const rows = xd.length === 2 ? k.dim(xd[0]!) : i32(1), len = xd.length === 0 ? i32(1) : k.dim(xd[xd.length - 1]!);
  const minN = Number(op.attrs.get('min_gram_length')?.value), maxN = Number(op.attrs.get('max_gram_length')?.value);
  const maxSkip = Number(op.attrs.get('max_skip_count')?.value);
  const mode = String(op.attrs.get('mode')?.value);
  const weights = (op.attrs.get('weights')?.value as number[] | undefined) ?? [];
  const out = trie.outSize;
  // One step function and one column function per op (named by its result, so two ops never clash).
  const tag = y.name.replace(/[^A-Za-z0-9_]/g, '_');
  const step = k.moduleFunc(`tfidf_step_${tag}`, [
    `(func $tfidf_step_${tag} (param $node i32) (param $tok i64) (result i32)`,
    ...trie.edges.map(([p, t, c]) => `  (if (i32.and (i32.eq (local.get $node) (i32.const ${p})) (i64.eq (local.get $tok) (i64.const ${t}))) (then (return (i32.const ${c}))))`),
    '  (i32.const -1))',
  ].join('\n'));
  const colOf = k.moduleFunc(`tfidf_col_${tag}`, [
    `(func $tfidf_col_${tag} (param $node i32) (result i32)`,
    ...trie.cols.flatMap((c, n) => (c >= 0 ? [`  (if (i32.eq (local.get $node) (i32.const ${n})) (then (return (i32.const ${c}))))`] : [])),
    '  (i32.const -1))',
  ].join('\n'));
  const em = k.em;
  em.comment(`tf_idf_vectorizer ${mode} n=${minN}..${maxN} skip<=${maxSkip}`);
  em.line(`(memory.fill ${k.ptr(y)} (i32.const 0) ${mul(mul(rows, i32(out)), i32(4))})`);
  const startN = em.local('startn', 'i32'), stop = em.local('stop', 'i32'), node = em.local('node', 'i32'), at = em.local('at', 'i32');
  const done = em.local('done', 'i32'), col = em.local('col', 'i32'), o = em.local('o', 'i32');
  const tok = (r: string, e: string): string => (x.type.dtype === 'i64' ? `(i64.load ${addr(k.ptr(x), add(mul(r, len), e), 8)})` : `(i64.extend_i32_s (i32.load ${addr(k.ptr(x), add(mul(r, len), e), 4)}))`);
  em.loop('r', rows, (r) => {
    em.set(startN, i32(minN));
    em.set(stop, i32(0));
    em.loop('skip0', i32(maxSkip + 1), (skip0) => em.when(`(i32.eqz ${get(stop)})`, () => {
      const skip = add(skip0, i32(1));
      // Starts whose first n-gram would run past the row end: all later starts do too.
      em.loop('s', len, (s) => em.when(`(i32.lt_s (i32.add ${s} (i32.mul ${skip} (i32.sub ${get(startN)} (i32.const 1)))) ${len})`, () => {
        em.set(node, i32(0));
        em.set(at, s);
        em.set(done, i32(0));
        em.loop('n0', i32(maxN), (n0) => em.when(`(i32.and (i32.eqz ${get(done)}) (i32.lt_s ${get(at)} ${len}))`, () => {
          em.set(node, `(call ${step} ${get(node)} ${tok(r, get(at))})`);
          em.set(done, `(i32.lt_s ${get(node)} (i32.const 0))`);
          em.when(`(i32.eqz ${get(done)})`, () => {
            em.set(col, `(call ${colOf} ${get(node)})`);
            em.when(`(i32.and (i32.ge_s ${add(n0, i32(1))} ${get(startN)}) (i32.ge_s ${get(col)} (i32.const 0)))`, () => {
              em.set(o, addr(k.ptr(y), add(mul(r, i32(out)), get(col)), 4));
              em.line(`(f32.store ${get(o)} (f32.add (f32.load ${get(o)}) (f32.const 1)))`);
            });
          });
          em.set(at, add(get(at), skip));
        }));
      }));
      // Unigrams do not depend on the skip distance: count them only in the first pass.
      em.when(`(i32.eq ${get(startN)} (i32.const 1))`, () => {
        em.set(startN, i32(2));
        if (2 > maxN) em.set(stop, i32(1));
      });
    }));
  });
  if (mode === 'TF' || (mode === 'TFIDF' && weights.length === 0)) return;
  em.loop('p', mul(rows, i32(out)), (p) => {
    const a = addr(k.ptr(y), p, 4), fr = `(f32.load ${a})`;
    const c = `(i32.rem_u ${p} ${i32(out)})`;
    // Weight of column c (one select per column); a column past the weights reads NaN, as w[col] = undefined does.
    const w = weights.length ? weights.reduce<string>((acc, wv, j) => `(select (f64.const ${wv}) ${acc} (i32.eq ${c} (i32.const ${j})))`, '(f64.const nan)') : '(f64.const 1)';
    const v = mode === 'IDF' ? `(select ${w} (f64.const 0) (f32.gt ${fr} (f32.const 0)))` : `(f64.mul ${w} (f64.promote_f32 ${fr}))`;
    em.line(`(f32.store ${a} (f32.demote_f64 ${v}))`);
  });
}

export const TF_IDF_KERNEL: KernelDef = { emit: emitTfIdf };
