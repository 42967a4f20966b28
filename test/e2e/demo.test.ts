import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { openDemo, startDemo, watchErrors, type DemoBrowser } from './demoBrowser.js'

// The demo in a real browser: the user's flows of issue 4, end to end, with the fake HMRC (the
// provider kit under MSW's service worker) in the page. Screenshots of each wizard state are
// saved under test-results/screenshots/.

let demo: DemoBrowser

beforeAll(async () => {
  demo = await startDemo()
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
  return page.evaluate(
    ([list, ms]) => list.forEach((fault) => window.__grantflowDemo!.world.hmrc.sandbox.kit.fail({ ...fault, kind: 'slow', delayMs: ms })),
    [faults, delayMs] as const,
  )
}

async function submitReturn(page: Page, periodKey = '#001') {
  await page.getByLabel('Period key').fill(periodKey)
  await page.getByRole('checkbox', { name: /I confirm the information is true/ }).check()
  await page.getByRole('button', { name: 'Submit return' }).click()
}

async function consentAtHmrc(page: Page) {
  await page.getByRole('dialog', { name: 'Connect Ledgerline to VAT (Making Tax Digital)' }).waitFor()
  await page.getByRole('button', { name: 'Continue to HM Revenue & Customs' }).click()
  await page.getByRole('heading', { name: 'Grant authority' }).waitFor()
}

/** Counts the dialogs that appear from now on (a silent refresh must show none). */
function countDialogs(page: Page) {
  return page.evaluate(() => {
    const seen = new Set<Element>()
    const observer = new MutationObserver(() => document.querySelectorAll('[role="dialog"]').forEach((d) => seen.add(d)))
    observer.observe(document.body, { childList: true, subtree: true })
    ;(window as unknown as { dialogsSeen: () => number }).dialogsSeen = () => seen.size
  })
}

describe('the demo, in chromium', () => {
  it('submits a return with no session: consent at HMRC, then the return is sent exactly once', async () => {
    const { page, errors, shot } = await openDemo(demo)
    await shot('01-idle-returns-page')
    await submitReturn(page)
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
    await page.getByRole('dialog', { name: 'Confirming with HM Revenue & Customs' }).waitFor()
    await shot('04-exchangingCode')
    await page.getByRole('dialog', { name: 'Almost done' }).waitFor()
    await expect(page.getByRole('dialog').textContent()).resolves.toContain('Sending your VAT return to VAT (Making Tax Digital)…')
    await shot('05-retrying')

    await page.getByRole('heading', { name: 'VAT return submitted' }).waitFor()
    expect(new URL(page.url()).pathname).toBe('/')
    await expect(page.getByRole('status').filter({ hasText: 'VAT return submitted' }).textContent()).resolves.toContain('period #001')
    await shot('06-succeeded-receipt')
    expect(await hmrc(page)).toEqual({ submissions: [{ periodKey: '#001', netVatDue: 2360 }], duplicates: 0, consents: 1, codeExchanges: 1, refreshes: 0 })
    await page.getByRole('tab', { name: 'Faults' }).click()
    expect(await page.getByRole('list', { name: 'VAT returns received by HMRC' }).getByRole('listitem').count()).toBe(1)
    expect(errors).toEqual([])
    await page.close()
  }, 45_000)

  it('keeps the return when consent is denied; Try again submits it once', async () => {
    const { page, errors, shot } = await openDemo(demo)
    await submitReturn(page)
    await consentAtHmrc(page)
    await page.getByRole('button', { name: 'Do not grant authority' }).click()
    const failed = page.getByRole('dialog', { name: 'Access not granted' })
    await failed.waitFor()
    await expect(failed.textContent()).resolves.toContain('Access was not granted at HM Revenue & Customs, so nothing was sent.')
    await shot('07-failed-consent-denied')
    expect((await hmrc(page)).submissions).toEqual([])

    await page.getByRole('button', { name: 'Try again' }).click()
    await consentAtHmrc(page)
    await page.getByRole('button', { name: 'Grant authority', exact: true }).click()
    await page.getByRole('heading', { name: 'VAT return submitted' }).waitFor()
    const records = await hmrc(page)
    expect(records.submissions).toEqual([{ periodKey: '#001', netVatDue: 2360 }])
    expect(records.consents).toBe(2)
    expect(errors).toEqual([])
    await page.close()
  }, 45_000)

  it('refreshes an expired token silently: no consent screen, the return is sent once', async () => {
    const { page, errors, shot } = await openDemo(demo)
    await submitReturn(page)
    await consentAtHmrc(page)
    await page.getByRole('button', { name: 'Grant authority', exact: true }).click()
    await page.getByRole('heading', { name: 'VAT return submitted' }).waitFor()

    await page.getByRole('tab', { name: 'Faults' }).click()
    await page.getByRole('button', { name: 'Expire the access token now' }).click()
    await countDialogs(page)
    await slowDown(page, [{ endpoint: 'api' }, { endpoint: 'token', grant: 'refresh_token' }], 1200)
    await submitReturn(page, '25A3')
    await page.getByRole('status').filter({ hasText: 'Sending your VAT return…' }).waitFor()
    await page.getByRole('button', { name: 'Submitting…' }).scrollIntoViewIfNeeded()
    await shot('08-calling-inline')
    await page.getByRole('status').filter({ hasText: 'Renewing your access…' }).waitFor()
    await shot('09-refreshing-inline')
    await page.getByRole('status').filter({ hasText: 'period 25A3' }).waitFor()

    expect(await page.evaluate(() => (window as unknown as { dialogsSeen: () => number }).dialogsSeen())).toBe(0)
    expect(new URL(page.url()).pathname).toBe('/')
    const records = await hmrc(page)
    expect(records.submissions.map((s) => s.periodKey)).toEqual(['#001', '25A3'])
    expect(records).toMatchObject({ consents: 1, refreshes: 1, duplicates: 0 })
    await page.getByRole('tab', { name: 'Event log' }).click()
    await expect(page.getByRole('list', { name: 'Event log' }).textContent()).resolves.toContain('POST /oauth/token (refresh_token)')
    await shot('10-event-log-silent-refresh')
    expect(errors).toEqual([])
    await page.close()
  }, 45_000)

  it('in popup mode, consents in a popup while the page stays, and submits the return once', async () => {
    const { page, errors, shot } = await openDemo(demo)
    await page.getByRole('group', { name: 'Consent in' }).getByRole('button', { name: 'Popup' }).click()
    await submitReturn(page)
    await page.getByRole('dialog', { name: 'Connect Ledgerline to VAT (Making Tax Digital)' }).waitFor()
    const [popup] = await Promise.all([page.waitForEvent('popup'), page.getByRole('button', { name: 'Continue to HM Revenue & Customs' }).click()])
    const popupErrors: string[] = []
    watchErrors(popup, popupErrors)
    await page.getByRole('dialog', { name: 'Finish at HM Revenue & Customs' }).waitFor()
    await shot('11-awaitingConsent-popup')
    await popup.getByRole('heading', { name: 'Grant authority' }).waitFor()
    await popup.setViewportSize({ width: 520, height: 720 })
    await shot('12-popup-provider-hmrc', popup)

    await Promise.all([popup.waitForEvent('close'), popup.getByRole('button', { name: 'Grant authority', exact: true }).click()])
    await page.getByRole('heading', { name: 'VAT return submitted' }).waitFor()
    expect(new URL(page.url()).pathname).toBe('/')
    const records = await hmrc(page)
    expect(records.submissions).toEqual([{ periodKey: '#001', netVatDue: 2360 }])
    expect(records.codeExchanges).toBe(1)
    expect([...errors, ...popupErrors]).toEqual([])
    await page.close()
  }, 45_000)

  it('reads the books from Odoo, a provider that breaks the spec, and shows its expiry', async () => {
    const { page, errors, shot } = await openDemo(demo)
    await page.getByRole('button', { name: 'Fill in from Odoo' }).click()
    await page.getByRole('dialog', { name: 'Connect Ledgerline to Odoo Accounting' }).waitFor()
    await page.getByRole('button', { name: 'Continue to Odoo' }).click()
    await page.getByRole('button', { name: 'Authorize' }).waitFor()
    await shot('13-provider-odoo')
    await page.getByRole('button', { name: 'Authorize' }).click()
    await page.getByRole('heading', { name: 'Figures imported from Odoo' }).waitFor()
    expect(await page.getByLabel('Box 1: VAT due on sales and other outputs').inputValue()).not.toBe('3600.00')

    await page.getByRole('link', { name: 'Connections' }).click()
    const odoo = page.getByRole('listitem').filter({ hasText: 'Odoo Accounting' })
    await odoo.getByText('Connected').waitFor()
    // access_token_validity (an absolute date) became a one-hour lifetime through the fix.
    await expect(odoo.textContent()).resolves.toMatch(/Token expires(in 60 min|in 59 min)/)
    await page.getByRole('listitem').filter({ hasText: 'Check a UK VAT number' }).getByText(/token request/).waitFor()
    await shot('14-connections')
    expect(errors).toEqual([])
    await page.close()
  }, 45_000)

  it('checks a VAT number through the server route, as the application, with one token', async () => {
    const { page, errors, shot } = await openDemo(demo, '/customers')
    const check = async (vrn: string) => {
      await page.getByLabel("Customer's VAT registration number").fill(vrn)
      await page.getByRole('button', { name: 'Check', exact: true }).click()
    }
    await check('987654321')
    await page.getByRole('heading', { name: 'Bramble & Sons Ltd' }).waitFor()
    await check('555666777')
    await page.getByRole('heading', { name: 'Northwind Logistics plc' }).waitFor()
    await expect(page.locator('.result').textContent()).resolves.toMatch(/asked HMRC for one application token for \d+ lookups/)
    await shot('15-server-route-application')
    await check('111111111')
    await page.getByText('targetVrn does not match a registered company').waitFor()
    // The secret and the token never reach the browser.
    const html = await page.content()
    expect(html).not.toMatch(/access_token|client_secret/)
    expect(errors).toEqual([])
    await page.close()
  }, 30_000)
})
