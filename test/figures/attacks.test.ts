import { createHash } from 'node:crypto'
import { http, HttpResponse } from 'msw'
import { describe, expect, it } from 'vitest'
import {
  ApiError,
  ConfigurationError,
  ConsentRequiredError,
  createPopupNavigator,
  defineProvider,
  InvalidCallbackError,
  safeReturnTo,
  TokenEndpointError,
  type ConsentNavigator,
  type PendingCall,
} from '../../src/index.js'
import { LEGIFRANCE_GET_ARTICLE_PATH } from '../../src/testing/index.js'
import { APP_ORIGIN, fakeWindow, until } from '../support/fakeBrowser.js'
import { recordFigure, type FigureTask } from '../support/figures.js'
import { findSecrets } from '../support/secretScan.js'
import { useMsw } from '../support/vatWorld.js'
import { API_BASE, attackWorld, company, ISSUER, REDIRECT_URI, type AttackWorld, type AttackWorldOptions } from './attackWorld.js'

// Attacks, as an attacker would make them against an app using the runtime: each must be
// refused, leave every stored session token as it was (outside the legitimate flow the attack
// rides on), and leave no token, code or refresh token in what the attack saw or left behind
// (authorization URLs, errors and their JSON, stored errors, inspection events, Web Storage).
// Each counts on the suite's `attacks:` line, and is made against a lenient provider (one that
// exchanges any code it issued, again and without PKCE: see attackWorld): what refuses it is
// grantflow itself. Where only the provider can refuse (a code without OpenID's nonce to give it
// away, another resource's token at an API), the check is on the `provider checks:` line instead,
// against the kit as it is, with grantflow's part in it (what it sent) asserted there.

const server = useMsw()
const TEN_MINUTES = 10 * 60_000
const TWO_HOURS = 2 * 3600_000
const PISTE_API = 'https://sandbox-api.piste.gouv.fr'

interface Attack {
  world: AttackWorld
  /** After a legitimate step the attack rides on: stored tokens are compared from here on. */
  legitimate(): Promise<void>
}

/**
 * One attack: the victim is connected first (a live session the attack could try to take or
 * spoil); the attack runs; then stored tokens are compared and every place a token could leak to
 * is scanned. `rejected` is claimed only after the attack's own assertions held.
 */
function attack(label: string, run: (attack: Attack) => Promise<void>, worldOptions: Omit<AttackWorldOptions, 'server'> = {}) {
  refusal('attacks', label, run, { provider: 'lenient', ...worldOptions })
}

/** A check the provider makes (grantflow cannot): counted on the `provider checks:` line, against the kit as it is. */
function providerCheck(label: string, run: (attack: Attack) => Promise<void>) {
  refusal('provider checks', label, run, { provider: 'strict' })
}

function refusal(
  group: 'attacks' | 'provider checks',
  label: string,
  run: (attack: Attack) => Promise<void>,
  worldOptions: Omit<AttackWorldOptions, 'server'>,
) {
  it(label, async (context: FigureTask) => {
    const figure = recordFigure(context, { group, label, facts: { rejected: false, noTokenFound: false }, counts: { tokenChanges: 0 } })
    const world = attackWorld({ server, ...worldOptions })
    if (!worldOptions.grantflow?.navigator) await world.connect('victim-ltd')
    let before = await world.storedTokens()
    await run({
      world,
      async legitimate() {
        before = await world.storedTokens()
      },
    })
    figure.facts!.rejected = true
    figure.counts!.tokenChanges = world.changedSessions(before, await world.storedTokens())
    expect(figure.counts!.tokenChanges).toBe(0)
    expect(await world.leaks()).toEqual([])
    figure.facts!.noTokenFound = true
  })
}

const withParam = (url: string, name: string, value: string | undefined) => {
  const changed = new URL(url)
  if (value === undefined) changed.searchParams.delete(name)
  else changed.searchParams.set(name, value)
  return changed.href
}
const post = (text: string): PendingCall => ({ api: 'records', endpoint: 'add', params: {}, body: { text } })
const authorizationCodeRequests = (world: AttackWorld) => world.kit.counters.tokenRequestsByGrant.authorization_code

