import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import type { EmbeddedRecords } from '../../src/devServer/controlProtocol.js'
import { connectSharedBrowser } from '../support/sharedBrowser.js'
import { startReturnToServer, startServerExample, type RunningServer } from './serverBrowserApp.js'

// The server handlers through a real HTTP server and Debian's chromium: `npm run example:server`
// as a person runs it (the embedded provider behind its origin, sessions on PGlite), and a server
// that takes a returnTo from the Connect form. Asserted is what the browser ends on and what the
// provider recorded (its VAT API's submissions, its code exchanges).

// Bounds of a minute: a hang fails, a busy machine (the first page a cold provider renders) does not.
// Each test has a server of its own; all are started at once (a loaded machine takes seconds for each).
let browser: Browser
let filing: RunningServer
let stealing: RunningServer
let returning: RunningServer
beforeAll(async () => {
  const starting = [startServerExample(), startServerExample(), startReturnToServer()] as const
  const [launched, ...servers] = await Promise.allSettled([connectSharedBrowser(), ...starting])
  if (launched.status === 'fulfilled') browser = launched.value
  const [first, second, third] = servers.map((server) => (server.status === 'fulfilled' ? server.value : undefined))
  filing = first!
  stealing = second!
  returning = third!
  const failed = [launched, ...servers].find((outcome) => outcome.status === 'rejected')
  if (failed) throw failed.reason
}, 60_000)
afterAll(async () => {
  await Promise.allSettled([browser?.close(), filing?.close(), stealing?.close(), returning?.close()])
})

/** A browser of its own (no cookie of another test's), closed when the test ends. */
async function freshContext(): Promise<BrowserContext> {
  const context = await browser.newContext()
  // Playwright's own bound is 30 s an action: the minute above holds for each step too (the first
  // consent of a server example, cold, takes longer than 30 s while other files run beside it).
  context.setDefaultTimeout(60_000)
  onTestFinished(() => context.close())
  return context
}

async function records(origin: string): Promise<EmbeddedRecords> {
  return (await (await fetch(`${origin}/__embedded/records`)).json()) as EmbeddedRecords
}

/** At the embedded provider: signs in with the demo account, then allows (`beforeAllow` runs at the consent step). */
async function signInAndAllow(page: Page, beforeAllow?: () => Promise<void>) {
  const login = page.locator('input[name=login]')
  await login.fill('demo')
  await page.locator('input[name=password]').fill('demo')
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('heading', { name: /Allow .* access\?/ }).waitFor()
  await beforeAllow?.()
  await page.getByRole('button', { name: 'Allow', exact: true }).click()
}

/**
 * Holds the provider's redirect back to the callback: the Allow form's POST is answered here,
 * its redirects (within the provider) followed with the browser's own cookies, and the one to
 * the callback is not followed but kept (a route sees only the first request of a redirect chain).
 */
async function holdCallback(page: Page, origin: string): Promise<() => string | undefined> {
  let held: string | undefined
  await page.route(
    (url) => url.origin === origin && url.pathname.startsWith('/oidc/'),
    async (route) => {
      if (route.request().method() !== 'POST') return route.continue()
      let answer = await route.fetch({ maxRedirects: 0 })
      for (let hop = 0; hop < 5 && answer.headers()['location']; hop++) {
        const next = new URL(answer.headers()['location']!, answer.url())
        if (next.pathname === '/callback') {
          held = next.href
          return route.abort()
        }
        answer = await page.context().request.get(next.href, { maxRedirects: 0 })
      }
      return route.abort()
    },
  )
  return () => held
}

/** What the example shows once the filed return was replayed: its heading and the receipt. */
async function receiptShown(page: Page) {
  await expect.poll(() => page.locator('h1').textContent()).toBe('Consent given: the call was replayed once')
  return JSON.parse((await page.locator('#result').textContent())!) as { formBundleNumber?: string }
}

