// The pass manager: runs a pipeline (text or steps built in code) over a module in place and
// calls instruments around every pass. It never prints and never verifies by itself: printing,
// timing, dumps and verify-each are instruments (passes/instruments.ts), and `verifyEach`
// (default true) only puts the verify-each instrument first in the list.
//
// Hook order for each step: beforePass on every instrument (in order); pass.run; afterPass on
// every instrument. If the pass throws, or an afterPass hook throws (verify-each finding broken
// IR), afterPassFailed is called on every instrument and the error is rethrown unchanged, so a
// TenthError keeps its diagnostics and an internal bug keeps its stack.

import type { Module } from '../ir/ir.js';
import { INTERP_PROFILE, type Pass, type PassContext, type PassOptions, type PassResult, type TargetProfile } from './pass.js';
import { resolvePipeline, type PipelineStep } from './pipeline.js';
import { verifyEachInstrument } from './instruments.js';

/** What instruments see of a step. */
export interface PassEvent {
  readonly module: Module;
  readonly pass: Pass;
  readonly options: PassOptions;
  /** 0-based position in the (expanded) pipeline. */
  readonly index: number;
  /** Number of steps in the pipeline. */
  readonly count: number;
  readonly ctx: PassContext;
}

export interface AfterPassEvent extends PassEvent {
  readonly result: PassResult;
  /** Wall time of pass.run alone (instrument hooks excluded). */
  readonly ms: number;
}

export interface FailedPassEvent extends PassEvent {
  readonly error: unknown;
}

export interface PipelineEvent {
  readonly module: Module;
  readonly steps: readonly { readonly pass: Pass; readonly options: PassOptions }[];
  readonly ctx: PassContext;
}

export interface PipelineEndEvent extends PipelineEvent {
  readonly results: readonly StepResult[];
}

/** Observers around passes. Every hook is optional; a hook may throw to stop the pipeline. */
export interface Instrument {
  readonly name?: string;
  beforePipeline?(e: PipelineEvent): void;
  beforePass?(e: PassEvent): void;
  afterPass?(e: AfterPassEvent): void;
  afterPassFailed?(e: FailedPassEvent): void;
  /** Called once after the last pass when the whole pipeline succeeded. */
  afterPipeline?(e: PipelineEndEvent): void;
}

export interface RunPipelineOptions {
  /** Backend profile handed to every pass (default INTERP_PROFILE). */
  readonly target?: TargetProfile;
  /** Verify the input and the IR after every pass (default true). */
  readonly verifyEach?: boolean;
  readonly instruments?: readonly Instrument[];
}

export interface StepResult {
  readonly pass: string;
  readonly options: PassOptions;
  readonly changed: boolean;
  readonly counters: Readonly<Record<string, number>>;
  readonly ms: number;
}

export interface PipelineResult {
  /** One entry per step, in order. */
  readonly results: readonly StepResult[];
  /** Whether any step changed the module. */
  readonly changed: boolean;
  /** Counters summed over the steps, keyed `pass/counter` (e.g. `dce/ops-removed`). */
  readonly counters: Readonly<Record<string, number>>;
  /** Wall time of all passes (instrument hooks excluded). */
  readonly ms: number;
}

/**
 * Run `pipeline` over `module` in place. Pipeline errors (unknown pass or option) are TenthError
 * E108 and are raised before any pass runs.
 */
export function runPipeline(module: Module, pipeline: string | readonly PipelineStep[], options: RunPipelineOptions = {}): PipelineResult {
  const steps = resolvePipeline(pipeline);
  const ctx: PassContext = { target: options.target ?? INTERP_PROFILE };
  const instruments = [...(options.verifyEach === false ? [] : [verifyEachInstrument()]), ...(options.instruments ?? [])];
  const pipelineEvent: PipelineEvent = { module, steps, ctx };
  for (const ins of instruments) ins.beforePipeline?.(pipelineEvent);
  const results: StepResult[] = [];
  steps.forEach(({ pass, options: opts }, index) => {
    const event: PassEvent = { module, pass, options: opts, index, count: steps.length, ctx };
    for (const ins of instruments) ins.beforePass?.(event);
    let result: PassResult;
    let ms: number;
    try {
      const t0 = performance.now();
      result = pass.run(module, ctx, opts);
      ms = performance.now() - t0;
      checkResult(pass, result);
      const after: AfterPassEvent = { ...event, result, ms };
      for (const ins of instruments) ins.afterPass?.(after);
    } catch (error) {
      const failed: FailedPassEvent = { ...event, error };
      for (const ins of instruments) ins.afterPassFailed?.(failed);
      throw error;
    }
    results.push({ pass: pass.name, options: opts, changed: result.changed, counters: result.counters, ms });
  });
  for (const ins of instruments) ins.afterPipeline?.({ ...pipelineEvent, results });
  return summarise(results);
}

function checkResult(pass: Pass, r: PassResult | undefined): void {
  // A pass that forgets to return is a bug in the pass, not in the user's input.
  if (!r || typeof r.changed !== 'boolean' || typeof r.counters !== 'object') {
    throw new Error(`pass '${pass.name}' returned ${JSON.stringify(r)}; expected {changed, counters}`);
  }
}

function summarise(results: StepResult[]): PipelineResult {
  const counters: Record<string, number> = {};
  for (const r of results) {
    for (const k of Object.keys(r.counters).sort()) {
      const key = `${r.pass}/${k}`;
      counters[key] = (counters[key] ?? 0) + r.counters[k]!;
    }
  }
  return {
    results,
    changed: results.some((r) => r.changed),
    counters,
    ms: results.reduce((s, r) => s + r.ms, 0),
  };
}
