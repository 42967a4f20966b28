import { describe, expect, it } from 'vitest'
import { callWizardMachine, listTransitions } from '../../machines/index.js'
import { createMemoryStore, defaultDoors, defineClient, hmrc, type TokenSet } from '../../src/index.js'
import { exchangeCode, resolveAuthorizationServer, startAuthorization, validateCallback } from '../../src/protocol.js'
import { callWizardScenarios, createScenarioPlayer, createWizardCoverage, type ProviderKit, type WizardScenario } from '../../src/testing/index.js'
import { REDIRECT_URI, useMsw, vatWorld } from '../support/vatWorld.js'
import { CALL, failOnce } from './playScenario.js'

const server = useMsw()

// Every exported scenario played as written by the exported player: each step's arrangement made
// before its act, nothing reached into between steps. What the wizards took is counted from
// grantflow's inspection.
//
// Not yet played as written (the open part of issue 21, item 6): a second attempt in the same work
// whose token must be stale or refused after a renewal or another tab's consent (its arrangement is
// made before the act that starts the work, before that token exists), a renewed session whose
// next attempt needs consent, and the promise API started after an attempt that needed consent.
const NOT_YET = [
  /(renewToken\(succeeded\)|SESSION_AUTHORIZED) → attemptCall\((tokenStale|consentNeeded)\)/,
  /SESSION_AUTHORIZED → attemptCall\(renewalNeeded\)/,
  /started after an attempt \(consentNeeded\)/,
]

describe('the exported scenario player (guided scenarios)', () => {
  const coverage = createWizardCoverage()
  const scenarios = callWizardScenarios({ interactions: ['guided'] }).filter((scenario) => !NOT_YET.some((pattern) => pattern.test(scenario.name)))
  for (const scenario of scenarios) it(scenario.name, () => play(scenario))

  it('plays the scenarios where a renewal succeeds and its token is refused too, as written', () => {
    expect(scenarios.filter((scenario) => scenario.name.includes('renewToken(succeeded) → attemptCall(renewalNeeded)')).length).toBeGreaterThan(0)
    console.log(`scenarios played by the exported player: ${scenarios.length}; ${coverage.summary()}`)
    expect(coverage.missing().length).toBeLessThan(listTransitions(callWizardMachine).length)
  })

  async function play(scenario: WizardScenario) {
    const store = failOnce(createMemoryStore())
    // The player comes before the world (its navigator goes into the world's grantflow); the
    // world's kit, made with it, is reached through this reference once it exists.
    const late: { kit?: ProviderKit } = {}
    const player = createScenarioPlayer(new Proxy({} as ProviderKit, { get: (_, key) => Reflect.get(late.kit!, key) }))
    const world = vatWorld({
      server,
      user: 'none',
      store,
      grantflow: {
        retry: false,
        interaction: scenario.interaction,
        navigator: player.navigator,
        inspect: (event) => [player, coverage].forEach((tracker) => tracker.inspect(event)),
        clock: player.clock,
      },
    })
    late.kit = world.kit
    // Another tab: the same user connects in a flow of its own, and the session is given its tokens.
    const completeConsentElsewhere = async () => {
      const client = defineClient({ clientId: 'vat-app', redirectUri: REDIRECT_URI })
      const doors = defaultDoors({ now: world.clock.now })
      const as = await resolveAuthorizationServer(hmrc.environments.sandbox.authorizationServer, doors)
      const { url, pending } = await startAuthorization({ as, client, scopes: ['read:vat'], now: world.clock.now() })
      const tokens: TokenSet = await exchangeCode(
        { as, client, doors, fixes: [] },
        validateCallback({ as, client }, await world.kit.authorize(url), pending),
        pending,
      )
      world.grantflow.tokenSession(world.grantflow.sessionKeyFor(CALL))!.send({ type: 'TOKENS_RECEIVED', tokens })
    }
    try {
      await player.play(scenario, {
        grantflow: world.grantflow,
        call: CALL,
        passTokenLifetime: () => world.clock.advance(4 * 3600_000 + 1),
        failNextStoreWrite: () => (store.failNextWrite = true),
        completeConsentElsewhere,
      })
    } finally {
      world.grantflow.dispose()
    }
  }
})
