import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { createServer } from 'vite'

const root = fileURLToPath(new URL('../..', import.meta.url))

/** Where the screenshots of each wizard state go (git-ignored). */
export const SCREENSHOTS = join(root, 'test-results/screenshots')

const CHROMIUM = '/usr/bin/chromium'
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

export interface DemoBrowser {
  origin: string
  context: BrowserContext
  close(): Promise<void>
}

/**
 * The demo as a new user gets it from `npm run dev` (vite's dev server, 127.0.0.1, a port the OS
 * picks), and Debian's chromium in a fresh profile.
 */
export async function startDemo(): Promise<DemoBrowser> {
  const server = await createServer({
    configFile: join(root, 'vite.demo.config.ts'),
    server: { host: '127.0.0.1', port: 0, strictPort: false },
    logLevel: 'warn',
    clearScreen: false,
  })
  await server.listen()
  const { port } = server.httpServer!.address() as AddressInfo
  const profile = mkdtempSync(join(tmpdir(), 'grantflow-e2e-'))
  let context: BrowserContext
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: ARGS,
      headless: true,
      viewport: { width: 1440, height: 960 },
      reducedMotion: 'reduce',
    })
  } catch (error) {
    await server.close()
    throw error
  }
  mkdirSync(SCREENSHOTS, { recursive: true })
  return {
    origin: `http://127.0.0.1:${port}`,
    context,
    async close() {
      await context.close()
      await server.close()
      rmSync(profile, { recursive: true, force: true })
    },
  }
}

export interface DemoPage {
  page: Page
  /** Errors the page reported (uncaught exceptions, console errors other than HTTP statuses). */
  errors: string[]
  shot(name: string, target?: Page): Promise<void>
}

/** A new tab on the demo (a fresh document: a new fake HMRC, an empty sessionStorage). */
export async function openDemo(demo: DemoBrowser, path = '/'): Promise<DemoPage> {
  const page = await demo.context.newPage()
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
  }
}

export function watchErrors(page: Page, errors: string[]): void {
  page.on('pageerror', (error) => errors.push(error.message))
  page.on('console', (message) => {
    // A refused request (401 from the fake API) is logged by the browser: expected, not an error.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) errors.push(message.text())
  })
}
