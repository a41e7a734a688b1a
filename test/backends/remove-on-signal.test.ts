// A Ctrl-C that arrives while a registered path is live must never be lost: Node reads a pending
// signal only between event-loop turns, so forgetOnSignal must keep the listener until then, even
// when more synchronous work follows the forget (a real process: signals cannot be faked in process).

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, tempDir } from '../cli/helpers.js';

// node --import tsx: no tsx wrapper process between the signal and the exit status.
const TSX_ARGS = ['--import', 'tsx'];

/** Run a script that registers a folder, gets SIGINT during busy work, forgets it, then works `afterMs` more. */
function interrupted(afterMs: number, forget: boolean): { status: number | null; signal: string | null; kept: boolean; stdout: string } {
  const dir = tempDir('tenth-signal-');
  const victim = join(dir, 'victim');
  mkdirSync(victim);
  const script = join(dir, 'child.ts');
  writeFileSync(script, [
    `import { forgetOnSignal, removeOnSignal } from ${JSON.stringify(join(REPO, 'src/backends/remove-on-signal.ts'))};`,
    `const busy = (ms: number): void => { const end = Date.now() + ms; while (Date.now() < end) { /* synchronous work */ } };`,
    `removeOnSignal(${JSON.stringify(victim)});`,
    `process.kill(process.pid, 'SIGINT');`,
    `busy(30);`,
    forget ? `forgetOnSignal(${JSON.stringify(victim)});` : '',
    `busy(${afterMs});`,
    `console.log('carried on');`,
  ].join('\n'));
  const r = spawnSync(process.execPath, [...TSX_ARGS, script], { cwd: REPO, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, signal: r.signal, kept: existsSync(victim), stdout: r.stdout };
}

describe('removeOnSignal / forgetOnSignal', () => {
  it('a SIGINT pending when the path is forgotten still ends the process, however long the synchronous work after it', () => {
    for (const ms of [0, 150]) {
      const r = interrupted(ms, true);
      expect({ ms, signal: r.signal, out: r.stdout }).toEqual({ ms, signal: 'SIGINT', out: 'carried on\n' });
      expect(r.kept).toBe(true); // forgotten: the path is the caller's again
    }
  });

  it('a SIGINT while the path is registered removes it, then ends the process by that signal', () => {
    const r = interrupted(0, false);
    expect(r.signal).toBe('SIGINT');
    expect(r.kept).toBe(false);
  });
});
