import { type EventObject } from 'xstate'
import { describe, expect, it } from 'vitest'
import { tokenSessionMachine } from '../../machines/index.js'
import {
  CancelledError,
  createMemoryStore,
  defaultDoors,
  defineClient,
  emptySession,
  GrantflowError,
  TokenEndpointError,
  hmrc,
  type PendingCall,
  type Session,
  type SessionStore,
  type TokenSet,
} from '../../src/index.js'
import { exchangeCode, resolveAuthorizationServer, startAuthorization, validateCallback } from '../../src/protocol.js'
import { REDIRECT_URI, useMsw, vatWorld, VRN } from '../support/vatWorld.js'
import { createCoverage, createGates, describeEvent, doneEvent, edgeCoveragePaths, errorEvent, until, type ModelStep } from './harness.js'

const server = useMsw()
const coverage = createCoverage(tokenSessionMachine)

type Holder = 'person' | 'application'
const CALLS: Record<Holder, PendingCall> = {
  person: { api: 'vat', endpoint: 'obligations', params: { vrn: VRN, from: '2025-01-01', to: '2025-12-31' } },
  application: { api: 'legifrance', endpoint: 'getArticle', params: {}, body: { id: 'LEGIARTI000006419280' } },
}

// In the model, tokens expire at 1e12 (past the expiry leeway); the SUT maps these two clocks onto its real tokens.
const FRESH = 0
const STALE = 1e15
const modelTokens = (refresh: boolean): TokenSet => ({
  accessToken: 'a',
  tokenType: 'bearer',
  scopes: ['read:vat'],
  expiresAt: 1e12,
  ...(refresh && { refreshToken: 'r' }),
})
const modelPending = { state: 's', codeVerifier: 'v', scopes: ['read:vat'], createdAt: 0 }

function eventsFor(holder: Holder) {
  const person = holder === 'person'
  const consent = person ? [{ type: 'CONSENT_REQUESTED', request: { scopes: ['read:vat'], requester: 'test' } }] : []
  return (snapshot: ReturnType<typeof tokenSessionMachine.getInitialSnapshot>): EventObject[] => events(snapshot) as EventObject[]
  function events(snapshot: ReturnType<typeof tokenSessionMachine.getInitialSnapshot>): unknown[] {
    const at = (state: string) => snapshot.matches(state as never)
    if (at('loading'))
      return [
        doneEvent('loadSession', undefined),
        doneEvent('loadSession', { tokens: modelTokens(person) }),
        ...(person ? [doneEvent('loadSession', { pending: modelPending })] : []),
        errorEvent('loadSession'),
      ]
    if (at('empty'))
      return [
        ...(person ? consent : [{ type: 'ACCESS_NEEDED', now: STALE }]),
        { type: 'TOKENS_RECEIVED', tokens: modelTokens(person) },
        ...(person ? [{ type: 'TOKENS_RECEIVED', tokens: modelTokens(false) }] : []),
      ]
    if (at('valid')) return [{ type: 'ACCESS_NEEDED', now: STALE }, { type: 'TOKEN_REJECTED', accessToken: 'a' }, ...consent, { type: 'REVOKE' }]
    if (at('refreshing'))
      return [
        doneEvent('refreshTokens', modelTokens(true)),
        { ...errorEvent('refreshTokens'), error: new TokenEndpointError({ grant: 'refresh_token', error: 'invalid_grant' }) },
        errorEvent('refreshTokens'),
      ]
    if (at('requestingToken')) return [doneEvent('requestToken', modelTokens(false)), errorEvent('requestToken')]
    if (at('unavailable')) return [{ type: 'ACCESS_NEEDED', now: STALE }, ...consent]
    if (at('expired')) return consent
    if (at('preparingConsent')) return [doneEvent('prepareConsent', { url: 'url', pending: modelPending }), errorEvent('prepareConsent')]
    if (at('authorizing'))
      return [{ type: 'CALLBACK_RECEIVED', callback: new URLSearchParams() }, { type: 'CONSENT_ABANDONED', error: new CancelledError() }, ...consent]
    if (at('exchangingCode')) return [doneEvent('exchangeCode', modelTokens(true)), errorEvent('exchangeCode')]
    if (at('consentFailed')) return [...consent, { type: 'ACCESS_NEEDED', now: FRESH }, { type: 'ACCESS_NEEDED', now: STALE }]
    if (at('revoking')) return [doneEvent('revokeTokens'), errorEvent('revokeTokens')]
    if (at('revoked')) return person ? consent : [{ type: 'ACCESS_NEEDED', now: STALE }]
    return []
  }
}

