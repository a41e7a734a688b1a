// The pass contract. A pass declares its name, summary and typed options in one place and
// transforms a module in place. It never prints: observation (IR printing, timing, verification,
// dumps) is done by instruments around it (see passes/instruments.ts).

import type { Module } from '../ir/ir.js';

export type PassOptionType = 'int' | 'float' | 'bool' | 'string';
export type PassOptionValue = number | boolean | string;

export interface PassOptionSpec {
  readonly type: PassOptionType;
  readonly default: PassOptionValue;
  readonly summary: string;
  /** For 'string' options: the accepted values, if restricted. */
  readonly choices?: readonly string[];
}

/** Options after parsing: every declared option present, defaults filled in. */
export type PassOptions = Readonly<Record<string, PassOptionValue>>;

/** What a backend tells the passes about its target (layout preference, alignment, ...). */
export interface TargetProfile {
  /** 'interp' | 'wasm' | 'webgpu' */
  readonly name: string;
  /** Preferred activation layout for convolutions and pooling. */
  readonly layout: 'nchw' | 'nhwc' | 'nchw4c';
  /**
   * Activation layouts the backend's spatial kernels implement (weights follow: nhwc -> ohwi,
   * nchw4c -> oihw4o). select-layout{layout=auto} never gives an op a layout outside this list,
   * since a kernel that ignored one would compute garbage. Absent = all of them (the interpreter).
   */
  readonly layouts?: readonly ('nchw' | 'nhwc' | 'nchw4c')[];
  /** Arena alignment in bytes for planned buffers. */
  readonly alignment: number;
  /**
   * The backend runs a plain static einsum contraction with a run-time right operand faster as an
   * einsum than as transposes + matmul (wasm's einsum-gemm.ts packs B; its matmul does not):
   * einsum-matmul keeps those.
   */
  readonly keepsPlainEinsum?: boolean;
}

export const INTERP_PROFILE: TargetProfile = { name: 'interp', layout: 'nchw', alignment: 16 };

export interface PassContext {
  readonly target: TargetProfile;
}

export interface PassResult {
  /** Whether the module changed. */
  readonly changed: boolean;
  /** Named statistics (ops removed, groups formed, bytes saved, ...). */
  readonly counters: Readonly<Record<string, number>>;
}

export interface Pass {
  /** Kebab-case, unique in the registry; the name used in pipeline strings. */
  readonly name: string;
  /** One line for `--help` and listings. */
  readonly summary: string;
  readonly options: Readonly<Record<string, PassOptionSpec>>;
  run(module: Module, ctx: PassContext, options: PassOptions): PassResult;
}

export const unchanged: PassResult = { changed: false, counters: {} };
