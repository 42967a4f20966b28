import { waitFor, type AnyActorRef, type InspectionEvent, type Snapshot } from 'xstate'
import { http, HttpResponse } from 'msw'
import { describe, expect, it } from 'vitest'
import { TokenEndpointError, type ConsentNavigator } from '../../src/index.js'
import { findSecrets } from '../support/secretScan.js'
import { useMsw, vatReturn, vatWorld, VRN } from '../support/vatWorld.js'

const server = useMsw()
const FOUR_HOURS = 4 * 3600_000
const query = { vrn: VRN, from: '2025-01-01', to: '2025-12-31' }
const article = { id: 'LEGIARTI000006419280' }
const PARAMETERS_WITH_SECRETS = ['code', 'code_verifier', 'refresh_token', 'client_secret', 'token', 'state', 'nonce']
const TOKEN_FIELDS = ['access_token', 'refresh_token', 'id_token']

const isActorRef = (value: object) =>
  typeof (value as { sessionId?: unknown }).sessionId === 'string' && typeof (value as { send?: unknown }).send === 'function'

/**
 * A world whose app passes `inspect`, with a fetch that notes every secret that crosses the wire
 * (codes, verifiers, refresh tokens and the client secret sent; tokens received) and the
 * authorization URLs' state and nonce: whatever the inspector receives is searched for them.
 */
function inspectedWorld(navigator?: ConsentNavigator) {
  const events: InspectionEvent[] = []
  /** What the Stately inspector reads of each actor it is told of: `actorRef.getSnapshot()`. */
  const actorSnapshots: unknown[] = []
  const secrets = new Set<string>(['piste-secret'])
  const note = (value: string | null | undefined) => value && secrets.add(value)
  const recordingFetch: typeof fetch = async (input, init) => {
    const request = new Request(input, init)
    const body = await request.clone().text()
    if (body) for (const name of PARAMETERS_WITH_SECRETS) note(new URLSearchParams(body).get(name))
    const credentials = request.headers.get('authorization')?.split(' ')[1]
    note(credentials)
    if (request.headers.get('authorization')?.startsWith('Basic ')) note(atob(credentials!).split(':')[1])
    const response = await globalThis.fetch(request)
    if (response.headers.get('content-type')?.includes('json')) {
      const answer = (await response
        .clone()
        .json()
        .catch(() => ({}))) as Record<string, unknown>
      for (const name of TOKEN_FIELDS) if (typeof answer[name] === 'string') note(answer[name])
    }
    return response
  }
  const world = vatWorld({
    server,
    grantflow: {
      fetch: recordingFetch,
      ...(navigator && { navigator }),
      inspect: (event) => {
        events.push(event)
        // Read after the actor is set up, as the Stately inspector does (in an idle callback).
        if (event.type === '@xstate.actor') queueMicrotask(() => actorSnapshots.push(event.actorRef.getSnapshot()))
      },
    },
  })

  const leaks = () => {
    for (const url of world.visits) for (const name of ['state', 'nonce']) note(new URL(url).searchParams.get(name))
    const all = [...secrets]
    const refs = new Set(events.map((e) => e.actorRef as AnyActorRef))
    const json = serialise(events)
    return {
      inEvents: findSecrets(events, all, { skip: isActorRef }),
      inActorSnapshots: findSecrets([...actorSnapshots, ...[...refs].map((ref) => ref.getSnapshot())], all, { skip: isActorRef }),
      inJson: all.filter((secret) => json.includes(secret)),
    }
  }
  return { ...world, events, secrets, leaks }
}

/** The events as a serialising inspector sends them: JSON, actors by their toJSON (an id), cycles cut. */
function serialise(value: unknown): string {
  const seen = new WeakSet<object>()
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object') {
      if (seen.has(v)) return '[seen]'
      seen.add(v)
      if (v instanceof URLSearchParams || v instanceof Map) return Object.fromEntries(v)
      if (v instanceof Set) return [...v]
      if (v instanceof Error) return { ...v, name: v.name, message: v.message, cause: (v as { cause?: unknown }).cause }
    }
    return v
  })
}