function failableStore(store: SessionStore) {
  const wrapped = {
    ...store,
    failWrites: false,
    failReads: false,
    async set(session: Session, expected: number | undefined) {
      if (wrapped.failWrites) throw new Error('the store is unavailable')
      return store.set(session, expected)
    },
    async get(key: string) {
      if (wrapped.failReads) throw new Error('the store is unavailable')
      return store.get(key)
    },
  }
  return wrapped
}

async function createSut(holder: Holder) {
  const gates = createGates()
  const store = failableStore(createMemoryStore())
  const world = vatWorld({
    server,
    user: 'none',
    store,
    grantflow: {
      // The model's faults stand for failures that outlast any retry (retries.test.ts covers those).
      retry: false,
      inspect: coverage.inspect,
      actors: {
        tokenSession: (actors) => ({
          loadSession: gates.wrap('loadSession', actors.loadSession),
          refreshTokens: gates.wrap('refreshTokens', actors.refreshTokens),
          requestToken: gates.wrap('requestToken', actors.requestToken),
          prepareConsent: gates.wrap('prepareConsent', actors.prepareConsent),
          exchangeCode: gates.wrap('exchangeCode', actors.exchangeCode),
          revokeTokens: gates.wrap('revokeTokens', actors.revokeTokens),
        }),
      },
    },
  })
  const call = CALLS[holder]
  const session = await world.grantflow.tokenSessionFor(call)
  const key = session.getSnapshot().context.key
  let storedAuthorizationUrl: string | undefined

  const client = defineClient({ clientId: 'vat-app', redirectUri: REDIRECT_URI })
  const doors = defaultDoors({ now: world.clock.now })
  const authorizationServer = () => resolveAuthorizationServer(hmrc.environments.sandbox.authorizationServer, doors)
  const grantTokens = async (): Promise<TokenSet> => {
    const as = await authorizationServer()
    const { url, pending } = await startAuthorization({ as, client, scopes: ['read:vat'], now: world.clock.now() })
    return exchangeCode({ as, client, doors, fixes: [] }, validateCallback({ as, client }, await world.kit.authorize(url), pending), pending)
  }
  // Written over whatever the store holds, as another instance would (its version next).
  const overwrite = async (change: Partial<Session>) => {
    const version = (await store.get(key))?.version
    await store.set({ ...storedSession(), ...change, version: (version ?? 0) + 1 }, version)
  }
  const storedSession = (): Session => ({
    ...emptySession(
      {
        api: call.api,
        environment: 'sandbox',
        apiUser: holder === 'person' ? { kind: 'company', id: 'acme-ltd' } : { kind: 'application', id: 'application' },
      },
      0,
    ),
    key,
  })

  return {
    world,
    gates,
    store,
    session,
    call,
    grantTokens,
    async storeTokens(refresh: boolean) {
      const tokens = await grantTokens()
      if (!refresh) delete tokens.refreshToken
      await overwrite({ tokens })
    },
    async storePending() {
      const as = await authorizationServer()
      const { url, pending } = await startAuthorization({ as, client, scopes: ['read:vat'], now: world.clock.now() })
      storedAuthorizationUrl = url
      await overwrite({ pending })
    },
    authorizationUrl: () => session.getSnapshot().context.authorizationUrl ?? storedAuthorizationUrl!,
  }
}

type Sut = Awaited<ReturnType<typeof createSut>>

