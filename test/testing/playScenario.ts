import { SimulatedClock, type InspectionEvent } from 'xstate'
import type { AttemptOutcome } from '../../machines/index.js'
import { createMemoryStore, defaultDoors, defineClient, hmrc, type PendingCall, type SessionStore, type TokenSet } from '../../src/index.js'
import { exchangeCode, resolveAuthorizationServer, startAuthorization, validateCallback } from '../../src/protocol.js'
import type { WizardScenario } from '../../src/testing/index.js'
import { attemptOutcomes } from '../../src/testing/scenarios/wizardModel.js'
import { createGates, untilIdle } from '../model/harness.js'
import { REDIRECT_URI, useMsw, vatWorld, VRN } from '../support/vatWorld.js'

// A scenario played headless through the runtime against the provider kit, as its steps say:
// what to arrange, who acts, and the state the live wizard must reach. What the run's actors took
// is counted by the `inspect` given (grantflow's inspection), never read from the scenario.

export const CALL: PendingCall = { api: 'vat', endpoint: 'obligations', params: { vrn: VRN, from: '2025-01-01', to: '2025-12-31' } }
const SESSION_KEY = 'vat/sandbox/company%3Aacme-ltd'
const NEED = {
  provider: { id: 'hmrc', name: 'HM Revenue & Customs' },
  api: { id: 'vat', name: 'VAT' },
  scopes: ['read:vat'],
  reason: 'no_session' as const,
  sessionKey: SESSION_KEY,
}

