// @vitest-environment happy-dom
import { cleanup, render, screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { callWizardMachine, listTransitions, transitionKey } from '../../machines/index.js'
import { AuthorizationWizard, GrantflowProvider, useCall } from '../../src/react/index.js'
import { callWizardScenarios, createWizardCoverage, playableWith, type WizardArrangement, type WizardScenario } from '../../src/testing/index.js'
import { useMsw, vat, vatReturn, vatWorld, VRN } from '../support/vatWorld.js'
import { playScenario } from './playScenario.js'

const server = useMsw()
const SESSION_KEY = 'vat/sandbox/company%3Aacme-ltd'
afterEach(cleanup)

describe('the call wizard scenarios', () => {
  const scenarios = callWizardScenarios()

  // Each scenario played headless through the runtime; what the live wizards took is counted
  // from grantflow's inspection, not from the scenarios' own lists of transitions.
  const played = createWizardCoverage()
  for (const scenario of scenarios) {
    it(`plays through the runtime: ${scenario.name}`, () => playScenario(server, scenario, played.inspect))
  }

  it('take every transition of the wizard together, as the runs took them (N = M)', () => {
    console.log(`scenarios played through the runtime: ${played.summary()}`)
    const declared = listTransitions(callWizardMachine).length
    expect(played.missing()).toEqual([])
    expect(played.summary()).toBe(`${declared}/${declared} wizard transitions covered`)
  })

  it('name each path once, and end each in an ending', () => {
    expect(new Set(scenarios.map((s) => s.name)).size).toBe(scenarios.length)
    expect(new Set(scenarios.map((s) => s.end))).toEqual(new Set(['succeeded', 'failed', 'cancelled', 'consentRequired']))
  })

  it('say what to arm, what the user answers and which state follows', () => {
    const denied = scenarios.find(
      (s) => s.name === 'automatic: CALL → attemptCall(consentNeeded) → beginConsent done → CALLBACK_RECEIVED → error: completeConsent (the user denies)',
    )
    expect(denied).toMatchObject({ given: 'noSession', faults: [], atProvider: ['deny'], end: 'failed', uses: ['redirect'] })
    const refused = scenarios.find(
      (s) => s.name === 'automatic: CALL → attemptCall(consentNeeded) → beginConsent done → CALLBACK_RECEIVED → error: completeConsent',
    )
    expect(refused).toMatchObject({
      atProvider: ['approve'],
      faults: [{ endpoint: 'token', kind: 'invalid_grant', grant: 'authorization_code' }],
      end: 'failed',
    })
    const stale = scenarios.find((s) => s.name === 'guided: CALL → attemptCall(tokenStale) → error: renewToken')!
    // What makes the refresh fail is arranged before the call that leads to it.
    expect(stale.steps.map((step) => [step.event, step.does, step.arrange, step.state])).toEqual([
      ['init', { by: 'follows' }, [], 'idle'],
      [
        'CALL',
        { by: 'app', act: 'call' },
        [{ clock: 'passTokenLifetime' }, { kit: 'fail', fault: { endpoint: 'token', kind: 'unavailable', grant: 'refresh_token', times: Infinity } }],
        'calling',
      ],
      ['attemptCall(tokenStale)', { by: 'follows' }, [], 'refreshing'],
      ['error: renewToken', { by: 'follows' }, [], 'failed'],
    ])
    // A renewal that succeeds and whose token the API refuses too: the refused token is one the
    // kit issues after the arrangement, so the arrangement names it ahead.
    const renewedRefused = scenarios.filter((s) => s.name.includes('renewToken(succeeded) → attemptCall(renewalNeeded)'))
    expect(renewedRefused.length).toBeGreaterThan(0)
    for (const scenario of renewedRefused) expect(scenario.steps.flatMap((step) => step.arrange)).toContainEqual({ kit: 'expireAccessTokens', alsoNext: 1 })
    expect(stale.transitions).toEqual(stale.steps.flatMap((step) => step.transitions))
    const keys = new Set(listTransitions(callWizardMachine).map(transitionKey))
    expect(scenarios.flatMap((s) => s.transitions).every((key) => keys.has(key))).toBe(true)
  })
})

// An app's own UI test: its screens (useCall and <AuthorizationWizard>) walked through every guided
// scenario it can play, against the provider kit, with grantflow's inspection counting the transitions.
describe('an app walks the wizard scenarios through its screens (Testing Library)', () => {
  const coverage = createWizardCoverage()
  afterAll(() => console.log(`Testing Library app: ${coverage.summary()}`))

  function SubmitReturn() {
    const submit = useCall(vat, 'submitReturn')
    return (
      <>
        <button type="button" onClick={() => void submit.call({ vrn: VRN }, vatReturn())}>
          Submit return
        </button>
        <p>state: {submit.status}</p>
        <AuthorizationWizard wizard={submit.wizard} appName="Ledgerline" callLabel="your VAT return" />
      </>
    )
  }

  // The user at the provider is the test: the app's navigator opens a popup (the URL kept), and
  // the test approves, or closes it, when the scenario says. The user starts unconnected.
  const playable = callWizardScenarios({ interactions: ['guided'], starts: ['event'] })
    .filter(playableWith(['popup']))
    .filter((scenario) => scenario.given === 'noSession')
    // The navigator opens the provider at once: nobody cancels while it opens.
    .filter((scenario) => !scenario.steps.some((step, i) => step.does.by === 'app' && scenario.steps[i - 1]?.state === 'awaitingConsent.openingProvider'))

  it('has scenarios to play', () => expect(new Set(playable.map((scenario) => scenario.end))).toEqual(new Set(['cancelled', 'failed'])))

  for (const scenario of playable) {
    it(scenario.name, () => play(scenario))
  }

  async function play(scenario: WizardScenario) {
    const opened: string[] = []
    // What this walk took: the scenario's transitions, but for its start (useCall starts the wizard with its call).
    const walked = createWizardCoverage()
    const world = vatWorld({
      server,
      user: 'none',
      grantflow: {
        inspect: (event) => [coverage, walked].forEach((tracker) => tracker.inspect(event)),
        retry: false,
        navigator: { mode: 'custom', open: (url) => void opened.push(url) },
      },
    })
    try {
      const arrange = (arrangement: WizardArrangement) => {
        if ('kit' in arrangement) {
          if (arrangement.kit === 'fail') world.kit.fail(arrangement.fault)
          else world.kit.expireAccessTokens(arrangement)
        } else if ('clock' in arrangement) world.clock.advance(4 * 3600_000 + 1)
        else throw new Error(`not playable here: ${JSON.stringify(arrangement)}`)
      }
      render(
        <GrantflowProvider grantflow={world.grantflow}>
          <SubmitReturn />
        </GrantflowProvider>,
      )
      const steps = scenario.steps
      for (const [i, step] of steps.entries()) {
        step.arrange.forEach(arrange)
        const { does } = step
        if (does.by === 'provider') {
          await waitFor(() => expect(opened).toHaveLength(1))
          if (does.answer === 'approveInPopup') await world.grantflow.completeAuthorization(await world.kit.authorize(opened[0]!)).catch(() => undefined)
          if (does.answer === 'close') await world.grantflow.abandonConsent(SESSION_KEY)
        }
        if (does.by !== 'app') continue
        await screen.findByText(`state: ${steps[i - 1]!.state}`)
        if (does.act === 'call') await userEvent.click(screen.getByRole('button', { name: 'Submit return' }))
        if (does.act === 'continue') await userEvent.click(screen.getByRole('button', { name: 'Continue to HM Revenue & Customs' }))
        if (does.act === 'cancel') await userEvent.click(await screen.findByRole('button', { name: /Cancel|Close|Dismiss/ }))
        if (does.act === 'retry') await userEvent.click(await screen.findByRole('button', { name: 'Try again' }))
      }
      await screen.findByText(`state: ${scenario.end}`)
      expect(world.routes.submissions).toHaveLength(scenario.end === 'succeeded' ? 1 : 0)
      const notTaken = new Set(walked.missing())
      expect(scenario.transitions.filter((key) => notTaken.has(key))).toEqual(['callWizard.idle CALL #0'])
    } finally {
      world.grantflow.dispose()
    }
  }
})