describe('attacks', () => {
  attack('callback not bound to who started it', async ({ world }) => {
    // The attacker starts consent as their own company and sends the authorization URL to the victim,
    // who signs in at the provider and is sent back to the app's callback route with a code.
    const attackers = await world.consentNeeded('attacker-ltd')
    const victimsCallback = await world.authorize(attackers.authorizationUrl!)
    const victimsOwn = await world.consentNeeded('victim-ltd', (g) => g.call(post('mine')))
    const codesBefore = authorizationCodeRequests(world)
    // The victim's browser brings no binding, its own, its own API user, or both.
    for (const options of [
      undefined,
      { binding: victimsOwn.binding },
      { apiUser: company('victim-ltd') },
      { binding: victimsOwn.binding, apiUser: company('victim-ltd') },
    ]) {
      const error = await world.failure(world.grantflow.completeAuthorization(victimsCallback, options))
      expect(error).toBeInstanceOf(InvalidCallbackError)
      expect(error).toMatchObject({ reason: 'binding_mismatch' })
    }
    expect(authorizationCodeRequests(world)).toBe(codesBefore)
    expect((await world.grantflow.sessions.get(attackers.sessionKey))?.tokens).toBeUndefined()
    expect(world.posted).toEqual([])
  })

  attack('replayed callback', async ({ world, legitimate }) => {
    const consent = await world.consentNeeded('victim-ltd', (g) => g.call(post('once only')))
    const callback = await world.authorize(consent.authorizationUrl!)
    const complete = () => world.grantflow.completeAuthorization(callback, { binding: consent.binding, apiUser: company('victim-ltd') })
    const [first, second] = await Promise.allSettled([complete(), complete()])
    expect(first).toMatchObject({ status: 'fulfilled', value: { call: post('once only') } })
    await world.grantflow.call((first as PromiseFulfilledResult<{ call: PendingCall }>).value.call)
    await legitimate()
    // A reload, a resubmitted form or an attacker replaying the URL later: nothing to replay.
    expect(second).toMatchObject({ status: 'rejected', reason: { reason: 'code_already_used' } })
    world.errors.push((second as PromiseRejectedResult).reason)
    const later = await world.failure(complete())
    expect(later).toMatchObject({ reason: 'code_already_used' })
    expect(later).not.toHaveProperty('call')
    expect(world.posted).toEqual([{ text: 'once only' }])
    expect(authorizationCodeRequests(world)).toBe(2)
  })

  const TRICKY_RETURN_TO = [
    'https://evil.example/',
    '//evil.example',
    '/\\evil.example',
    '\\\\evil.example',
    '/\t/evil.example',
    '/.//evil.example',
    '/a/..//evil.example',
    '/%2e%2e/\\evil.example',
    '/%2f%2fevil.example',
    '/%5cevil.example',
    'javascript:alert(1)',
    '/\n/evil.example',
    ' //evil.example',
    '/x/../../..//evil.example',
  ]
  let returnTo: string | undefined
  const returnedTo: Array<string | undefined> = []
  let world_: AttackWorld
  /** The user comes back from the provider to the callback route, which sends them where the completion says. */
  const returningUser: ConsentNavigator = {
    mode: 'custom',
    async open(url) {
      const callback = await world_.authorize(url)
      returnedTo.push((await world_.grantflow.completeAuthorization(callback)).returnTo)
    },
  }
  attack(
    'open redirect via returnTo',
    async ({ world, legitimate }) => {
      world_ = world
      for (const [i, path] of [...TRICKY_RETURN_TO, '/returns/./new?period=18A1'].entries()) {
        // Each path is where an attacker's link asked to be sent back to after a fresh consent.
        returnTo = path
        world.actAs(`returning-${i}`)
        await world.grantflow.apis.records.list({})
      }
      await legitimate()
      expect(returnedTo).toHaveLength(TRICKY_RETURN_TO.length + 1)
      expect(returnedTo.at(-1)).toBe('/returns/new?period=18A1')
      for (const [i, path] of returnedTo.entries()) {
        if (path === undefined) continue
        expect(path, TRICKY_RETURN_TO[i]).toMatch(/^\/(?![/\\])/)
        expect(new URL(path, APP_ORIGIN).origin).toBe(APP_ORIGIN)
      }
      // The check itself, on what the runtime would otherwise hand a Location header.
      for (const path of TRICKY_RETURN_TO) expect(safeReturnTo(path), path).toBeUndefined()
    },
    { grantflow: { interaction: 'automatic', navigator: returningUser, returnTo: () => returnTo } },
  )

  attack('secrets in inspection events', async ({ world, legitimate }) => {
    // A whole life: consent (done), step-up with a POST, a refresh, OpenID sign-in, a client credentials call, disconnect.
    await world.connect('victim-ltd', (g) => g.call(post('inspected')))
    world.clock.advance(TWO_HOURS)
    await world.grantflow.apis.records.list({})
    await world.connect('victim-ltd', (g) => g.apis.records.listSignedIn({}))
    await world.grantflow.apis.legifrance.getArticle({}, { id: 'LEGIARTI000006419280' })
    const [session] = await world.grantflow.sessions.list(company('victim-ltd'))
    await world.grantflow.sessions.disconnect(session!.key)
    await legitimate()
    expect(world.kit.counters.tokenRequestsByGrant).toMatchObject({ authorization_code: 3, refresh_token: 1 })
    expect(world.pisteKit.counters.tokenRequestsByGrant.client_credentials).toBe(1)
    expect(world.events.length).toBeGreaterThan(50)
    expect(world.secrets.size).toBeGreaterThan(10)
    expect(findSecrets(world.events, [...world.secrets], { skip: (v) => typeof (v as { send?: unknown }).send === 'function' })).toEqual([])
  })

  attack('CSRF: callback without or with a wrong state', async ({ world, legitimate }) => {
    // The attacker's own code, from their own authorization, in a link to the victim's callback route.
    const attackers = await world.consentNeeded('attacker-ltd')
    const attackersCode = new URL(await world.authorize(attackers.authorizationUrl!)).searchParams.get('code')!
    const victims = await world.consentNeeded('victim-ltd', (g) => g.call(post('mine')))
    const victimsCallback = await world.authorize(victims.authorizationUrl!)
    const requests = world.tokenRequests().length
    for (const state of [undefined, 'forged-state', '']) {
      const forged = withParam(withParam(victimsCallback, 'code', attackersCode), 'state', state)
      const error = await world.failure(world.grantflow.completeAuthorization(forged, { binding: victims.binding }))
      expect(error).toBeInstanceOf(InvalidCallbackError)
    }
    expect(world.tokenRequests()).toHaveLength(requests)
    // The victim's own callback still completes: the refusals were the state's doing.
    await world.grantflow.completeAuthorization(victimsCallback, { binding: victims.binding })
    await legitimate()
    expect(world.tokenRequests()).toHaveLength(requests + 1)
  })

  attack('code injection into an OpenID sign-in', async ({ world }) => {
    // The attacker's own code, from signing in as themselves; the provider does not check PKCE, so it would exchange it for anyone.
    const attackers = await world.consentNeeded('attacker-ltd', (g) => g.apis.records.listSignedIn({}))
    const attackersCode = new URL(await world.authorize(attackers.authorizationUrl!)).searchParams.get('code')!
    world.provider.idTokenClaims = (nonce) => ({ sub: 'attacker-user', ...(nonce && { nonce }) })
    const signIn = await world.consentNeeded('victim-ltd', (g) => g.apis.records.listSignedIn({}))
    const victimsCallback = await world.authorize(signIn.authorizationUrl!)
    // The victim's own state, binding and iss; the attacker's code.
    const injected = withParam(victimsCallback, 'code', attackersCode)
    const answered = world.lenientAnswers()
    const error = await world.failure(world.grantflow.completeAuthorization(injected, { binding: signIn.binding, apiUser: company('victim-ltd') }))
    // The provider exchanged it; grantflow refused the answer: its id_token is for the attacker's sign-in (another nonce).
    expect(world.lenientAnswers()).toBe(answered + 1)
    expect(error).toBeInstanceOf(TokenEndpointError)
    expect(error).toMatchObject({ grant: 'authorization_code', error: 'invalid_response', description: expect.stringContaining('nonce') })
    const [session] = await world.grantflow.sessions.list(company('victim-ltd'))
    expect(session!.tokens?.idTokenClaims).toBeUndefined()
    expect((await world.grantflow.sessions.get(attackers.sessionKey))?.tokens).toBeUndefined()
    expect(world.posted).toEqual([])
  })

  attack('code replay: a used code brought back', async ({ world, legitimate }) => {
    // The victim signs in; the callback URL, its code used, is found later (a log, a Referer, the history).
    const first = await world.consentNeeded('victim-ltd', (g) => g.apis.records.listSignedIn({}))
    const callback = await world.authorize(first.authorizationUrl!)
    await world.grantflow.completeAuthorization(callback, { binding: first.binding })
    await legitimate()
    const requests = world.tokenRequests().length
    // The same callback again, with the binding, without, with the API user: refused before any token request.
    for (const options of [{ binding: first.binding }, undefined, { apiUser: company('victim-ltd') }]) {
      const error = await world.failure(world.grantflow.completeAuthorization(callback, options))
      expect(error).toBeInstanceOf(InvalidCallbackError)
      expect(error).toMatchObject({ reason: 'code_already_used' })
    }
    expect(world.tokenRequests()).toHaveLength(requests)
    // The used code in the callback of the attacker's own sign-in: the provider exchanges it again,
    // grantflow refuses the answer (its id_token holds the victim's nonce, not the attacker's).
    const attackers = await world.consentNeeded('attacker-ltd', (g) => g.apis.records.listSignedIn({}))
    const replayed = withParam(await world.authorize(attackers.authorizationUrl!), 'code', new URL(callback).searchParams.get('code')!)
    const answered = world.lenientAnswers()
    const error = await world.failure(world.grantflow.completeAuthorization(replayed, { binding: attackers.binding }))
    expect(world.lenientAnswers()).toBe(answered + 1)
    expect(error).toBeInstanceOf(TokenEndpointError)
    expect(error).toMatchObject({ grant: 'authorization_code', error: 'invalid_response', description: expect.stringContaining('nonce') })
    expect((await world.grantflow.sessions.get(attackers.sessionKey))?.tokens).toBeUndefined()
  })

  attack('mix-up: callback with a wrong iss', async ({ world }) => {
    const requests = world.tokenRequests().length
    // Another provider's name, one that only looks like it, none at all (the provider promises iss).
    for (const [i, iss] of ['https://evil.example', `${ISSUER}/`, 'https://IDP.example', undefined].entries()) {
      const victims = await world.consentNeeded(`victim-${i}`)
      const callback = await world.authorize(victims.authorizationUrl!)
      const error = await world.failure(world.grantflow.completeAuthorization(withParam(callback, 'iss', iss), { binding: victims.binding }))
      expect(error).toBeInstanceOf(InvalidCallbackError)
      expect(error).toMatchObject({ reason: 'iss_mismatch' })
    }
    expect(world.tokenRequests()).toHaveLength(requests)
  })

  attack('PKCE downgrade', async ({ world }) => {
    const methods = (listed: string[] | undefined) =>
      server.use(http.get(`${ISSUER}/.well-known/openid-configuration`, () => HttpResponse.json({ ...metadata, code_challenge_methods_supported: listed })))
    const metadata = await discoveredMetadata()
    // A provider (or whoever answers for its metadata) that offers only plain: no authorization URL at all.
    const downgraded = attackWorld({ server })
    methods(['plain'])
    const error = await downgraded.failure(downgraded.grantflow.apis.records.list({}))
    expect(error).toBeInstanceOf(ConfigurationError)
    expect(downgraded.kit.counters.authorizations).toBe(0)
    expect(downgraded.sent.filter((r) => r.url.startsWith(`${ISSUER}/authorize`))).toEqual([])
    expect(await downgraded.leaks()).toEqual([])
    // Where plain is offered beside S256, or nothing is said, the URL still asks for S256.
    const urls: string[] = []
    for (const listed of [['plain', 'S256'], undefined]) {
      const other = attackWorld({ server })
      methods(listed)
      urls.push((await other.consentNeeded('victim-ltd')).authorizationUrl!)
    }
    urls.push((await world.consentNeeded('victim-ltd', (g) => g.call(post('mine')))).authorizationUrl!)
    urls.push((await world.consentNeeded('victim-ltd', (g) => g.apis.records.listSignedIn({}))).authorizationUrl!)
    for (const url of urls) {
      expect(new URL(url).searchParams.get('code_challenge_method')).toBe('S256')
      expect(new URL(url).searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/)
    }
  })

  attack('nonce replay', async ({ world }) => {
    // The attacker's id_token, from the attacker's own sign-in, comes back in the victim's token answer.
    const attackers = await world.consentNeeded('attacker-ltd', (g) => g.apis.records.listSignedIn({}))
    const attackersNonce = new URL(attackers.authorizationUrl!).searchParams.get('nonce')!
    world.provider.idTokenClaims = () => ({ sub: 'attacker-user', nonce: attackersNonce })
    for (const nonceClaim of ['replayed', 'absent'] as const) {
      if (nonceClaim === 'absent') world.provider.idTokenClaims = () => ({ sub: 'attacker-user' })
      const victims = await world.consentNeeded('victim-ltd', (g) => g.apis.records.listSignedIn({}))
      expect(new URL(victims.authorizationUrl!).searchParams.get('nonce')).not.toBe(attackersNonce)
      const callback = await world.authorize(victims.authorizationUrl!)
      const error = await world.failure(world.grantflow.completeAuthorization(callback, { binding: victims.binding }))
      expect(error, nonceClaim).toBeInstanceOf(TokenEndpointError)
      expect(error, nonceClaim).toMatchObject({ grant: 'authorization_code', error: 'invalid_response', description: expect.stringContaining('nonce') })
      const [session] = await world.grantflow.sessions.list(company('victim-ltd'))
      expect(session!.tokens!.idTokenClaims).toBeUndefined()
    }
  })

  attack('token for another resource', async ({ world, legitimate }) => {
    // Two resources in one app: the records API (a user's token) and Légifrance (the application's token).
    await world.grantflow.apis.legifrance.getArticle({}, { id: 'LEGIARTI000006419280' })
    await world.grantflow.apis.records.list({})
    await legitimate()
    const bearer = (origin: string) =>
      world.sent.filter((r) => new URL(r.url).origin === origin && r.authorization?.startsWith('Bearer ')).map((r) => r.authorization!.slice(7))
    const recordsTokens = bearer(API_BASE)
    const pisteTokens = bearer(PISTE_API)
    expect(recordsTokens.length).toBeGreaterThan(0)
    expect(pisteTokens.length).toBeGreaterThan(0)
    expect(recordsTokens.filter((token) => pisteTokens.includes(token))).toEqual([])
    // The records API (or whoever answers for it) sends the call on, to Légifrance's API and to a
    // host of its own, both of which would take any token: grantflow follows neither with its token.
    const arrived: string[] = []
    const taker =
      (answer: Record<string, unknown>) =>
      ({ request }: { request: Request }) => {
        arrived.push(`${request.method} ${request.url} ${request.headers.get('authorization') ?? 'no authorization'}`)
        return HttpResponse.json(answer)
      }
    server.use(
      http.all(`${PISTE_API}${LEGIFRANCE_GET_ARTICLE_PATH}`, taker({ article: { id: 'x', texte: 'x' } })),
      http.all('https://evil.example/*', taker({ records: ['theirs'] })),
    )
    for (const location of [`${PISTE_API}${LEGIFRANCE_GET_ARTICLE_PATH}`, 'https://evil.example/records']) {
      for (const status of [302, 307, 308]) {
        server.use(http.get(`${API_BASE}/records`, () => new HttpResponse(null, { status, headers: { location } }), { once: true }))
        const error = await world.failure(world.grantflow.apis.records.list({}))
        expect(error, `${status} to ${location}`).toBeInstanceOf(ApiError)
        expect(error).toMatchObject({ status })
      }
    }
    expect(arrived).toEqual([])
    expect(world.sent.filter((r) => ![API_BASE, ISSUER, PISTE_API, 'https://sandbox-oauth.piste.gouv.fr'].includes(new URL(r.url).origin))).toEqual([])
  })

  attack('plain http endpoints', async () => {
    const declare = (tokenEndpoint: string, apiBaseUrl: string) => () =>
      defineProvider({
        id: 'clear',
        name: 'In the clear',
        environments: { live: { authorizationServer: { authorizationEndpoint: 'https://clear.example/authorize', tokenEndpoint }, apiBaseUrl } },
      })
    expect(declare('http://clear.example/token', 'https://api.clear.example')).toThrow(ConfigurationError)
    expect(declare('https://clear.example/token', 'http://api.clear.example')).toThrow(ConfigurationError)
    // Loopback is the development exception (RFC 8252 §7.3): it is accepted.
    expect(declare('http://127.0.0.1:8080/token', 'http://localhost:8081')).not.toThrow()
    // Discovered metadata that sends the token request in the clear: refused before anything is sent there.
    const metadata = await discoveredMetadata()
    const fresh = attackWorld({ server })
    server.use(
      http.get(`${ISSUER}/.well-known/openid-configuration`, () =>
        HttpResponse.json({ ...metadata, token_endpoint: 'http://idp.example/token', authorization_endpoint: 'http://idp.example/authorize' }),
      ),
    )
    const error = await fresh.failure(fresh.grantflow.apis.records.list({}))
    expect(error).toBeInstanceOf(ConfigurationError)
    expect(fresh.sent.filter((r) => r.url.startsWith('http:'))).toEqual([])
    expect(await fresh.leaks()).toEqual([])
  })

  attack(
    'popup message from another window',
    async ({ world, legitimate }) => {
      const popupCall = world.grantflow.apis.records.list({})
      await until(() => popupTab.popups.length > 0 && popupTab.popups[0]!.location.href.startsWith(ISSUER))
      const popup = popupTab.popups[0]!
      const state = new URL(popup.location.href).searchParams.get('state')!
      const requests = world.tokenRequests().length
      // Another window of the app's origin (another tab, an iframe) posts a callback with the attacker's code.
      const forged = `${REDIRECT_URI}?code=attackers-code&state=${state}&iss=${encodeURIComponent(ISSUER)}`
      popupTab.post({ type: 'grantflow:callback', url: forged }, APP_ORIGIN, { postMessage: () => undefined })
      popupTab.post({ type: 'grantflow:callback', url: forged }, 'https://evil.example', popup)
      await new Promise((resolve) => setTimeout(resolve, 0))
      expect(world.tokenRequests()).toHaveLength(requests)
      expect(popup.closed).toBe(false)
      // The popup's own callback completes the call.
      popupTab.post({ type: 'grantflow:callback', url: await world.authorize(popup.location.href) }, APP_ORIGIN, popup)
      await expect(popupCall).resolves.toEqual({ records: ['r1'] })
      await legitimate()
      expect(world.tokenRequests()).toHaveLength(requests + 1)
    },
    popupWorld(),
  )

  attack('expired pending authorization', async ({ world }) => {
    const victims = await world.consentNeeded('victim-ltd', (g) => g.call(post('mine')))
    const callback = await world.authorize(victims.authorizationUrl!)
    world.clock.advance(TEN_MINUTES + 1)
    const error = await world.failure(world.grantflow.completeAuthorization(callback, { binding: victims.binding }))
    expect(error).toBeInstanceOf(InvalidCallbackError)
    expect(error).toMatchObject({ reason: 'expired' })
    expect(authorizationCodeRequests(world)).toBe(1)
    // Forgotten by the session at once; its store record follows (the runtime writes it after refusing).
    expect(world.grantflow.tokenSession(victims.sessionKey)!.getSnapshot().context.pending).toBeUndefined()
    await until(() => !world.pendingStorage.getItem(`grantflow:${victims.sessionKey}`)?.includes(victims.binding!))
    expect((await world.grantflow.sessions.get(victims.sessionKey))?.pending).toBeUndefined()
  })

  attack('refreshed id_token for another subject', async ({ world, legitimate }) => {
    await world.connect('victim-ltd', (g) => g.apis.records.listSignedIn({}))
    await legitimate()
    // The grant now speaks for someone else: the refresh answers with the attacker's subject.
    world.provider.idTokenClaims = () => ({ sub: 'attacker-user' })
    world.clock.advance(TWO_HOURS)
    const error = await world.failure(world.grantflow.apis.records.listSignedIn({}))
    // Refused, and only the user's consent can say who signed in now (as after invalid_grant).
    expect(error).toBeInstanceOf(ConsentRequiredError)
    expect(error).toMatchObject({ reason: 'refresh_failed' })
    expect(world.kit.counters.tokenRequestsByGrant.refresh_token).toBe(1)
    const [session] = await world.grantflow.sessions.list(company('victim-ltd'))
    expect(session!.errors.at(-1)).toMatchObject({ step: 'refresh', code: 'token_endpoint_error', error: 'invalid_id_token' })
    expect(session!.tokens?.idTokenClaims?.sub).not.toBe('attacker-user')
  })

  attack('id_token naming nobody (an empty sub)', async ({ world }) => {
    // A subject the provider left empty: every later refresh keeping it empty would pass the
    // continuity check, so the sign-in must be refused where it is first seen.
    world.provider.idTokenClaims = (nonce) => ({ sub: '', ...(nonce && { nonce }) })
    const signIn = await world.consentNeeded('victim-ltd', (g) => g.apis.records.listSignedIn({}))
    const before = (await world.grantflow.sessions.get(signIn.sessionKey))?.tokens
    const callback = await world.authorize(signIn.authorizationUrl!)
    const exchanged = world.kit.counters.tokenRequestsByGrant.authorization_code ?? 0
    const error = await world.failure(world.grantflow.completeAuthorization(callback, { binding: signIn.binding, apiUser: company('victim-ltd') }))
    // The provider exchanged the code and answered with tokens; grantflow refused them.
    expect(world.kit.counters.tokenRequestsByGrant.authorization_code).toBe(exchanged + 1)
    expect(error).toBeInstanceOf(TokenEndpointError)
    expect(error).toMatchObject({ grant: 'authorization_code', error: 'invalid_id_token' })
    // The session keeps what it had before the sign-in: no id_token, no openid.
    const after = (await world.grantflow.sessions.get(signIn.sessionKey))?.tokens
    expect(after?.idTokenClaims).toBeUndefined()
    expect(after?.accessToken).toBe(before?.accessToken)
  })

  attack(
    'tokens found after the flows',
    async ({ world, legitimate }) => {
      // Everything an app does, with tokens kept in Web Storage by the app's choice (connected first).
      await world.connect('victim-ltd', (g) => g.call(post('scanned')))
      world.clock.advance(TWO_HOURS)
      await world.grantflow.apis.records.list({})
      await world.connect('victim-ltd', (g) => g.apis.records.listSignedIn({}))
      await world.grantflow.apis.legifrance.getArticle({}, { id: 'LEGIARTI000006419280' })
      const denied = await world.consentNeeded('attacker-ltd')
      world.kit.consent('deny')
      await world.failure(world.grantflow.completeAuthorization(await world.authorize(denied.authorizationUrl!), { binding: denied.binding }))
      await legitimate()
      // The scan can see what it looks for: access tokens are in the token storage the app chose, refresh tokens are not.
      const stored = Array.from({ length: world.tokenStorage.length }, (_, i) => world.tokenStorage.getItem(world.tokenStorage.key(i)!)).join('\n')
      const [session] = await world.grantflow.sessions.list(company('victim-ltd'))
      expect(stored).toContain(session!.tokens!.accessToken)
      expect(world.refreshTokens.size).toBeGreaterThan(2)
      for (const token of world.refreshTokens) expect(stored).not.toContain(token)
      // Authorization URLs, as the provider saw them.
      const authorizationUrls = world.kit.requests.filter((r) => r.endpoint === 'authorize')
      expect(authorizationUrls.length).toBeGreaterThan(3)
      expect(findSecrets(authorizationUrls, [...world.secrets])).toEqual([])
      expect((await world.grantflow.sessions.list(company('attacker-ltd')))[0]!.errors).not.toEqual([])
    },
    { persistTokens: true },
  )
})