describe('the server example in chromium', () => {
  it('files the return after the consent at the provider: the receipt is shown and the VAT API received it once', async () => {
    const { origin } = filing
    const page = await (await freshContext()).newPage()
    await page.goto(`${origin}/`)
    await page.getByRole('button', { name: "File the company's VAT return" }).click()
    await page.waitForURL((url) => url.pathname.startsWith('/oidc/'))
    expect((await records(origin)).submissions).toHaveLength(0)
    await signInAndAllow(page)
    await page.waitForURL((url) => url.pathname === '/callback')
    expect(await receiptShown(page)).toMatchObject({ formBundleNumber: expect.stringMatching(/\S/) })
    const after = await records(origin)
    expect(after.submissions).toHaveLength(1)
    expect(after.counters.codeExchanges).toBe(1)
  }, 60_000)

  it('refuses the callback opened in another browser, which files nothing and leaves the authorization to the browser that started it', async () => {
    const { origin } = stealing
    const a = await (await freshContext()).newPage()
    // A consents, but the provider's redirect back is held: its URL is what an attacker would steal.
    await a.goto(`${origin}/`)
    await a.getByRole('button', { name: "File the company's VAT return" }).click()
    let held: () => string | undefined = () => undefined
    await signInAndAllow(a, async () => {
      held = await holdCallback(a, origin)
    })
    await expect.poll(() => held()).toBeDefined()
    const stolen = held()!
    expect(new URL(stolen).searchParams.get('code')).toBeTruthy()

    const b = await (await freshContext()).newPage()
    const refused = await b.goto(stolen)
    expect(refused?.status()).toBe(403)
    // A person sees a page in words (code gets the problem document: test/server/handlers.test.ts).
    await expect.poll(() => b.locator('h1').textContent()).toBe('Sign-in not completed')
    expect(await b.locator('main').textContent()).toContain('started in another browser')
    expect(await b.locator('code').textContent()).toBe('binding_mismatch')
    expect(await b.locator('#result').count()).toBe(0)
    const untouched = await records(origin)
    expect(untouched.submissions).toHaveLength(0)
    expect(untouched.counters.codeExchanges).toBe(0)

    // A brings it itself: completed, the return filed once.
    await a.unrouteAll()
    const completed = await a.goto(stolen)
    expect(completed?.status()).toBe(200)
    expect(await receiptShown(a)).toMatchObject({ formBundleNumber: expect.stringMatching(/\S/) })
    const after = await records(origin)
    expect(after.submissions).toHaveLength(1)
    expect(after.counters.codeExchanges).toBe(1)
  }, 60_000)
})

describe('the redirect after the callback, in chromium', () => {
  let companies = 0
  /** A browser acting for a company of its own that consents through one of the forms with `returnTo`: where it ends, and every URL it asked for. */
  async function consentWith(returnTo: string, form: 'Connect' | 'File the return' = 'Connect') {
    const context = await freshContext()
    const company = ++companies
    await context.addCookies([{ name: 'company', value: `company-${company}`, url: returning.origin }])
    const asked: string[] = []
    context.on('request', (request) => asked.push(request.url()))
    const page = await context.newPage()
    await page.goto(`${returning.origin}/?${new URLSearchParams({ returnTo, vrn: String(100_000_000 + company) })}`)
    await page.getByRole('button', { name: form }).click()
    await signInAndAllow(page)
    // Off the provider: wherever the callback sent it (a redirect from the callback commits no page of its own).
    // Committed is enough to tell: another origin's page (an error page here, no network) may never load.
    await page.waitForURL((url) => url.origin !== returning.origin || !url.pathname.startsWith('/oidc/'), { waitUntil: 'commit' })
    const landed = new URL(page.url())
    if (landed.origin === returning.origin) await page.waitForLoadState()
    return { page, context, asked, landed }
  }

  it.each(['//evil.example/', 'https://evil.example/', '/\\evil.example/', '/.//evil.example/'])(
    'a returnTo of %s: the browser ends on this origin at /, and never asks evil.example for anything',
    async (returnTo) => {
      const { page, asked, landed } = await consentWith(returnTo)
      expect(landed.origin).toBe(returning.origin)
      expect(landed.pathname + landed.search).toBe('/')
      // Connected already: the form again goes straight to where it may, with no consent.
      await page.goto(`${returning.origin}/?returnTo=${encodeURIComponent(returnTo)}`)
      await page.getByRole('button', { name: 'Connect' }).click()
      await page.waitForURL((url) => url.pathname !== '/' || url.search === '' || url.origin !== returning.origin)
      expect(new URL(page.url()).origin).toBe(returning.origin)
      expect(new URL(page.url()).pathname).toBe('/')
      expect(asked.filter((url) => new URL(url).hostname.includes('evil'))).toEqual([])
    },
    60_000,
  )

  // Checked when the authorization is prepared, and again by the callback route.
  it.each(['//evil.example/', '/.//evil.example/', 'https://evil.example/'])(
    'a returnTo of %s saved by a call that needed consent: the call is replayed once and the browser ends on this origin at /',
    async (returnTo) => {
      const before = (await records(returning.origin)).submissions.length
      const { asked, landed } = await consentWith(returnTo, 'File the return')
      expect(landed.origin).toBe(returning.origin)
      expect(landed.pathname + landed.search).toBe('/')
      expect((await records(returning.origin)).submissions.length - before).toBe(1)
      expect(asked.filter((url) => new URL(url).hostname.includes('evil'))).toEqual([])
    },
    60_000,
  )

  it.each(['Connect', 'File the return'] as const)(
    'a same-origin returnTo is followed, as the URL parser normalises it (%s)',
    async (form) => {
      const { page, landed } = await consentWith('/returns/./new?period=18A1', form)
      expect(landed.href).toBe(`${returning.origin}/returns/new?period=18A1`)
      expect(await page.locator('#landed').textContent()).toBe('Landed at /returns/new?period=18A1')
    },
    60_000,
  )
})