const snapshotsOf = (events: InspectionEvent[], machine: string) =>
  events.flatMap((e) =>
    e.type === '@xstate.snapshot' && (e.snapshot as { machine?: { id: string } }).machine?.id === machine
      ? [e.snapshot as Snapshot<unknown> & { value: unknown; context: Record<string, unknown> }]
      : [],
  )
const eventsOfType = (events: InspectionEvent[], type: string) =>
  events.flatMap((e) => (e.type === '@xstate.event' && e.event.type === type ? [e.event as Record<string, unknown>] : []))

describe('inspection events', () => {
  it('show a session through consent, refresh, a refused token and revocation, without a token, code, verifier or state', async () => {
    const world = inspectedWorld()
    const { grantflow, clock, kit } = world
    await grantflow.apis.vat.obligations(query)
    clock.advance(FOUR_HOURS + 1)
    await grantflow.apis.vat.obligations(query)
    kit.expireAccessTokens()
    await grantflow.apis.vat.obligations(query)
    const [session] = await grantflow.sessions.list({ kind: 'company', id: 'acme-ltd' })
    const live = grantflow.tokenSession(session!.key)!.getSnapshot().context.tokens!
    await grantflow.sessions.disconnect(session!.key)

    // The flows ran: one consent, two refreshes (expiry, refusal).
    expect(kit.counters.tokenRequestsByGrant).toMatchObject({ authorization_code: 1, refresh_token: 2 })
    // The machines themselves kept their real tokens: only what the inspector sees is redacted.
    expect(world.secrets).toContain(live.accessToken)
    expect(world.secrets.size).toBeGreaterThan(8)
    expect(world.leaks()).toEqual({ inEvents: [], inActorSnapshots: [], inJson: [] })

    // Still worth watching: states, events and where the redacted values were.
    const sessions = snapshotsOf(world.events, 'tokenSession')
    expect(sessions.map((s) => s.value)).toEqual(
      expect.arrayContaining(['loading', 'preparingConsent', 'authorizing', 'exchangingCode', 'valid', 'refreshing', 'revoking', 'revoked']),
    )
    const tokens = sessions.map((s) => s.context.tokens as Record<string, unknown> | undefined).find(Boolean)!
    expect(tokens).toMatchObject({
      accessToken: expect.stringMatching(/^….{4}$/),
      refreshToken: expect.stringMatching(/^….{4}$/),
      tokenType: expect.any(String),
      scopes: ['read:vat'],
    })
    expect(eventsOfType(world.events, 'TOKEN_REJECTED')).toEqual([{ type: 'TOKEN_REJECTED', accessToken: expect.stringMatching(/^….{4}$/) }])
    const [callback] = eventsOfType(world.events, 'CALLBACK_RECEIVED')
    expect((callback!.callback as URLSearchParams).get('code')).toMatch(/^…/)
    const authorizing = sessions.find((s) => s.value === 'authorizing')!
    expect(authorizing.context.pending).toMatchObject({ codeVerifier: expect.stringMatching(/^…/), state: expect.stringMatching(/^…/), scopes: ['read:vat'] })
    // The authorization URL keeps what the request asked for, with its state redacted.
    const url = new URL(authorizing.context.authorizationUrl as string)
    expect(url.searchParams.get('scope')).toBe('read:vat')
    expect(url.searchParams.get('code_challenge_method')).toBe('S256')
    expect(url.searchParams.get('state')).toMatch(/^…/)
    // One actor is one ref from event to event, so an inspector can follow it.
    const refs = world.events
      .filter((e) => e.type === '@xstate.snapshot' && (e.snapshot as { machine?: { id: string } }).machine?.id === 'tokenSession')
      .map((e) => e.actorRef)
    expect(new Set(refs).size).toBe(1)
    expect((refs[0]!.getSnapshot() as { value: unknown }).value).toBe('revoked')
  })

  it('show a wizard restored after a redirect without its callback URL’s code and state', async () => {
    let saved: Snapshot<unknown> | undefined
    const opened: string[] = []
    const world = inspectedWorld({
      mode: 'custom',
      open(url, { saveWizard }) {
        opened.push(url)
        saved = saveWizard() as Snapshot<unknown>
      },
    })
    const wizard = await world.grantflow.startWizard({ api: 'vat', endpoint: 'submitReturn', params: { vrn: VRN }, body: vatReturn() })
    await waitFor(wizard, (s) => s.matches({ awaitingConsent: 'atProvider' }))
    wizard.stop()
    world.visits.push(...opened)
    const callbackUrl = await world.kit.authorize(opened[0]!)
    for (const name of ['code', 'state']) world.secrets.add(new URL(callbackUrl).searchParams.get(name)!)
    const resumed = await world.grantflow.resumeWizard(saved!)
    resumed.send({ type: 'CALLBACK_RECEIVED', callbackUrl })
    const done = await waitFor(resumed, (s) => s.status === 'done' || s.matches('failed'))
    expect(done.value).toBe('succeeded')

    expect(world.leaks()).toEqual({ inEvents: [], inActorSnapshots: [], inJson: [] })
    const [received] = eventsOfType(world.events, 'CALLBACK_RECEIVED').filter((e) => typeof e.callbackUrl === 'string')
    expect(received!.callbackUrl).toMatch(/^https:\/\/app\.example\/callback\?code=…/)
    const wizards = snapshotsOf(world.events, 'callWizard')
    expect(wizards.map((s) => s.value)).toEqual(expect.arrayContaining(['calling', 'succeeded']))
    expect(
      wizards.some((s) => typeof s.context.authorizationUrl === 'string' && new URL(s.context.authorizationUrl).searchParams.get('state')?.startsWith('…')),
    ).toBe(true)
  })

  it('show the application’s client credentials session without its token or client secret', async () => {
    const world = inspectedWorld()
    await world.grantflow.apis.legifrance.getArticle({}, article)
    world.pisteKit.expireAccessTokens()
    await world.grantflow.apis.legifrance.getArticle({}, article)
    expect(world.pisteKit.counters.tokenRequestsByGrant.client_credentials).toBe(2)

    expect(world.leaks()).toEqual({ inEvents: [], inActorSnapshots: [], inJson: [] })
    expect(eventsOfType(world.events, 'TOKEN_REJECTED')).toHaveLength(1)
    expect(snapshotsOf(world.events, 'tokenSession').map((s) => s.value)).toEqual(expect.arrayContaining(['requestingToken', 'valid']))
  })

  it('show a refresh refused for a malformed answer, and the call’s error and the session’s record hold no token of it', async () => {
    const world = inspectedWorld()
    const { grantflow, clock } = world
    await grantflow.apis.vat.obligations(query)
    clock.advance(FOUR_HOURS + 1)
    const leaked = { access_token: 'malformed-answer-access-token-0123456789', refresh_token: 'malformed-answer-refresh-token-0123456789' }
    world.secrets.add(leaked.access_token).add(leaked.refresh_token)
    server.use(http.post('https://test-api.service.hmrc.gov.uk/oauth/token', () => HttpResponse.json({ ...leaked, token_type: 5 }), { once: true }))
    const error = await grantflow.apis.vat.obligations(query).catch((e: unknown) => e)

    // The call fails with the refresh's error, which is on record too.
    expect(error).toBeInstanceOf(TokenEndpointError)
    expect(error).toMatchObject({ grant: 'refresh_token', error: 'invalid_response', cause: { name: 'OperationProcessingError' } })
    const [session] = await grantflow.sessions.list({ kind: 'company', id: 'acme-ltd' })
    expect(session!.errors).toEqual([
      expect.objectContaining({
        step: 'refresh',
        code: 'token_endpoint_error',
        error: 'invalid_response',
        description: expect.stringContaining('"token_type"'),
      }),
    ])
    const refused = snapshotsOf(world.events, 'tokenSession')
      .map((s) => s.context.error)
      .find(Boolean)
    expect(refused).toMatchObject({ code: 'token_endpoint_error', error: 'invalid_response' })
    expect(
      findSecrets(
        [error, session],
        [...world.secrets].filter((s) => s.startsWith('malformed')),
      ),
    ).toEqual([])
    expect(world.leaks()).toEqual({ inEvents: [], inActorSnapshots: [], inJson: [] })
  })
})
