// The worker side of a threaded model (src/runtime/threads.ts), as source text: the runtime
// starts workers from this string (Node: `new Worker(src, { eval: true })`; browsers and Deno: a
// module Worker on a Blob URL), so no worker file has to be found next to the runtime, whatever
// bundles or serves it.
//
// A worker gets {module, memory, tid, nt, ctl}, instantiates the same WebAssembly.Module over the
// same shared memory, calls init(tid, nt, ctl, 1) (workers may block), replies {ready}, then
// spins briefly and sleeps on the start generation (ctl+0): each bump runs `run_mt` once, in
// lockstep with the main thread through the module's barrier; the exit flag (ctl+12) ends the
// loop. It touches nothing else and allocates nothing per run.

export const WORKER_SOURCE = `
'use strict';
async function start(msg, post) {
  try {
    const instance = await WebAssembly.instantiate(msg.module, { env: { memory: msg.memory } });
    const ex = instance.exports;
    ex.init(msg.tid, msg.nt, msg.ctl, 1);
    const c = new Int32Array(msg.memory.buffer, msg.ctl, 4);
    let seen = Atomics.load(c, 0);
    post({ ready: true });
    for (;;) {
      // Spin a little first: back-to-back runs then start without a futex wake-up.
      for (let i = 0; i < 20000 && Atomics.load(c, 0) === seen; i++);
      Atomics.wait(c, 0, seen);
      const go = Atomics.load(c, 0);
      if (go === seen) continue;
      seen = go;
      if (Atomics.load(c, 3) !== 0) break;
      ex.run_mt();
    }
  } catch (e) {
    post({ error: String((e && e.stack) || e) });
  }
}
if (typeof require === 'function' && typeof process === 'object' && process.versions && process.versions.node) {
  const { parentPort } = require('node:worker_threads');
  parentPort.once('message', (m) => start(m, (x) => parentPort.postMessage(x)));
} else {
  self.onmessage = (e) => { self.onmessage = null; start(e.data, (x) => self.postMessage(x)); };
}
`;
