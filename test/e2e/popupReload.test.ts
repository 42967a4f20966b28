import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { watchErrors } from './demoBrowser.js'
import type { EmbeddedRecords } from '../../src/devServer/controlProtocol.js'
import { startEmbeddedApp, type EmbeddedApp } from './embeddedApp.js'

// Issue 21, item 4: the app's page is reloaded while its consent popup is at the provider. The app
// (popupReload/app.tsx) is what a new user writes: the browser store, the popup navigator,
// useCall with <AuthorizationWizard>, <AuthorizationCallback> at the redirect URI, against the
// embedded oidc-provider. What is asserted is what the user sees on the reloaded page and what the
// provider and its API recorded.

let app: EmbeddedApp
let origin: string
let browser: Browser

beforeAll(async () => {
  app = await startEmbeddedApp('popupReload')
  ;({ origin, browser } = app)
}, 60_000)

afterAll(() => app?.close())

const records = () => app.records()

const appReady = (page: Page) => page.waitForFunction(() => (window as { appReady?: boolean }).appReady === true)

async function openApp(context: BrowserContext, errors: string[]): Promise<Page> {
  const page = await context.newPage()
  watchErrors(page, errors)
  await page.goto(origin + '/')
  await appReady(page)
  return page
}

/** Submits the return, accepts the consent the wizard asks for, and gives back the popup, once it shows the provider's sign-in. */
async function submitAndOpenPopup(page: Page, errors: string[], periodKey: string): Promise<Page> {
  await page.getByLabel('Period key').fill(periodKey)
  await page.getByRole('button', { name: 'Submit return' }).click()
  const [popup] = await Promise.all([page.waitForEvent('popup'), page.getByRole('button', { name: 'Continue to HM Revenue & Customs' }).click()])
  watchErrors(popup, errors)
  await popup.locator('input[name=login]').waitFor()
  return popup
}

/** At the embedded provider: signs in with the demo account and allows; resolves once the popup has closed. */
async function signInAndAllow(popup: Page) {
  await popup.locator('input[name=login]').fill('demo')
  await popup.locator('input[name=password]').fill('demo')
  await popup.getByRole('button', { name: 'Sign in' }).click()
  await popup.getByRole('heading', { name: /Allow .* access\?/ }).waitFor()
  await Promise.all([popup.waitForEvent('close'), popup.getByRole('button', { name: 'Allow', exact: true }).click()])
}

const submissionsOf = (recorded: EmbeddedRecords, periodKey: string) => recorded.submissions.filter((s) => s.periodKey === periodKey)

describe('a consent popup whose opener was reloaded, in chromium', () => {
  it('the reloaded page completes the consent and makes the kept call once: one code exchange, one POST', async () => {
    const context = await browser.newContext()
    const errors: string[] = []
    const before = await records()
    const page = await openApp(context, errors)
    const popup = await submitAndOpenPopup(page, errors, '#PR1')

    // F5 while the user is at the provider: the wizard, its call and the page's listener are gone.
    await page.reload()
    await appReady(page)
    await signInAndAllow(popup)

    await page.getByRole('heading', { name: /VAT return submitted: \S+/ }).waitFor()
    expect(await page.getByTestId('status').textContent()).toBe('succeeded')
    const after = await records()
    expect(after.counters.consents - before.counters.consents).toBe(1)
    expect(after.counters.codeExchanges - before.counters.codeExchanges).toBe(1)
    expect(submissionsOf(after, '#PR1')).toEqual([expect.objectContaining({ periodKey: '#PR1', netVatDue: 750 })])
    expect(after.duplicates).toBe(before.duplicates)
    expect(errors).toEqual([])
    await context.close()
  }, 60_000)

  it('a page of the tab that loads after the popup delivered (the user was on another page of the site) finds the callback on load', async () => {
    const context = await browser.newContext()
    const errors: string[] = []
    const before = await records()
    const page = await openApp(context, errors)
    const popup = await submitAndOpenPopup(page, errors, '#PR2')

    // Away on a page of the site without grantflow: nothing there listens when the popup delivers.
    await page.goto(origin + '/plain.html')
    await signInAndAllow(popup)
    expect((await records()).counters.codeExchanges).toBe(before.counters.codeExchanges)

    // Back in the app: the page finds the callback its tab was given, and the kept return is filed.
    await page.goto(origin + '/')
    await page.getByRole('heading', { name: /VAT return submitted: \S+/ }).waitFor()
    const after = await records()
    expect(after.counters.codeExchanges - before.counters.codeExchanges).toBe(1)
    expect(submissionsOf(after, '#PR2')).toEqual([expect.objectContaining({ periodKey: '#PR2' })])
    expect(after.duplicates).toBe(before.duplicates)
    expect(errors).toEqual([])
    await context.close()
  }, 60_000)

  it('a reloaded page signed in as another company does not complete it: it says so, and nothing is exchanged or sent', async () => {
    const context = await browser.newContext()
    const errors: string[] = []
    const before = await records()
    const page = await openApp(context, errors)
    const popup = await submitAndOpenPopup(page, errors, '#PR3')

    // Someone else signs in to the app in this tab while the first user is at the provider.
    await page.evaluate(() => sessionStorage.setItem('app.company', 'globex'))
    await page.reload()
    await appReady(page)
    await signInAndAllow(popup)

    await expect(page.getByRole('alert').textContent()).resolves.toBe('The answer from HM Revenue & Customs could not be verified, so it was not used.')
    const after = await records()
    expect(after.counters.codeExchanges).toBe(before.counters.codeExchanges)
    expect(submissionsOf(after, '#PR3')).toEqual([])
    expect(await page.getByTestId('status').textContent()).toBe('idle')
    expect(errors).toEqual([])
    await context.close()
  }, 60_000)
})
