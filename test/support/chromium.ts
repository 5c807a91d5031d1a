/// <reference lib="dom" />
// Code passed to the browser (page.waitForFunction, addInitScript) runs in the page, with the DOM.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrowserContext, Page, chromium } from 'playwright-core';

/** Debian's Chromium; npm installs no browser (playwright-core only drives one). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_MISSING = 'Chromium not found: apt-get update && apt-get install -y chromium';

// Headless as root on a machine without a GPU, and quiet: no first-run, sync, component or other background
// traffic. The resolver rule makes any host but the loopback address unresolvable, whatever asks for it.
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
];

/** Something a page did that a test of it must fail on. */
export interface PageProblem {
  kind: 'off-machine request' | 'console error' | 'page error' | 'csp violation' | 'failed request';
  detail: string;
}

export interface BrowserSession {
  /** A new tab that records every problem below into `problems`. */
  newPage(): Promise<Page>;
  /** Requests to any host but 127.0.0.1 (aborted), console errors, uncaught errors, CSP violations. */
  problems: PageProblem[];
  close(): Promise<void>;
}

export interface LaunchOptions {
  /**
   * Route every request through Playwright, which aborts those to another host (default). Off for a test of CORS:
   * while it intercepts, Playwright answers every CORS preflight itself, granting whatever was asked, so the
   * server's own answer would never be seen. Other hosts stay unreachable (the resolver rule) and are still recorded.
   */
  interceptRequests?: boolean;
}

/**
 * Starts headless Chromium with a fresh, empty profile. Every request a page makes to a host other than
 * 127.0.0.1 is aborted and recorded: a page under test must work without the internet.
 */
export async function launchChromium(options: LaunchOptions = {}): Promise<BrowserSession> {
  const intercept = options.interceptRequests ?? true;
  if (!existsSync(CHROMIUM_PATH)) throw new Error(CHROMIUM_MISSING);
  const profile = await mkdtemp(join(tmpdir(), 'chromium-profile-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: FLAGS,
      viewport: { width: 1280, height: 800 },
      timeout: 30_000,
    });
  } catch (error) {
    await rm(profile, { recursive: true, force: true });
    throw new Error(`${CHROMIUM_MISSING} (${CHROMIUM_PATH} did not start: ${(error as Error).message})`);
  }
  const problems: PageProblem[] = [];
  const offMachine = (href: string) => {
    const url = new URL(href);
    if (url.hostname === '127.0.0.1') return false;
    problems.push({ kind: 'off-machine request', detail: url.href });
    return true;
  };
  if (intercept)
    await context.route('**/*', async (route) =>
      offMachine(route.request().url()) ? route.abort('blockedbyclient') : route.continue(),
    );
  else context.on('request', (request) => void offMachine(request.url()));
  await context.exposeBinding('__reportCspViolation', (_source, detail: string) => {
    problems.push({ kind: 'csp violation', detail });
  });
  // Runs before the page's own scripts and outside its CSP.
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      const report = (window as unknown as { __reportCspViolation(detail: string): void })
        .__reportCspViolation;
      report(
        `${event.effectiveDirective} blocked ${event.blockedURI || 'inline'} (${event.sourceFile}:${event.lineNumber})`,
      );
    });
  });
  // Pages already open (the persistent context starts with one) are not watched: tests use newPage().
  return {
    problems,
    async newPage() {
      const page = await context.newPage();
      page.on('console', (message) => {
        if (message.type() === 'error')
          problems.push({ kind: 'console error', detail: `${message.text()} (${message.location().url})` });
      });
      page.on('pageerror', (error) => problems.push({ kind: 'page error', detail: error.message }));
      page.on('requestfailed', (request) => {
        if (new URL(request.url()).hostname === '127.0.0.1')
          problems.push({
            kind: 'failed request',
            detail: `${request.url()}: ${request.failure()?.errorText}`,
          });
      });
      return page;
    },
    async close() {
      try {
        await context.close();
      } finally {
        await rm(profile, { recursive: true, force: true });
      }
    },
  };
}
