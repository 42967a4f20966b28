import { getInitialSnapshot, SimulatedClock, type EventObject } from 'xstate'
import { describe, expect, it } from 'vitest'
import { callWizardMachine, type AttemptOutcome, type Interaction } from '../../machines/index.js'
import { createMemoryStore, defineClient, ConsentRequiredError, GrantflowError, hmrc, defaultDoors, type SessionStore, type TokenSet } from '../../src/index.js'
import { exchangeCode, resolveAuthorizationServer, startAuthorization, validateCallback } from '../../src/protocol.js'
import { REDIRECT_URI, useMsw, vatWorld, VRN } from '../support/vatWorld.js'
import { attemptOutcomes, serializeWizardState, wizardEvents } from '../../src/testing/scenarios/wizardModel.js'
import { createCoverage, createGates, describeEvent, edgeCoveragePaths, until, untilIdle, type ModelStep } from './harness.js'

const server = useMsw()
const coverage = createCoverage(callWizardMachine)

const CALL = { api: 'vat', endpoint: 'obligations', params: { vrn: VRN, from: '2025-01-01', to: '2025-12-31' } }
const need = {
  provider: { id: 'hmrc', name: 'HM Revenue & Customs' },
  api: { id: 'vat', name: 'VAT' },
  scopes: ['read:vat'],
  reason: 'no_session' as const,
  sessionKey: 'vat/sandbox/company%3Aacme-ltd',
}
const { consentNeeded, renewalNeeded, tokenStale } = attemptOutcomes(need)

const eventsIn = wizardEvents(CALL, need)

