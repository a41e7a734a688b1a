// examples/web/ in headless Chromium, for tests of any backend: a temporary site mirroring the
// repository (examples/web/, dist/src/runtime/ as built from the current source, data/ = the shared
// models with their test data, models/ = whatever `prepare` compiles there), a static server on
// 127.0.0.1 and a browser with WebGPU on SwiftShader (it runs on the CPU; the wasm tests ignore it).
// close() releases everything, also after a failed start.

import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { REPO, SHARED_MODELS, transpileRuntime } from './runtime-package.js';
import { serveFolder, type StaticServer } from './static-server.js';

const CHROMIUM = '/usr/lib/chromium/chromium';
const ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
  '--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader', '--enable-dawn-features=disable_workgroup_init',
];

/** What examples/web/main.js leaves in window.__result. */
export interface PageResult {
  error?: string;
  backend: string;
  model: string;
  outputs: Record<string, { dims: number[]; data: number[] }>;
  checks: Record<string, { ok: boolean; maxAbs: number; reason: string }>;
  timing: { loadMs: number; firstRunMs: number; meanMs: number; medianMs: number; runs: number };
}

export interface WebHarness {
  /** The site's root folder (models go under models/). */
  readonly site: string;
  readonly server: StaticServer;
  readonly page: Page;
  /** Uncaught errors of the page so far. */
  readonly pageErrors: string[];
  /** Open examples/web/index.html?QUERY and wait for window.__result. */
  open(query: string, timeoutMs?: number): Promise<PageResult>;
  close(): Promise<void>;
}

export async function startWebHarness(prepare: (site: string) => Promise<void>): Promise<WebHarness> {
  const tmp = mkdtempSync(join(tmpdir(), 'tenth-web-'));
  const site = join(tmp, 'site');
  let server: StaticServer | undefined;
  let browser: Browser | undefined;
  const close = async (): Promise<void> => {
    try {
      await browser?.close();
    } finally {
      try {
        await server?.close();
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    }
  };
  try {
    mkdirSync(join(site, 'examples'), { recursive: true });
    mkdirSync(join(site, 'models'));
    symlinkSync(join(REPO, 'examples', 'web'), join(site, 'examples', 'web'));
    symlinkSync(SHARED_MODELS, join(site, 'data'));
    transpileRuntime(join(site, 'dist', 'src', 'runtime'));
    await prepare(site);
    server = await serveFolder(site);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    const srv = server;
    const open = async (query: string, timeoutMs = 15_000): Promise<PageResult> => {
      await page.goto(`${srv.url}examples/web/index.html?${query}`);
      await page.waitForFunction(() => (window as { __result?: unknown }).__result !== undefined, undefined, { timeout: timeoutMs });
      return page.evaluate(() => (window as unknown as { __result: PageResult }).__result);
    };
    return { site, server: srv, page, pageErrors, open, close };
  } catch (e) {
    await close();
    throw e;
  }
}