/** Plays `scenario` to its end; throws, naming the step, where the live wizard does not reach the step's state. */
export async function playScenario(server: ReturnType<typeof useMsw>, scenario: WizardScenario, inspect: (event: InspectionEvent) => void): Promise<void> {
  const store = failOnce(createMemoryStore())
  const clock = new SimulatedClock()
  // The states the wizard went through, in order (a state it only passed through counts too).
  const visited: string[] = []
  const watch = (event: InspectionEvent) => {
    inspect(event)
    const snapshot = event.type === '@xstate.snapshot' ? (event.snapshot as { machine?: { id: string }; value?: unknown }) : undefined
    if (snapshot?.machine?.id === 'callWizard' && visited.at(-1) !== dotted(snapshot.value)) visited.push(dotted(snapshot.value))
  }
  // The wizard's work waits at gates, so each outcome is arranged just before its work runs.
  const gates = createGates()
  const world = vatWorld({
    server,
    user: 'none',
    store,
    grantflow: {
      retry: false,
      interaction: scenario.interaction,
      clock,
      inspect: watch,
      actors: {
        wizard: (actors) => ({
          attemptCall: gates.wrap('attemptCall', actors.attemptCall),
          renewToken: gates.wrap('renewToken', actors.renewToken),
          beginConsent: gates.wrap('beginConsent', actors.beginConsent),
          completeConsent: gates.wrap('completeConsent', actors.completeConsent),
        }),
      },
    },
  })
  const grantTokens = async (): Promise<TokenSet> => {
    const client = defineClient({ clientId: 'vat-app', redirectUri: REDIRECT_URI })
    const doors = defaultDoors({ now: world.clock.now })
    const as = await resolveAuthorizationServer(hmrc.environments.sandbox.authorizationServer, doors)
    const { url, pending } = await startAuthorization({ as, client, scopes: ['read:vat'], now: world.clock.now() })
    return exchangeCode({ as, client, doors, fixes: [] }, validateCallback({ as, client }, await world.kit.authorize(url), pending), pending)
  }
  let wizard: Awaited<ReturnType<typeof world.grantflow.startWizard>> | undefined
  try {
    const session = await world.grantflow.tokenSessionFor(CALL)
    if (scenario.given === 'connected') {
      session.send({ type: 'TOKENS_RECEIVED', tokens: await grantTokens() })
      await until(() => session.getSnapshot().matches('valid'), 'a connected session')
    }
    const live = () => world.grantflow.tokenSession(SESSION_KEY) ?? session
    const ensureTokens = async () => {
      const snapshot = live().getSnapshot()
      if (!(snapshot.matches('valid') && snapshot.context.tokens)) live().send({ type: 'TOKENS_RECEIVED', tokens: await grantTokens() })
    }
    /** Sets up what makes a step of the wizard's own work end as the step says, then lets the work run. */
    const work = async (id: string, outcome: string, next: string | undefined) => {
      await until(() => gates.isWaiting(id), `the ${id} gate`)
      if (id === 'attemptCall') {
        if (outcome === 'consentNeeded') {
          if (live().getSnapshot().context.tokens) {
            live().send({ type: 'REVOKE' })
            await until(() => live().getSnapshot().matches('revoked'), 'the session revoked')
          }
        } else await ensureTokens()
        if (outcome === 'renewalNeeded') world.kit.expireAccessTokens()
        if (outcome === 'tokenStale') world.clock.advance(4 * 3600_000 + 1)
        if (outcome === 'error') world.kit.fail({ endpoint: 'api', kind: 'server_error' })
        // The refresh that follows may start before its own gate (a 401 starts one): arranged now.
        if (next === 'renewToken(consentNeeded)') world.kit.fail({ endpoint: 'token', kind: 'invalid_grant', grant: 'refresh_token' })
        if (next === 'error: renewToken') world.kit.fail({ endpoint: 'token', kind: 'unavailable', grant: 'refresh_token', times: Infinity })
      }
      if (id === 'beginConsent' && outcome === 'error') store.failNextWrite = true
      if (id === 'completeConsent' && outcome === 'error' && !denied && wizard!.getSnapshot().context.callbackUrl) {
        world.kit.fail({ endpoint: 'token', kind: 'invalid_grant', grant: 'authorization_code' })
      }
      gates.release(id)
    }
    let denied = false
    const firstAttempt: AttemptOutcome | undefined =
      scenario.start === 'attempted' ? attemptedFirst(/\(([a-zA-Z]+)\)/.exec(scenario.name.split(' → ')[0]!)?.[1]) : undefined
    if (scenario.start === 'event') wizard = await world.grantflow.startWizard(undefined, { interaction: scenario.interaction })
    let seen = -1
    const reached = (state: string) => {
      const index = visited.indexOf(state, seen + 1)
      if (index !== -1) seen = index
      return index !== -1
    }
    const authorizationUrl = async () => {
      await until(() => wizard!.getSnapshot().context.authorizationUrl !== undefined, 'an authorization URL')
      return wizard!.getSnapshot().context.authorizationUrl!
    }
    for (const [i, step] of scenario.steps.entries()) {
      const { does } = step
      const next = scenario.steps[i + 1]?.event
      const actor = /^(\w+)\((\w+)\)$/.exec(step.event) ?? /^(\w+) (done)$/.exec(step.event) ?? /^(error): (\w+)$/.exec(step.event)
      if (actor && does.by === 'follows') {
        const [id, outcome] = actor[1] === 'error' ? [actor[2]!, 'error'] : [actor[1]!, actor[2]!]
        await work(id, outcome, next)
      }
      if (i === 0 && scenario.start === 'attempted' && (next === 'renewToken(consentNeeded)' || next === 'error: renewToken')) {
        await ensureTokens()
        world.kit.fail({ endpoint: 'token', kind: next === 'error: renewToken' ? 'unavailable' : 'invalid_grant', grant: 'refresh_token', times: Infinity })
      }
      if (does.by === 'app') {
        if (does.act === 'call' && !wizard) {
          const options = { interaction: scenario.interaction, ...(firstAttempt && { firstAttempt }) }
          wizard = await world.grantflow.startWizard(CALL, options)
        } else if (does.act === 'call') wizard!.send({ type: 'CALL', call: CALL })
        else wizard!.send({ type: does.act === 'continue' ? 'CONSENT_ACCEPTED' : does.act === 'cancel' ? 'CANCEL' : 'RETRY' })
      }
      if (does.by === 'provider') {
        if (does.answer === 'deny') {
          denied = true
          world.kit.consent('deny')
        }
        if (does.answer === 'close') world.grantflow.abandonConsent(SESSION_KEY)
        else {
          const callbackUrl = await world.kit.authorize(await authorizationUrl())
          if (does.answer === 'approveInPopup' && next === 'error: completeConsent')
            world.kit.fail({ endpoint: 'token', kind: 'invalid_grant', grant: 'authorization_code' })
          if (does.answer === 'approveInPopup') void world.grantflow.completeAuthorization(callbackUrl).catch(() => undefined)
          else wizard!.send({ type: 'CALLBACK_RECEIVED', callbackUrl })
        }
      }
      if (does.by === 'elsewhere') world.grantflow.tokenSession(SESSION_KEY)!.send({ type: 'TOKENS_RECEIVED', tokens: await grantTokens() })
      if (does.by === 'time') clock.increment(does.advanceMs)
      // A start the app makes (started with its call) has no wizard before it.
      if (!wizard) continue
      await until(
        () => reached(step.state),
        () => `${step.state} after step ${i} (${step.event}); the wizard went through ${visited.slice(seen + 1).join(', ') || 'nothing more'}`,
      )
    }
    // The wizard stops where the scenario ends; its session finishes what it began first, so no
    // request of this world reaches the next one's provider kit (same URLs, same MSW server).
    wizard?.stop()
    await untilIdle([world.grantflow.tokenSession(SESSION_KEY)])
  } finally {
    wizard?.stop()
    world.grantflow.dispose()
  }
}

function attemptedFirst(kind: string | undefined): AttemptOutcome {
  if (kind === 'succeeded') return { kind: 'succeeded', value: { obligations: [] } }
  const outcomes = attemptOutcomes(NEED)
  if (kind === 'tokenStale' || kind === 'renewalNeeded' || kind === 'consentNeeded') return outcomes[kind]
  throw new Error(`no first attempt named ${kind}`)
}

export function failOnce(store: SessionStore): SessionStore & { failNextWrite: boolean } {
  const wrapped = {
    ...store,
    failNextWrite: false,
    async set(session: Parameters<SessionStore['set']>[0], expected: number | undefined) {
      if (wrapped.failNextWrite) {
        wrapped.failNextWrite = false
        throw new Error('the store is unavailable')
      }
      return store.set(session, expected)
    },
  }
  return wrapped
}

async function until(condition: () => boolean, what: string | (() => string), timeoutMs = 4000): Promise<void> {
  const start = Date.now()
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`)
    await new Promise((resolve) => setTimeout(resolve, 1))
  }
}

function dotted(value: unknown): string {
  if (value === undefined) return 'no wizard'
  if (typeof value === 'string') return value
  const [key, inner] = Object.entries(value as Record<string, unknown>)[0]!
  return `${key}.${dotted(inner)}`
}