/** A live runtime against the provider kit, whose wizard steps wait at gates for the test. */
async function createSut(interaction: Interaction, startWithCall: boolean, firstAttempt?: AttemptOutcome) {
  const gates = createGates()
  const clock = new SimulatedClock()
  const failingStore = failableStore(createMemoryStore())
  const world = vatWorld({
    server,
    user: 'none',
    store: failingStore,
    grantflow: {
      // The model's faults stand for failures that outlast any retry (retries.test.ts covers those).
      retry: false,
      interaction,
      clock,
      inspect: coverage.inspect,
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
  const wizard = await world.grantflow.startWizard(startWithCall ? CALL : undefined, { interaction, ...(firstAttempt && { firstAttempt }) })
  // Unhandled rejections would hide behind the wizard's own error handling.
  const sessionKey = 'vat/sandbox/company%3Aacme-ltd'
  // The call's session (started now if the wizard has not yet), as the runtime holds it live.
  const started = await world.grantflow.tokenSessionFor(CALL)
  const session = () => world.grantflow.tokenSession(sessionKey) ?? started

  /** Real tokens from the fake HMRC, obtained as a client would, for the world to start from. */
  const grantTokens = async (): Promise<TokenSet> => {
    const client = defineClient({ clientId: 'vat-app', redirectUri: REDIRECT_URI })
    const doors = defaultDoors({ now: world.clock.now })
    const as = await resolveAuthorizationServer(hmrc.environments.sandbox.authorizationServer, doors)
    const { url, pending } = await startAuthorization({ as, client, scopes: ['read:vat'], now: world.clock.now() })
    const callback = validateCallback({ as, client }, await world.kit.authorize(url), pending)
    return exchangeCode({ as, client, doors, fixes: [] }, callback, pending)
  }
  const ensureTokens = async () => {
    const snapshot = session()?.getSnapshot()
    if (snapshot?.matches('valid') && snapshot.context.tokens) return
    session()!.send({ type: 'TOKENS_RECEIVED', tokens: await grantTokens() })
  }
  return { world, wizard, gates, clock, session, sessionKey, grantTokens, ensureTokens, store: failingStore }
}

type Sut = Awaited<ReturnType<typeof createSut>>

/** Arranges the world so that the SUT produces `event`, before the step that leads to it runs. */
async function arrangeAhead(sut: Sut, event: EventObject | undefined): Promise<void> {
  if (!event) return
  const kind = (event as { output?: { kind?: string } }).output?.kind
  if (event.type === 'xstate.done.actor.renewToken' && kind === 'consentNeeded')
    sut.world.kit.fail({ endpoint: 'token', kind: 'invalid_grant', grant: 'refresh_token' })
  // Down for both the refresh the API's 401 starts and the one the wizard's renewal retries.
  if (event.type === 'xstate.error.actor.renewToken') sut.world.kit.fail({ endpoint: 'token', kind: 'unavailable', grant: 'refresh_token', times: 2 })
}

/** Causes `event` in the SUT: arranges what it needs, then sends it or opens its gate. */
async function perform(sut: Sut, event: EventObject, next: EventObject | undefined): Promise<void> {
  const { wizard, gates, world } = sut
  const kind = (event as { output?: { kind?: string } }).output?.kind
  const id = /^xstate\.(?:done|error)\.actor\.(\w+)$/.exec(event.type)?.[1]
  if (id) {
    await until(
      () => gates.isWaiting(id),
      () => `the ${id} gate`,
    )
    const isError = event.type.startsWith('xstate.error')
    if (id === 'attemptCall') {
      if (kind === 'consentNeeded') {
        if (sut.session()?.getSnapshot().context.tokens) {
          sut.session()!.send({ type: 'REVOKE' })
          await until(
            () => sut.session()!.getSnapshot().matches('revoked'),
            () => 'revocation',
          )
        }
      } else await sut.ensureTokens()
      if (kind === 'renewalNeeded') world.kit.expireAccessTokens()
      // Past the token's lifetime (four hours): the attempt finds it stale before sending it.
      if (kind === 'tokenStale') world.clock.advance(4 * 3600_000 + 1)
      if (isError) world.kit.fail({ endpoint: 'api', kind: 'server_error' })
    }
    if (id === 'beginConsent' && isError) sut.store.failWrites = true
    if (id === 'completeConsent' && isError && wizard.getSnapshot().context.callbackUrl) {
      world.kit.fail({ endpoint: 'token', kind: 'invalid_grant', grant: 'authorization_code' })
    }
    gates.release(id)
    return
  }
  switch (event.type) {
    case 'CALLBACK_RECEIVED':
      wizard.send({ type: 'CALLBACK_RECEIVED', callbackUrl: await world.kit.authorize(wizard.getSnapshot().context.authorizationUrl!) })
      return
    case 'CODE_EXCHANGE_STARTED': {
      const callback = await world.kit.authorize(wizard.getSnapshot().context.authorizationUrl!)
      if (next?.type === 'xstate.error.actor.completeConsent') world.kit.fail({ endpoint: 'token', kind: 'invalid_grant', grant: 'authorization_code' })
      // Delivered elsewhere (a popup, the callback route): the wizard only sees the session exchange.
      void world.grantflow.completeAuthorization(callback).catch(() => undefined)
      return
    }
    case 'SESSION_AUTHORIZED':
      sut.session()!.send({ type: 'TOKENS_RECEIVED', tokens: await sut.grantTokens() })
      return
    case 'CONSENT_FAILED':
      world.grantflow.abandonConsent(sut.sessionKey)
      return
    case 'xstate.after.consentTimeout.callWizard.awaitingConsent.atProvider':
      sut.clock.increment(10 * 60_000 + 1)
      return
    default:
      wizard.send(event as never)
  }
}

/** What a user would see in each state, checked on the SUT. */
function observe(sut: Sut, expected: ModelStep['state']): void {
  const snapshot = sut.wizard.getSnapshot()
  expect(snapshot.value).toEqual(expected.value)
  // From CALL on, the pending call is never lost, whatever happened (started with it, it carries its API user too).
  if (!snapshot.matches('idle')) expect(snapshot.context.call).toMatchObject(CALL)
  // An attempt the caller made before the wizard is judged at once and not kept (a saved wizard carries none).
  expect(snapshot.context.firstAttempt).toBeUndefined()
  if (snapshot.matches('succeeded')) expect(snapshot.output?.value).toHaveProperty('obligations')
  if (snapshot.hasTag('failed')) expect(snapshot.context.error).toBeInstanceOf(GrantflowError)
  if (snapshot.matches('consentRequired')) expect(snapshot.context.error).toBeInstanceOf(ConsentRequiredError)
  if (snapshot.matches('unauthorized'))
    expect(snapshot.context.consent).toMatchObject({ provider: { name: 'HM Revenue & Customs' }, scopes: expect.arrayContaining(['read:vat']) })
  if (snapshot.matches({ awaitingConsent: 'atProvider' }) && sut.session()?.getSnapshot().matches('authorizing')) {
    expect(snapshot.context.authorizationUrl).toMatch(/^https:\/\/test-www\.tax\.service\.gov\.uk\/oauth\/authorize\?/)
  }
}

async function run(path: ModelStep[], interaction: Interaction, startWithCall = false, firstAttempt?: AttemptOutcome, then?: (sut: Sut) => void) {
  const sut = await createSut(interaction, startWithCall, firstAttempt)
  try {
    for (let i = 0; i < path.length; i++) {
      const { event, state } = path[i]!
      await arrangeAhead(sut, path[i + 1]?.event)
      // The first step is the machine's start, which the SUT has already taken.
      if (event.type !== 'xstate.init') await perform(sut, event, path[i + 1]?.event)
      await until(
        () => JSON.stringify(sut.wizard.getSnapshot().value) === JSON.stringify(state.value),
        () => `${JSON.stringify(state.value)} after ${describeEvent(event)} (SUT is in ${JSON.stringify(sut.wizard.getSnapshot().value)})`,
      )
      sut.store.failWrites = false
      observe(sut, state)
    }
    then?.(sut)
    // The wizard stops where the path ends; its token session finishes what it began first.
    sut.wizard.stop()
    await untilIdle([sut.world.grantflow.tokenSession(sut.sessionKey)])
  } finally {
    sut.wizard.stop()
    sut.world.grantflow.dispose()
  }
}

function failableStore(store: SessionStore): SessionStore & { failWrites: boolean } {
  const wrapped = {
    ...store,
    failWrites: false,
    async set(session: Parameters<SessionStore['set']>[0], expected: number | undefined) {
      if (wrapped.failWrites) throw new Error('the store is unavailable')
      return store.set(session, expected)
    },
  }
  return wrapped
}

for (const interaction of ['automatic', 'guided', 'none'] as const) {
  const paths = edgeCoveragePaths(callWizardMachine, {
    input: { interaction },
    events: eventsIn,
    serializeState: serializeWizardState,
  })
  describe(`call wizard, interaction ${interaction}: ${paths.length} generated paths`, () => {
    for (const path of paths) {
      it(path.map((s) => describeEvent(s.event).replace('xstate.', '')).join(' → '), () => run(path, interaction))
    }
  })
}

// A wizard can also be started with its call (what the promise API and React's hook do): the
// same graph from that start; its paths to each state are enough, the edges are covered above.
describe('call wizard started with its call', () => {
  const paths = edgeCoveragePaths(callWizardMachine, {
    input: { interaction: 'automatic', call: CALL },
    events: eventsIn,
    serializeState: serializeWizardState,
  }).slice(0, 4)
  for (const path of paths) {
    it(path.map((s) => describeEvent(s.event).replace('xstate.', '')).join(' → '), () => run(path, 'automatic', true))
  }
})

// The promise API starts its wizard with the attempt it already made: the wizard judges that
// outcome as its first, without sending the call again. The start is the step under test.
describe('call wizard started with the first attempt already made', () => {
  const outcomes: AttemptOutcome[] = [{ kind: 'succeeded', value: { obligations: [] } }, tokenStale, renewalNeeded, consentNeeded]
  for (const firstAttempt of outcomes) {
    const start = { event: { type: 'xstate.init' }, state: getInitialSnapshot(callWizardMachine, { interaction: 'automatic', call: CALL, firstAttempt }) }
    it(`${firstAttempt.kind} → ${JSON.stringify(start.state.value)}`, async () => {
      await run([start], 'automatic', true, firstAttempt, ({ wizard, world, gates }) => {
        // Judged without attempting the call again: no attempt started (none waits at its gate), none reached the API.
        expect(gates.isWaiting('attemptCall')).toBe(false)
        expect(world.kit.counters.apiCalls).toBe(0)
        // Judged, then forgotten: the running wizard, saved from here, carries no outcome.
        const saved = wizard.getPersistedSnapshot() as unknown as { context: { firstAttempt?: unknown; call?: unknown } }
        expect(saved.context.firstAttempt).toBeUndefined()
        expect(saved.context.call).toMatchObject(CALL)
      })
    })
  }
})

// Runs after the generated paths (vitest runs a file's tests in order).
it('covers every transition of the call wizard', () => {
  console.log(coverage.summary())
  expect(coverage.missing()).toEqual([])
})
