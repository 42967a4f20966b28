import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { countDialogs, dialogsSeen, glimpse, openDemo, startDemo, submitReturn, type DemoBrowser } from './demoBrowser.js'

// The demo in a real browser as `npm run dev:mock` serves it: the simulated HMRC (the provider
// kit under MSW's service worker) in the page, its records read from the page, its faults
// injected from the fault panel. The embedded provider's flows are in demo.test.ts.
// Screenshots go to test-results/screenshots/mock-*.png.

let demo: DemoBrowser

beforeAll(async () => {
  demo = await startDemo({ mode: 'mock' })
}, 60_000)

afterAll(async () => {
  await demo?.close()
})

/** The fake HMRC sandbox's records, read from the page. */
function hmrc(page: Page) {
  return page.evaluate(() => {
    const side = window.__grantflowDemo!.world.hmrc.sandbox
    return {
      submissions: side.vat.submissions.map((s) => ({ periodKey: s.periodKey, netVatDue: s.body.netVatDue })),
      duplicates: side.vat.duplicates.length,
      consents: side.kit.counters.authorizations,
      codeExchanges: side.kit.counters.tokenRequestsByGrant.authorization_code,
      refreshes: side.kit.counters.tokenRequestsByGrant.refresh_token,
    }
  })
}

/** Holds the fake HMRC's next answers back, so the states in between can be seen. */
function slowDown(page: Page, faults: Array<{ endpoint: 'api' | 'token'; grant?: 'authorization_code' | 'refresh_token' }>, delayMs = 1500) {
  return page.evaluate(([list, ms]) => list.forEach((fault) => window.__grantflowDemo!.world.hmrc.sandbox.kit.fail({ ...fault, kind: 'slow', delayMs: ms })), [
    faults,
    delayMs,
  ] as const)
}

async function consentAtHmrc(page: Page) {
  await page.getByRole('dialog', { name: 'Connect Ledgerline to VAT (Making Tax Digital)' }).waitFor()
  await page.getByRole('button', { name: 'Continue to HM Revenue & Customs' }).click()
  await page.getByRole('heading', { name: 'Grant authority' }).waitFor()
}

describe('the demo with simulated providers (npm run dev:mock), in chromium', () => {
  it('submits a return with no session: consent at HMRC, then the return is sent exactly once', async () => {
    const { page, errors, shot: screenshot, close } = await openDemo(demo)
    const shot = (name: string) => screenshot(`mock-${name}`)
    await shot('01-idle-returns-page')
    await submitReturn(page, '#001')
    const dialog = page.getByRole('dialog', { name: 'Connect Ledgerline to VAT (Making Tax Digital)' })
    await dialog.waitFor()
    await expect(dialog.textContent()).resolves.toContain('Change your VAT information')
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Continue to HM Revenue & Customs')
    await shot('02-unauthorized')
    // The state chart (behind the dialog) lights the wizard's state.
    await expect.poll(() => page.locator('.chart-node.is-current').allTextContents()).toEqual(['unauthorized'])

    await page.getByRole('button', { name: 'Continue to HM Revenue & Customs' }).click()
    await page.getByRole('heading', { name: 'Grant authority' }).waitFor()
    expect(new URL(page.url()).pathname).toBe('/provider/test-www.tax.service.gov.uk/oauth/authorize')
    expect(new URL(page.url()).searchParams.get('scope')).toBe('write:vat')
    await shot('03-provider-hmrc-grant-authority')

    // Slow the code exchange and the retried call down, to see both states.
    await slowDown(page, [{ endpoint: 'token', grant: 'authorization_code' }, { endpoint: 'api' }])
    await page.getByRole('button', { name: 'Grant authority', exact: true }).click()
    // Held for a moment by the slow faults, for the screenshots; what is asserted comes after.
    await glimpse(page.getByRole('dialog', { name: 'Confirming with HM Revenue & Customs' }), () => shot('04-exchangingCode'))
    await glimpse(page.getByRole('dialog', { name: 'Almost done' }).filter({ hasText: 'Sending your VAT return to VAT (Making Tax Digital)…' }), () =>
      shot('05-retrying'),
    )

    await page.getByRole('heading', { name: 'VAT return submitted' }).waitFor()
    expect(new URL(page.url()).pathname).toBe('/')
    await expect(page.getByRole('status').filter({ hasText: 'VAT return submitted' }).textContent()).resolves.toContain('period #001')
    await shot('06-succeeded-receipt')
    expect(await hmrc(page)).toEqual({ submissions: [{ periodKey: '#001', netVatDue: 2360 }], duplicates: 0, consents: 1, codeExchanges: 1, refreshes: 0 })
    await page.getByRole('tab', { name: 'Faults' }).click()
    expect(await page.getByRole('list', { name: 'VAT returns received by HMRC' }).getByRole('listitem').count()).toBe(1)
    expect(errors).toEqual([])
    await close()
  }, 45_000)

  it('refreshes an expired token silently: no consent screen, the return is sent once', async () => {
    const { page, errors, shot: screenshot, close } = await openDemo(demo)
    const shot = (name: string) => screenshot(`mock-${name}`)
    await submitReturn(page, '#001')
    await consentAtHmrc(page)
    await page.getByRole('button', { name: 'Grant authority', exact: true }).click()
    await page.getByRole('heading', { name: 'VAT return submitted' }).waitFor()

    await page.getByRole('tab', { name: 'Faults' }).click()
    await page.getByRole('button', { name: 'Expire the access token now' }).click()
    await countDialogs(page)
    await slowDown(page, [{ endpoint: 'api' }, { endpoint: 'token', grant: 'refresh_token' }], 1200)
    await submitReturn(page, '25A3')
    await glimpse(page.getByRole('status').filter({ hasText: 'Sending your VAT return…' }), async () => {
      await page.getByRole('button', { name: 'Submitting…' }).scrollIntoViewIfNeeded()
      await shot('08-calling-inline')
    })
    await glimpse(page.getByRole('status').filter({ hasText: 'Renewing your access…' }), () => shot('09-refreshing-inline'))
    await page.getByRole('status').filter({ hasText: 'period 25A3' }).waitFor()

    expect(await dialogsSeen(page)).toBe(0)
    expect(new URL(page.url()).pathname).toBe('/')
    const records = await hmrc(page)
    expect(records.submissions.map((s) => s.periodKey)).toEqual(['#001', '25A3'])
    expect(records).toMatchObject({ consents: 1, refreshes: 1, duplicates: 0 })
    await page.getByRole('tab', { name: 'Event log' }).click()
    await expect(page.getByRole('list', { name: 'Event log' }).textContent()).resolves.toContain('POST /oauth/token (refresh_token)')
    await shot('10-event-log-silent-refresh')
    expect(errors).toEqual([])
    await close()
  }, 45_000)
})
