// The WASM artifact's manifest (manifest.json of `tenth compile --target wasm`): written by the
// compiler (src/backends/wasm/lower.ts, which imports these types), read by the runtime (index.ts).
// Defined here, in the runtime, because the runtime imports nothing of the compiler.
//
// Memory layout (all addresses in bytes, in the module's exported memory):
//   [0, 4*symbols)            bound symbolic dims (i32), written by the runtime before each run
//   [ptrBase, +4*buffers)     the base address of every buffer (i32), written by the runtime
//   weightsBase..             weights.bin, copied once at load
//   arenaBase..               inputs, outputs and intermediates, placed by the runtime's planner
// Kernels load dims and pointers once per call, so one module serves every binding of the symbols.

export type ManifestDim = number | string;

/**
 * An op whose indices are checked at run time, as the runtime names it in its error. A plain
 * string: valid indices are -n to n-1 (ONNX's negative indices count from the end); `from: 0`:
 * 0 to n-1 (indices that do not wrap: write positions, cache rows, batch indices, classes).
 */
export type IndexSite = string | { readonly site: string; readonly from: 0 };

export interface ManifestTensor {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly ManifestDim[];
  /** Index into `buffers`. */
  readonly buffer: number;
}

export interface ManifestBuffer {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly ManifestDim[];
  /** Element size in bytes. */
  readonly esize: number;
  readonly kind: 'weight' | 'input' | 'output' | 'temp';
  /** Weights: byte offset and length in weights.bin. */
  readonly offset?: number;
  readonly bytes?: number;
  /** Live range in kernel steps, inclusive (arena buffers only). */
  readonly first?: number;
  readonly last?: number;
}

/** Run-time dims, the same fields in both manifests (evaluated by dims.ts). */
export interface ManifestDynamicDims {
  /**
   * Symbolic dims in the order of the dims table: symbols bound from input dims, and dims the
   * runtime computes (`derived`).
   */
  readonly symbols: readonly string[];
  /**
   * Dims computed at run time from the bound symbols and data symbols: the expression as a JSON
   * tree ({k:'num',v} | {k:'sym',name} | {k:'add'|'mul'|'max'|'min',args} | {k:'floordiv'|
   * 'ceildiv'|'mod'|'wrap'|'eq',args:[a,b]} | {k:'sel',args:[c,a,b]}; see ir/symbolic.ts).
   */
  readonly derived?: Readonly<Record<string, unknown>>;
  /** Data symbols: `%x[i]` is element `index` of input `input`, read before each run. */
  readonly dataSymbols?: Readonly<Record<string, { readonly input: string; readonly index: number }>>;
  /** Conditions on run-time dims (a derived dim that must be nonzero), with what breaking one means. */
  readonly checks?: readonly { readonly dim: string; readonly what: string }[];
  /**
   * Dims counted by a kernel at run time (NonZero, Compress, Unique, NonMaxSuppression: the size
   * of their results). The runtime binds each to `bound` (an expression tree over the other
   * symbols, as `derived`) to place the arena, runs the kernels up to `kernel` (inclusive), reads
   * the count the kernel wrote (WASM: its slot of the dims table; WebGPU: word `word` of the status
   * buffer), binds the symbol to it and runs the rest. In kernel order.
   */
  readonly counted?: readonly CountedDim[];
}

export interface CountedDim {
  readonly symbol: string;
  readonly bound: unknown;
  /** Index into `kernels` of the kernel that counts it. */
  readonly kernel: number;
  /** WebGPU: the word of the status buffer (binding 4) the kernel writes the count to. */
  readonly word?: number;
  /** The op that counts, as the runtime names it in an error. */
  readonly site: string;
}

export interface Manifest extends ManifestDynamicDims {
  readonly format: 'tenth-wasm/1';
  readonly name: string;
  readonly ptrBase: number;
  /** Alignment of every buffer in bytes. */
  readonly alignment: number;
  readonly weightsBytes: number;
  readonly inputs: readonly ManifestTensor[];
  readonly outputs: readonly ManifestTensor[];
  readonly buffers: readonly ManifestBuffer[];
  /** Kernel function names in execution order (the exported `run` calls them in this order; each is exported under its name). */
  readonly kernels: readonly string[];
  /** Features the module needs (`simd128`). */
  readonly features: readonly string[];
  /**
   * The module files when there is more than one (compiled with relaxed SIMD): the runtime loads
   * the first whose features the engine has; the last entry needs only `features`. Absent: model.wasm.
   */
  readonly modules?: readonly ManifestModule[];
}

export interface ManifestModule {
  readonly file: string;
  readonly features: readonly string[];
  /** Feature `threads`: the module imports a shared memory with this maximum (64 KiB pages). */
  readonly maxPages?: number;
}
