import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { callWizardScenarios, createWizardCoverage, playableWith, type WizardArrangement, type WizardScenario } from '../../src/testing/index.js'
import { countDialogs, dialogsSeen, glimpse, openDemo, startDemo, submitReturn, type DemoBrowser } from './demoBrowser.js'

// The demo in a real browser as `npm run dev:mock` serves it: the simulated HMRC (the provider
// kit under MSW's service worker) in the page, its records read from the page, its faults
// injected from the fault panel. The embedded provider's flows are in demo.test.ts.
// Screenshots go to test-results/screenshots/mock-*.png.

let demo: DemoBrowser
const coverage = createWizardCoverage()

beforeAll(async () => {
  demo = await startDemo({ mode: 'mock' })
}, 60_000)

afterAll(async () => {
  console.log(`demo with simulated providers: ${coverage.summary()}`)
  await demo?.close()
})

// The wizard scenarios (grantflow/testing) this demo can play: guided, the browser leaves for the
// simulated HMRC and comes back, and the provider kit runs in the page, so every kit fault a
// scenario arms is armed on it as is.
const scenarios = callWizardScenarios({ interactions: ['guided'], starts: ['event'] })
const HAPPY_PATH =
  'guided: CALL → attemptCall(consentNeeded) → CONSENT_ACCEPTED → beginConsent done → CALLBACK_RECEIVED → completeConsent done → attemptCall(succeeded)'

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
    const submitted = page.getByRole('heading', { name: 'VAT return submitted' })
    const retrying = page.getByRole('dialog', { name: 'Almost done' }).filter({ hasText: 'Sending your VAT return to VAT (Making Tax Digital)…' })
    await glimpse(page.getByRole('dialog', { name: 'Confirming with HM Revenue & Customs' }), () => shot('04-exchangingCode'), retrying.or(submitted))
    await glimpse(retrying, () => shot('05-retrying'), submitted)

    await submitted.waitFor()
    expect(new URL(page.url()).pathname).toBe('/')
    await expect(page.getByRole('status').filter({ hasText: 'VAT return submitted' }).textContent()).resolves.toContain('period #001')
    await shot('06-succeeded-receipt')
    expect(await hmrc(page)).toEqual({ submissions: [{ periodKey: '#001', netVatDue: 2360 }], duplicates: 0, consents: 1, codeExchanges: 1, refreshes: 0 })
    await page.getByRole('tab', { name: 'Faults' }).click()
    expect(await page.getByRole('list', { name: 'VAT returns received by HMRC' }).getByRole('listitem').count()).toBe(1)
    expect(errors).toEqual([])
    await close()
    coverage.walked(scenarios.find((scenario) => scenario.name === HAPPY_PATH)!)
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
    const sent = page.getByRole('status').filter({ hasText: 'period 25A3' })
    await glimpse(
      page.getByRole('status').filter({ hasText: 'Sending your VAT return…' }),
      async () => {
        await page.getByRole('button', { name: 'Submitting…' }).scrollIntoViewIfNeeded()
        await shot('08-calling-inline')
      },
      sent,
    )
    await glimpse(page.getByRole('status').filter({ hasText: 'Renewing your access…' }), () => shot('09-refreshing-inline'), sent)
    await sent.waitFor()

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

describe('the wizard scenarios the simulated demo can play, generated (grantflow/testing)', () => {
  const cancelsAtProvider = (scenario: WizardScenario) =>
    scenario.steps.some((step, i) => step.does.by === 'app' && step.does.act === 'cancel' && scenario.steps[i - 1]!.state.startsWith('awaitingConsent'))
  const candidates = scenarios.filter(
    (scenario) =>
      playableWith(['redirect'])(scenario) && scenario.atProvider.every((answer) => answer === 'approve' || answer === 'deny') && !cancelsAtProvider(scenario),
  )
  // Greedily, the scenario taking the most transitions not taken yet, until none adds one: the run stays short.
  const taken = new Set(scenarios.find((scenario) => scenario.name === HAPPY_PATH)!.transitions)
  const generated: WizardScenario[] = []
  for (;;) {
    const fresh = (scenario: WizardScenario) => scenario.transitions.filter((key) => !taken.has(key)).length
    const best = [...candidates].sort((a, b) => fresh(b) - fresh(a))[0]
    if (!best || fresh(best) === 0) break
    generated.push(best)
    best.transitions.forEach((key) => taken.add(key))
  }

  it('has scenarios beyond the hand-written ones', () => expect(generated.length).toBeGreaterThanOrEqual(4))

  for (const scenario of generated) it(scenario.name, () => play(scenario), 45_000)

  function arrange(page: Page, arrangement: WizardArrangement) {
    return page.evaluate((a) => {
      const kit = window.__grantflowDemo!.world.hmrc.sandbox.kit
      if ('kit' in a && a.kit === 'fail') kit.fail(a.fault)
      else if ('kit' in a) kit.expireAccessTokens()
      else throw new Error(`the demo cannot arrange ${JSON.stringify(a)}`)
    }, arrangement)
  }

  async function play(scenario: WizardScenario) {
    const { page, errors, close } = await openDemo(demo)
    if (scenario.given === 'connected') {
      await submitReturn(page, '#001')
      await consentAtHmrc(page)
      await page.getByRole('button', { name: 'Grant authority', exact: true }).click()
      await page.getByRole('heading', { name: 'VAT return submitted' }).waitFor()
    }
    const before = await hmrc(page)
    for (const step of scenario.steps) {
      for (const arrangement of step.arrange) await arrange(page, arrangement)
      const { does } = step
      if (does.by === 'app' && does.act === 'call') await submitReturn(page, '25A3')
      if (does.by === 'app' && does.act === 'continue') await consentAtHmrc(page)
      if (does.by === 'app' && does.act === 'retry') await page.getByRole('button', { name: 'Try again' }).click()
      if (does.by === 'app' && does.act === 'cancel')
        await page
          .getByRole('dialog')
          .getByRole('button', { name: /^(Cancel|Close|Dismiss)$/ })
          .click()
      if (does.by === 'provider') {
        await page.getByRole('heading', { name: 'Grant authority' }).waitFor()
        await page.getByRole('button', { name: does.answer === 'deny' ? 'Do not grant authority' : 'Grant authority', exact: true }).click()
      }
      // A step that waits for the user shows its dialog before the next act.
      if (step.state === 'unauthorized' || step.state === 'failed') await page.getByRole('dialog').waitFor()
    }
    if (scenario.end === 'succeeded') await page.getByRole('status').filter({ hasText: 'period 25A3' }).waitFor()
    if (scenario.end === 'failed') await page.getByRole('dialog').getByRole('button', { name: 'Try again' }).waitFor()
    if (scenario.end === 'cancelled') await expect.poll(() => page.getByRole('dialog').count()).toBe(0)
    const after = await hmrc(page)
    expect(after.submissions.filter((s) => s.periodKey === '25A3')).toEqual(scenario.end === 'succeeded' ? [{ periodKey: '25A3', netVatDue: 2360 }] : [])
    expect(after.consents - before.consents).toBe(scenario.atProvider.length)
    expect(after.duplicates).toBe(0)
    expect(errors).toEqual([])
    await close()
    coverage.walked(scenario)
  }
})