// What only the provider can refuse: grantflow's part (the verifier it sent, the token it kept to
// its own API) is asserted, the refusal is the kit's. Made against the kit as it is (strict).
describe('provider checks', () => {
  providerCheck("code injection without OpenID: refused by the provider's PKCE check", async ({ world }) => {
    const attackers = await world.consentNeeded('attacker-ltd')
    const attackersCode = new URL(await world.authorize(attackers.authorizationUrl!)).searchParams.get('code')!
    const victims = await world.consentNeeded('victim-ltd', (g) => g.call(post('mine')))
    const victimsCallback = await world.authorize(victims.authorizationUrl!)
    // The victim's own state and binding; the attacker's code, issued for the attacker's code_challenge.
    const injected = withParam(victimsCallback, 'code', attackersCode)
    const error = await world.failure(world.grantflow.completeAuthorization(injected, { binding: victims.binding, apiUser: company('victim-ltd') }))
    expect(error).toBeInstanceOf(TokenEndpointError)
    expect(error).toMatchObject({ grant: 'authorization_code', error: 'invalid_grant' })
    expect(world.kit.requests.at(-1)).toMatchObject({ endpoint: 'token', grantType: 'authorization_code', status: 400 })
    // grantflow's part: the verifier sent is the one of the victim's code_challenge, which the attacker's code was not issued for.
    const verifier = new URLSearchParams(world.tokenRequests().at(-1)!.body).get('code_verifier')!
    expect(createHash('sha256').update(verifier).digest('base64url')).toBe(new URL(victims.authorizationUrl!).searchParams.get('code_challenge'))
    expect((await world.grantflow.sessions.get(attackers.sessionKey))?.tokens).toBeUndefined()
    expect(world.posted).toEqual([])
  })

  providerCheck('code replay without OpenID: a used code refused by the provider', async ({ world, legitimate }) => {
    const first = await world.consentNeeded('victim-2')
    const callback = await world.authorize(first.authorizationUrl!)
    await world.grantflow.completeAuthorization(callback, { binding: first.binding })
    await legitimate()
    // The used code in the callback of the attacker's own authorization (no id_token, no nonce to tell it by).
    const attackers = await world.consentNeeded('attacker-ltd')
    const replayed = withParam(await world.authorize(attackers.authorizationUrl!), 'code', new URL(callback).searchParams.get('code')!)
    const error = await world.failure(world.grantflow.completeAuthorization(replayed, { binding: attackers.binding }))
    expect(error).toBeInstanceOf(TokenEndpointError)
    expect(error).toMatchObject({ grant: 'authorization_code', error: 'invalid_grant' })
    expect(world.kit.requests.at(-1)).toMatchObject({ endpoint: 'token', grantType: 'authorization_code', status: 400 })
    expect((await world.grantflow.sessions.get(attackers.sessionKey))?.tokens).toBeUndefined()
  })

  providerCheck("another resource's token at the records API: refused 401 by the API", async ({ world, legitimate }) => {
    await world.grantflow.apis.legifrance.getArticle({}, { id: 'LEGIARTI000006419280' })
    await legitimate()
    const pisteToken = world.sent.find((r) => new URL(r.url).origin === PISTE_API && r.authorization?.startsWith('Bearer '))!.authorization!.slice(7)
    // Presented by someone else than grantflow (which sends each API its own token: see the attack above).
    const refused = await fetch(`${API_BASE}/records`, { headers: { authorization: `Bearer ${pisteToken}` } })
    expect(refused.status).toBe(401)
  })
})

/** The provider's metadata as the kit serves it, for an attack to bend. */
async function discoveredMetadata(): Promise<Record<string, unknown>> {
  return (await (await fetch(`${ISSUER}/.well-known/openid-configuration`)).json()) as Record<string, unknown>
}

let popupTab: ReturnType<typeof fakeWindow>
/** A browser app with the popup navigator. */
function popupWorld(): Omit<AttackWorldOptions, 'server'> {
  popupTab = fakeWindow()
  return { grantflow: { interaction: 'automatic', navigator: createPopupNavigator({ window: popupTab.win, pollMs: 60_000 }) } }
}
