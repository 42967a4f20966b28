import { mkdirSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser, Locator, Page } from 'playwright-core'
import { createServer } from 'vite'
import type { EmbeddedFault, EmbeddedRecords } from '../../src/devServer/controlProtocol.js'
import { connectSharedBrowser } from '../support/sharedBrowser.js'

const root = fileURLToPath(new URL('../..', import.meta.url))

/** Where the screenshots of each wizard state go (git-ignored). */
export const SCREENSHOTS = join(root, 'test-results/screenshots')

// Re-exported for the files that import them from here; the launch itself is shared (sharedBrowser.ts).
export { ARGS, CHROMIUM } from '../support/chromium.js'

export interface DemoBrowser {
  origin: string
  browser: Browser
  close(): Promise<void>
}

/**
 * The demo as a new user gets it from `npm run dev` (the embedded oidc-provider) or, with
 * `mode: 'mock'`, from `npm run dev:mock` (the provider kit alone): vite's dev server on
 * 127.0.0.1, a port the OS picks, and a connection to the run's Chromium (connectSharedBrowser).
 */
export async function startDemo(options: { mode?: 'mock' } = {}): Promise<DemoBrowser> {
  const server = await createServer({
    configFile: join(root, 'vite.demo.config.ts'),
    ...(options.mode && { mode: options.mode }),
    // A dependency cache of this checkout and mode: the embedded and mock demos (which run at
    // once) and other checkouts sharing node_modules would otherwise re-optimise each other's
    // node_modules/.vite, and a page then loads outdated dependencies.
    cacheDir: join(root, '.vite', `demo-${options.mode ?? 'embedded'}`),
    server: { host: '127.0.0.1', port: 0, strictPort: false },
    logLevel: 'warn',
    clearScreen: false,
  })
  await server.listen()
  const { port } = server.httpServer!.address() as AddressInfo
  let browser: Browser
  try {
    browser = await connectSharedBrowser()
  } catch (error) {
    await server.close()
    throw error
  }
  mkdirSync(SCREENSHOTS, { recursive: true })
  return {
    origin: `http://127.0.0.1:${port}`,
    browser,
    async close() {
      await browser.close()
      await server.close()
    },
  }
}

export interface DemoPage {
  page: Page
  /** Errors the page reported (uncaught exceptions, console errors other than HTTP statuses). */
  errors: string[]
  shot(name: string, target?: Page): Promise<void>
  close(): Promise<void>
}

/**
 * The demo in a new browser (a fresh context: no cookie at the provider, an empty
 * sessionStorage, a new fake HMRC in the page), at `path`.
 */
export async function openDemo(demo: DemoBrowser, path = '/'): Promise<DemoPage> {
  const context = await demo.browser.newContext({ viewport: { width: 1440, height: 960 }, reducedMotion: 'reduce' })
  // Each step within the tests' own bound of a minute, not playwright's 30 s: the demo's first
  // page, transformed cold by vite while another test file runs beside it, can take longer.
  context.setDefaultTimeout(60_000)
  const page = await context.newPage()
  const errors: string[] = []
  watchErrors(page, errors)
  await page.goto(demo.origin + path)
  await page.waitForFunction(() => window.__grantflowDemo !== undefined)
  return {
    page,
    errors,
    shot: async (name, target = page) => {
      await target.screenshot({ path: join(SCREENSHOTS, `${name}.png`) })
    },
    close: () => context.close(),
  }
}

/**
 * A look at a state the page passes through (the code exchange, the replay, a refresh), for a
 * screenshot: taken when the page shows it, and no failure when a busy machine has already moved
 * past it. `past` is a state that comes after it: once that shows, the look is given up at once
 * rather than after `timeoutMs`. The tests assert outcomes and records, never that a passing
 * state was caught.
 */
export async function glimpse(target: Locator, look: () => Promise<void>, past?: Locator, timeoutMs = 5_000): Promise<boolean> {
  await (past ? target.or(past) : target)
    .first()
    .waitFor({ timeout: timeoutMs })
    .catch(() => undefined)
  const seen = await target.isVisible()
  if (seen) await look().catch(() => undefined)
  return seen
}

export function watchErrors(page: Page, errors: string[]): void {
  page.on('pageerror', (error) => errors.push(error.message))
  page.on('console', (message) => {
    // A refused request (401 from the API) is logged by the browser: expected, not an error.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) errors.push(message.text())
  })
}

/** What the embedded provider recorded, asked of its control route as the fault panel does. */
export async function embeddedRecords(demo: DemoBrowser): Promise<EmbeddedRecords> {
  const response = await fetch(`${demo.origin}/__embedded/records`)
  if (!response.ok) throw new Error(`records: ${response.status}`)
  return (await response.json()) as EmbeddedRecords
}

/** Breaks the embedded provider once, as the fault panel does. */
export async function embeddedFault(demo: DemoBrowser, fault: EmbeddedFault): Promise<void> {
  const response = await fetch(`${demo.origin}/__embedded/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(fault),
  })
  if (!response.ok) throw new Error(`fault ${JSON.stringify(fault)}: ${response.status} ${await response.text()}`)
}

/** Fills the return form's period key, ticks the declaration and submits. */
export async function submitReturn(page: Page, periodKey: string): Promise<void> {
  await page.getByLabel('Period key').fill(periodKey)
  await page.getByRole('checkbox', { name: /I confirm the information is true/ }).check()
  await page.getByRole('button', { name: 'Submit return' }).click()
}

/** Counts the dialogs that appear from now on (a silent refresh must show none): read with {@link dialogsSeen}. */
export function countDialogs(page: Page): Promise<void> {
  return page.evaluate(() => {
    const seen = new Set<Element>()
    const observer = new MutationObserver(() => document.querySelectorAll('[role="dialog"]').forEach((d) => seen.add(d)))
    observer.observe(document.body, { childList: true, subtree: true })
    ;(window as unknown as { dialogsSeen: () => number }).dialogsSeen = () => seen.size
  })
}

export function dialogsSeen(page: Page): Promise<number> {
  return page.evaluate(() => (window as unknown as { dialogsSeen: () => number }).dialogsSeen())
}
