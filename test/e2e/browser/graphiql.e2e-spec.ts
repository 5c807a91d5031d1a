/// <reference lib="dom" />
// Code passed to the browser (page.waitForFunction, addInitScript) runs in the page, with the DOM.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { READ } from '../../../src/auth/permissions';
import { PAGE_CSP } from '../../../src/hardening/security-headers.hook';
import { BrowserSession, launchChromium } from '../../support/chromium';
import { TestGateway, startGateway } from '../support/gateway';
import { CONTOSO } from '../support/ids';

// The developer pages as a person opens them: Debian's Chromium, no internet, the gateway's own CSP.
jest.setTimeout(90_000);

let browser: BrowserSession;
let gateway: TestGateway;
let screenshots: string;
/** BROWSER_SCREENSHOTS_DIR keeps the screenshots to look at; without it they are taken (the pages render) and removed. */
const keptScreenshots = process.env.BROWSER_SCREENSHOTS_DIR;

beforeAll(async () => {
  browser = await launchChromium();
  gateway = await startGateway();
  screenshots = keptScreenshots ?? (await mkdtemp(join(tmpdir(), 'browser-screenshots-')));
});

afterAll(async () => {
  await browser?.close();
  await gateway?.close();
  if (!keptScreenshots && screenshots) await rm(screenshots, { recursive: true, force: true });
});

afterEach(() => {
  // Every test: nothing left the machine, nothing was refused by the CSP, no script failed.
  const problems = browser?.problems.splice(0) ?? [];
  expect(problems).toEqual([]);
});

async function open(path: string): Promise<{ page: Page; csp: string | undefined }> {
  const page = await browser.newPage();
  const response = await page.goto(`${gateway.url}${path}`, { waitUntil: 'load' });
  expect(response?.status()).toBe(200);
  return { page, csp: response?.headers()['content-security-policy'] };
}

async function screenshot(page: Page, name: string): Promise<void> {
  const path = join(screenshots, `${name}.png`);
  await page.screenshot({ path });
  if (keptScreenshots) process.stdout.write(`screenshot: ${path}\n`);
}

/** The text of GraphiQL's response pane once it holds `expected` (CodeMirror renders it as lines of spans). */
async function waitForResult(page: Page, expected: string): Promise<string> {
  await page.waitForFunction(
    (text) => document.querySelector('.result-window')?.textContent?.includes(text),
    expected,
    { timeout: 20_000 },
  );
  return (await page.locator('.result-window').textContent()) ?? '';
}

describe('GraphiQL at /graphql', () => {
  it('runs the default query on a seeded sandbox customer, with files from the gateway only, under its CSP', async () => {
    const { page, csp } = await open('/graphql');
    expect(csp).toBe(PAGE_CSP);
    const posts: Array<Record<string, string>> = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && new URL(request.url()).pathname === '/graphql')
        posts.push(request.headers());
    });
    await page.locator('.graphiql-query-editor').waitFor({ timeout: 20_000 });
    await page.waitForFunction(
      (id) => document.querySelector('.graphiql-query-editor')?.textContent?.includes(id),
      CONTOSO,
    );

    await page.locator('.graphiql-execute-button').click();

    const result = await waitForResult(page, '"amount": 100');
    expect(result).toContain(`"customerId": "${CONTOSO}"`);
    // Apollo's CSRF prevention stays on: GraphiQL's calls are JSON POSTs, which it accepts.
    expect(posts.length).toBeGreaterThan(0);
    for (const headers of posts) expect(headers['content-type']).toMatch(/^application\/json/);
    await screenshot(page, 'graphiql');
    await page.close();
  });

  it('documents the schema that came with the page, and opens its dialogs under the CSP', async () => {
    const { page } = await open('/graphql');
    await page.locator('.graphiql-query-editor').waitFor({ timeout: 20_000 });

    await page.getByRole('button', { name: 'Show Documentation Explorer' }).click();
    await page.locator('.graphiql-doc-explorer').getByText('Query', { exact: true }).click();
    await page.locator('.graphiql-doc-explorer').getByText('customerUsageBudget').first().waitFor();
    // Scroll locking inserts a <style> element: the page's CSP lets it, and nothing else inline.
    await page.getByRole('button', { name: 'Open settings dialog' }).click();
    await page.getByRole('dialog').waitFor();
    await page.keyboard.press('Escape');
    await screenshot(page, 'graphiql-docs');
    await page.close();
  });

  it('sends the Authorization header a developer puts in the headers editor', async () => {
    const token = await gateway.sandbox.issueCallerToken({ roles: [READ] });
    const { page } = await open('/graphql');
    await page.locator('.graphiql-query-editor').waitFor({ timeout: 20_000 });

    await replaceEditorText(
      page,
      '.graphiql-query-editor',
      `mutation { updateUsageBudget(input: { customerId: "${CONTOSO}", amount: 250 }) { amount } }`,
    );
    await replaceEditorText(
      page,
      '.graphiql-editor-tool .graphiql-editor:not(.hidden)',
      JSON.stringify({ Authorization: `Bearer ${token}` }),
    );
    await page.locator('.graphiql-execute-button').click();

    // Without the header the sandbox identity may change budgets; with a read-only token it may not.
    const result = await waitForResult(page, '"FORBIDDEN"');
    expect(result).not.toContain('"amount": 250');
    await page.close();
  });
});

describe('Swagger UI at /docs', () => {
  it('renders both operations and runs the GET with "Try it out", under its CSP', async () => {
    const { page, csp } = await open('/docs');
    expect(csp).toBe(PAGE_CSP);
    const operations = page.locator('.opblock');
    await operations.first().waitFor({ timeout: 20_000 });
    expect(await operations.count()).toBe(2);
    expect(await page.locator('.opblock-get .opblock-summary-path').textContent()).toContain(
      '/v1/customers/{customerId}/usagebudget',
    );
    expect(await page.locator('.opblock-patch').count()).toBe(1);
    await screenshot(page, 'swagger-ui');

    const get = page.locator('.opblock-get');
    await get.locator('.opblock-summary').click();
    await get.locator('.try-out__btn').click();
    await get.locator('input[placeholder="customerId"]').fill(CONTOSO);
    await get.locator('.execute').click();

    const response = get.locator('.live-responses-table tbody .response');
    await response.waitFor({ timeout: 20_000 });
    expect((await response.locator('.response-col_status').textContent())?.trim()).toBe('200');
    expect(await response.locator('.response-col_description').textContent()).toContain('"amount": 100');
    await response.scrollIntoViewIfNeeded();
    await screenshot(page, 'swagger-ui-try-it-out');
    await page.close();
  });
});

/** Replaces a CodeMirror editor's text the way a person would: focus, select all, type (no auto-closed brackets). */
async function replaceEditorText(page: Page, editor: string, text: string): Promise<void> {
  await page.locator(`${editor} .CodeMirror`).first().click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
  // CodeMirror takes typed input in on a later frame: on a busy machine the click that follows could run the
  // editor's old or half-replaced text (a 400 for a half-typed query). Go on once the editor holds the text.
  await page.waitForFunction(
    ([selector, expected]) => {
      const element = document.querySelector(`${selector} .CodeMirror`) as
        | (Element & { CodeMirror?: { getValue(): string } })
        | null;
      return element?.CodeMirror?.getValue() === expected;
    },
    [editor, text] as const,
    { timeout: 20_000 },
  );
}
