// Named pipelines. Each is a pipeline string and may use the others, so `O1,fuse` and `O2` work
// wherever a pipeline string is accepted (API, CLI, golden RUN lines).
//
// O2's order: canonicalize runs before fuse (fusion should see the simplified graph: identity
// reshapes gone, batch norms folded into convs); einsum-matmul after O1 (the constant operands it
// stores transposed are folded weights by then; it merges its own transposes with their
// neighbours, so O1 need not run again) and before select-layout and fuse, so both see plain
// matmuls; select-layout before fuse (fused groups are built
// around the layout-converted convs), and plan-memory last, because it annotates buffers of the
// final op list and any later rewrite would invalidate its plan.

const NAMED: ReadonlyMap<string, { readonly pipeline: string; readonly summary: string }> = new Map([
  ['O0', { pipeline: '', summary: 'no passes' }],
  ['O1', { pipeline: 'fold-constants,canonicalize,cse,dce', summary: 'fold constants, canonicalize, remove duplicates and dead ops' }],
  ['O2', { pipeline: 'O1,einsum-matmul,select-layout,fuse,plan-memory', summary: 'O1, then einsums as matmuls, choose layouts, fuse kernels and plan memory' }],
]);

/** The pipeline string a name stands for, or undefined. */
export function getNamedPipeline(name: string): string | undefined {
  return NAMED.get(name)?.pipeline;
}

/** Names of the named pipelines, in definition order. */
export function namedPipelineNames(): string[] {
  return [...NAMED.keys()];
}

export function namedPipelines(): { name: string; pipeline: string; summary: string }[] {
  return [...NAMED].map(([name, p]) => ({ name, ...p }));
}
