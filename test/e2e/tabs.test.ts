import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { EmbeddedFault } from '../../src/devServer/controlProtocol.js'
import { watchErrors } from './demoBrowser.js'
import { startEmbeddedApp, type EmbeddedApp } from './embeddedApp.js'

// Tabs of one browser sharing their sessions (createIndexedDbStore + createWebLock +
// createBroadcastSync) against the embedded oidc-provider, which rotates refresh tokens: a
// refresh token presented twice would be a reuse. What is asserted is what the provider recorded
// and what each tab's call returned.

/** Access tokens live 8 s: usable for 4 s (half their life, as the expiry leeway is), then stale. */
const ACCESS_TOKEN_TTL_S = 8

let app: EmbeddedApp
let origin: string
let browser: Browser

beforeAll(async () => {
  app = await startEmbeddedApp('tabs', { accessTokenTtl: ACCESS_TOKEN_TTL_S })
  ;({ origin, browser } = app)
}, 60_000)

afterAll(() => app?.close())

const records = () => app.records()

async function fault(injected: EmbeddedFault): Promise<void> {
  const response = await fetch(`${origin}/__embedded/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(injected),
  })
  expect(response.ok).toBe(true)
}

async function openTab(context: BrowserContext, errors: string[], path = '/'): Promise<Page> {
  const page = await context.newPage()
  watchErrors(page, errors)
  await page.goto(origin + path)
  await page.waitForFunction(() => window.tab !== undefined)
  return page
}

/** At the embedded provider: signs in with the demo account when asked, then allows. */
async function signInAndAllow(page: Page) {
  const login = page.locator('input[name=login]')
  const consent = page.getByRole('heading', { name: /Allow .* access\?/ })
  await login.or(consent).first().waitFor()
  if (await login.isVisible()) {
    await login.fill('demo')
    await page.locator('input[name=password]').fill('demo')
    await page.getByRole('button', { name: 'Sign in' }).click()
  }
  await consent.waitFor()
  await page.getByRole('button', { name: 'Allow', exact: true }).click()
}

/** Gives the consent a tab asked for in a page of its own, where the provider's redirect lands and completes it. */
async function consentInNewPage(context: BrowserContext, errors: string[], url: string) {
  const page = await context.newPage()
  watchErrors(page, errors)
  await page.goto(url)
  await signInAndAllow(page)
  await page.waitForURL((u) => u.pathname === '/callback')
  await page.waitForFunction(() => window.tab !== undefined)
  const completed = await page.evaluate(() => window.tab!.complete())
  expect(completed).toEqual({ ok: true, obligations: 0 })
  await page.close()
}

const call = (page: Page) => page.evaluate(() => window.tab!.call())
const opened = (page: Page) => page.evaluate(() => window.tab!.opened.length)

describe('tabs sharing one session (IndexedDB, Web Locks, BroadcastChannel), in chromium', () => {
  it('a consent completed in another page serves the call waiting in the first; the other tabs call with its tokens, never asking for their own', async () => {
    const context = await browser.newContext()
    const errors: string[] = []
    const before = (await records()).counters
    const first = await openTab(context, errors)
    const waiting = call(first)
    await first.waitForFunction(() => window.tab!.opened.length === 1)
    await consentInNewPage(context, errors, await first.evaluate(() => window.tab!.opened[0]!))
    expect(await waiting).toEqual({ ok: true, obligations: expect.any(Number) })

    const others = await Promise.all([1, 2, 3, 4].map(() => openTab(context, errors)))
    expect(await Promise.all(others.map(call))).toEqual(others.map(() => ({ ok: true, obligations: expect.any(Number) })))
    const after = (await records()).counters
    expect(after.consents - before.consents).toBe(1)
    expect(after.codeExchanges - before.codeExchanges).toBe(1)
    // Tokens live 8 s here: on a slow machine they may go stale before the last tab calls, and
    // are then refreshed once for all, never once a tab.
    expect(after.refreshes - before.refreshes).toBeLessThanOrEqual(1)
    expect(await Promise.all(others.map(opened))).toEqual([0, 0, 0, 0])
    expect(errors).toEqual([])
    await context.close()
  }, 60_000)

  it('five tabs finding the access token expired at once refresh it exactly once, and none is signed out', async () => {
    const context = await browser.newContext()
    const errors: string[] = []
    const first = await openTab(context, errors)
    const waiting = call(first)
    await first.waitForFunction(() => window.tab!.opened.length === 1)
    await consentInNewPage(context, errors, await first.evaluate(() => window.tab!.opened[0]!))
    expect((await waiting).ok).toBe(true)
    const tabs = [first, ...(await Promise.all([1, 2, 3, 4].map(() => openTab(context, errors))))]
    // Every tab holds the token (read from the shared store), then it goes stale in all of them at once.
    expect((await Promise.all(tabs.map(call))).every((outcome) => outcome.ok)).toBe(true)
    const before = (await records()).counters
    await new Promise((resolve) => setTimeout(resolve, (ACCESS_TOKEN_TTL_S / 2) * 1000 + 500))
    // The refresh is held at the provider for a while, so every tab finds the token stale while it runs.
    await fault({ fault: 'slow-next-token', grant: 'refresh_token', delayMs: 1500 })

    const outcomes = await Promise.all(tabs.map(call))
    expect(outcomes).toEqual(tabs.map(() => ({ ok: true, obligations: expect.any(Number) })))
    const after = (await records()).counters
    expect(after.refreshes - before.refreshes).toBe(1)
    expect(after.consents - before.consents).toBe(0)
    expect(after.denials - before.denials).toBe(0)
    expect(await Promise.all(tabs.map(opened))).toEqual([1, 0, 0, 0, 0])
    // The provider saw no refresh token twice: a reuse would have revoked the grant, and this would need consent.
    expect(await call(tabs[4]!)).toMatchObject({ ok: true })
    expect(errors).toEqual([])
    await context.close()
  }, 60_000)

  it('five tabs needing consent at once: one of them sends the user to the provider, and that one consent serves all five calls', async () => {
    const context = await browser.newContext()
    const errors: string[] = []
    const tabs = await Promise.all([0, 1, 2, 3, 4].map(() => openTab(context, errors)))
    const before = (await records()).counters
    const waiting = Promise.all(tabs.map(call))
    const owner = await Promise.race(tabs.map((tab) => tab.waitForFunction(() => window.tab!.opened.length > 0).then(() => tab)))
    await consentInNewPage(context, errors, await owner.evaluate(() => window.tab!.opened[0]!))
    expect(await waiting).toEqual(tabs.map(() => ({ ok: true, obligations: expect.any(Number) })))
    const after = (await records()).counters
    expect((await Promise.all(tabs.map(opened))).reduce((sum, n) => sum + n, 0)).toBe(1)
    expect(after.authorizations - before.authorizations).toBe(1)
    expect(after.consents - before.consents).toBe(1)
    expect(after.codeExchanges - before.codeExchanges).toBe(1)
    expect(errors).toEqual([])
    await context.close()
  }, 60_000)
})
