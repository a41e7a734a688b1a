// The one registry of passes. The CLI and the API accept the same pipeline strings because both
// resolve pass names here. Researchers can add passes at run time with registerPass.

import type { Pass } from './pass.js';

const REGISTRY = new Map<string, Pass>();

export function registerPass(pass: Pass): void {
  if (REGISTRY.has(pass.name)) throw new Error(`pass '${pass.name}' is already registered`);
  REGISTRY.set(pass.name, pass);
}

export function getPass(name: string): Pass | undefined {
  return REGISTRY.get(name);
}

/** All passes, sorted by name (deterministic listings). */
export function allPasses(): Pass[] {
  return [...REGISTRY.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