async function perform(sut: Sut, event: EventObject): Promise<void> {
  const { session, gates, world } = sut
  const id = /^xstate\.(?:done|error)\.actor\.(\w+)$/.exec(event.type)?.[1]
  if (id) {
    await until(
      () => gates.isWaiting(id),
      () => `the ${id} gate`,
    )
    const isError = event.type.startsWith('xstate.error')
    const output = (event as { output?: Partial<Session> }).output
    if (id === 'loadSession') {
      if (isError) sut.store.failReads = true
      else if (output?.tokens) await sut.storeTokens(output.tokens.refreshToken !== undefined)
      else if (output?.pending) await sut.storePending()
    }
    if (id === 'refreshTokens' && isError) {
      const invalidGrant = (event as { error?: { error?: string } }).error?.error === 'invalid_grant'
      world.kit.fail({ endpoint: 'token', kind: invalidGrant ? 'invalid_grant' : 'unavailable', grant: 'refresh_token' })
    }
    if (id === 'requestToken' && isError) world.pisteKit.fail({ endpoint: 'token', kind: 'server_error' })
    if ((id === 'prepareConsent' || id === 'revokeTokens') && isError) sut.store.failWrites = true
    if (id === 'exchangeCode' && isError) world.kit.fail({ endpoint: 'token', kind: 'invalid_grant', grant: 'authorization_code' })
    gates.release(id)
    return
  }
  const now = (event as { now?: number }).now
  switch (event.type) {
    case 'ACCESS_NEEDED': {
      const expiresAt = session.getSnapshot().context.tokens?.expiresAt ?? world.clock.now()
      session.send({ type: 'ACCESS_NEEDED', now: now === STALE ? expiresAt + 1 : world.clock.now() })
      return
    }
    case 'TOKEN_REJECTED':
      session.send({ type: 'TOKEN_REJECTED', accessToken: session.getSnapshot().context.tokens!.accessToken })
      return
    case 'CONSENT_REQUESTED':
      session.send({ type: 'CONSENT_REQUESTED', request: { scopes: ['read:vat'], requester: 'test', call: sut.call } })
      return
    case 'CALLBACK_RECEIVED': {
      const callback = await world.kit.authorize(sut.authorizationUrl())
      session.send({ type: 'CALLBACK_RECEIVED', callback: new URL(callback).searchParams })
      return
    }
    case 'TOKENS_RECEIVED': {
      const tokens = await sut.grantTokens()
      if ((event as { tokens?: TokenSet }).tokens?.refreshToken === undefined) delete tokens.refreshToken
      session.send({ type: 'TOKENS_RECEIVED', tokens })
      return
    }
    default:
      session.send(event as never)
  }
}

function observe(sut: Sut, expected: ModelStep['state']) {
  const snapshot = sut.session.getSnapshot()
  expect(snapshot.value).toEqual(expected.value)
  if (snapshot.matches('valid')) expect(snapshot.context.tokens?.accessToken).toEqual(expect.any(String))
  if (snapshot.matches('authorizing')) expect(snapshot.context.pending?.state).toEqual(expect.any(String))
  if (snapshot.matches('unavailable') || snapshot.matches('consentFailed')) expect(snapshot.context.error).toBeInstanceOf(GrantflowError)
  if (snapshot.matches('revoked')) expect(snapshot.context.tokens).toBeUndefined()
}

async function run(path: ModelStep[], holder: Holder) {
  const sut = await createSut(holder)
  try {
    for (const { event, state } of path) {
      if (event.type !== 'xstate.init') await perform(sut, event)
      await until(
        () => JSON.stringify(sut.session.getSnapshot().value) === JSON.stringify(state.value),
        () => `${JSON.stringify(state.value)} after ${describeEvent(event)} (SUT is in ${JSON.stringify(sut.session.getSnapshot().value)})`,
      )
      sut.store.failWrites = false
      sut.store.failReads = false
      observe(sut, state)
    }
  } finally {
    sut.world.grantflow.dispose()
  }
}

for (const holder of ['person', 'application'] as const) {
  const paths = edgeCoveragePaths(tokenSessionMachine, {
    // How the runtime renews each (see TokenSessions.for): a person's by refresh, the application's by asking again.
    input: { key: 'k', renewal: holder === 'application' ? 'reacquire' : 'refresh' },
    events: eventsFor(holder),
    serializeState: (s) => `${JSON.stringify(s.value)} tokens=${s.context.tokens ? (s.context.tokens.refreshToken ? 'refreshable' : 'access-only') : 'none'}`,
  })
  describe(`token session of a ${holder}: ${paths.length} generated paths`, () => {
    for (const path of paths) {
      it(path.map((s) => describeEvent(s.event).replace('xstate.', '')).join(' → '), () => run(path, holder))
    }
  })
}

it('covers every transition of the token session', () => {
  console.log(coverage.summary())
  expect(coverage.missing()).toEqual([])
})
