// The cost report (issue: cost report and golden-file review): device profiles, the roofline cost
// model, the batching planner, and its text / HTML forms. Backends turn their kernels into
// KernelCost entries and call costReport.

export * from './batching.js';
export * from './cost.js';
export * from './html.js';
export * from './profile.js';
export * from './table.js';
export * from './backend.js';
