import { describe, expect, it } from 'vitest'
import { ConsentDeniedError, InvalidCallbackError, TokenEndpointError, type ConsentRequiredError } from '../../src/index.js'
import { exchangeCode, startAuthorization, validateCallback } from '../../src/protocol.js'
import { loginAndConsent } from '../support/interact.js'
import { COMPANY, localWorld, oauthContext, useOidcServer, VRN } from './localWorld.js'

const server = useOidcServer()

/** A server-side app whose call failed for consent, and the callback the provider sent the user back with. */
async function consentedCallback() {
  const world = localWorld(server(), { user: 'none' })
  const error = (await world.grantflow.apis.vat.obligations({ vrn: VRN }).catch((e: unknown) => e)) as ConsentRequiredError
  const callback = new URL(await loginAndConsent(error.authorizationUrl!))
  const tampered = (name: string, value: string) => {
    const url = new URL(callback)
    url.searchParams.set(name, value)
    return url.href
  }
  // The route at the redirect URI, with the binding kept in the browser's cookie.
  const complete = (url: string) => world.grantflow.completeAuthorization(url, { binding: error.binding })
  return { ...world, callback, tampered, complete, sessionKey: error.sessionKey }
}

describe('a callback that was tampered with is refused', () => {
  it('refuses a callback whose state is not the one sent, and still accepts the real one', async () => {
    const { complete, callback, tampered, recorded } = await consentedCallback()
    const error = await complete(tampered('state', 'forged-state-value')).catch((e: unknown) => e)

    expect(error).toBeInstanceOf(InvalidCallbackError)
    // The runtime finds the session by its state: a forged one finds none.
    expect(error).toMatchObject({ reason: 'no_pending_authorization' })
    expect(recorded.requestsTo('token')).toEqual([])
    await expect(complete(callback.href)).resolves.toMatchObject({ sessionKey: expect.any(String) })
    expect(recorded.requestsTo('token')).toEqual([expect.objectContaining({ grantType: 'authorization_code', status: 200 })])
  })

  it('refuses a state mismatch on the callback step alone (state_mismatch), before any token request', async () => {
    const { grantflow, tampered, sessionKey, recorded } = await consentedCallback()
    const pending = (await grantflow.sessions.get(sessionKey))!.pending!
    const context = await oauthContext(server(), server().clients.public)
    expect(() => validateCallback(context, tampered('state', 'forged-state-value'), pending)).toThrow(expect.objectContaining({ reason: 'state_mismatch' }))
    expect(recorded.requestsTo('token')).toEqual([])
  })

  it('refuses a callback whose iss is not the provider (RFC 9207 mix-up defence), before any token request', async () => {
    const { grantflow, complete, tampered, sessionKey, recorded } = await consentedCallback()
    const error = await complete(tampered('iss', 'http://127.0.0.1:1/attacker')).catch((e: unknown) => e)

    expect(error).toBeInstanceOf(InvalidCallbackError)
    expect(error).toMatchObject({ reason: 'iss_mismatch' })
    expect(recorded.requestsTo('token')).toEqual([])
    const session = await grantflow.sessions.get(sessionKey)
    expect(session?.tokens).toBeUndefined()
    expect(session?.errors).toEqual([expect.objectContaining({ step: 'exchange', code: 'invalid_callback' })])
  })

  it('refuses a callback stripped of iss, since the provider promises to send it', async () => {
    const { complete, callback, recorded } = await consentedCallback()
    const stripped = new URL(callback)
    stripped.searchParams.delete('iss')
    await expect(complete(stripped.href)).rejects.toMatchObject({ reason: 'iss_mismatch' })
    expect(recorded.requestsTo('token')).toEqual([])
  })

  it('fails with invalid_grant from the provider when the code was tampered with', async () => {
    const { grantflow, complete, callback, tampered, sessionKey, recorded } = await consentedCallback()
    const error = await complete(tampered('code', `${callback.searchParams.get('code')}x`)).catch((e: unknown) => e)

    expect(error).toBeInstanceOf(TokenEndpointError)
    expect(error).toMatchObject({ grant: 'authorization_code', error: 'invalid_grant', status: 400 })
    expect(recorded.requestsTo('token')).toEqual([expect.objectContaining({ grantType: 'authorization_code', status: 400, error: 'invalid_grant' })])
    expect((await grantflow.sessions.get(sessionKey))?.tokens).toBeUndefined()
  })

  it('has a code used twice refused by the provider (shown on the exchange step alone)', async () => {
    const context = await oauthContext(server(), server().clients.public)
    const { url, pending } = await startAuthorization({ as: context.as, client: context.client, scopes: ['read:vat'], now: Date.now() })
    const callback = validateCallback(context, await loginAndConsent(url), pending)
    await exchangeCode(context, callback, pending)
    await expect(exchangeCode(context, callback, pending)).rejects.toMatchObject({ code: 'token_endpoint_error', error: 'invalid_grant' })
  })
})

describe('consent denied at the provider', () => {
  it('fails the call with ConsentDeniedError, sends nothing to the API, and keeps no tokens', async () => {
    const { grantflow, browser, callbacks, recorded } = localWorld(server(), { user: { deny: true } })
    const error = await grantflow.apis.vat.obligations({ vrn: VRN }).catch((e: unknown) => e)

    expect(error).toBeInstanceOf(ConsentDeniedError)
    expect(error).toMatchObject({ error: 'access_denied' })
    // The user signed in, then pressed Cancel on the consent page.
    expect(browser.pages.map((page) => page.kind)).toEqual(['login', 'consent'])
    expect(new URL(callbacks[0]!).searchParams.get('error')).toBe('access_denied')
    expect(recorded.requests().map((r) => r.route)).toContain('abort')
    expect(recorded.requestsTo('token')).toEqual([])
    expect(recorded.served()).toEqual([])
    const [session] = await grantflow.sessions.list(COMPANY)
    expect(session?.tokens).toBeUndefined()
  })
})

describe('a callback checked by the protocol step alone (validateCallback)', () => {
  /** The public client's authorization, and the callback the provider sent the user back with. */
  async function authorization(deny = false) {
    const context = await oauthContext(server(), server().clients.public)
    const { url, pending } = await startAuthorization({ as: context.as, client: context.client, scopes: ['read:vat'], now: Date.now() })
    const callback = new URL(await loginAndConsent(url, { deny }))
    const tampered = (name: string, value: string) => {
      const forged = new URL(callback)
      forged.searchParams.set(name, value)
      return forged
    }
    return { context, pending, callback, tampered }
  }

  it('refuses an iss that is not the provider (iss_mismatch)', async () => {
    const { context, pending, tampered } = await authorization()
    expect(() => validateCallback(context, tampered('iss', 'http://127.0.0.1:1/attacker'), pending)).toThrow(
      expect.objectContaining({ code: 'invalid_callback', reason: 'iss_mismatch' }),
    )
  })

  it("turns the provider's access_denied into ConsentDeniedError", async () => {
    const { context, pending, callback } = await authorization(true)
    expect(callback.searchParams.get('iss')).toBe(server().issuer)

    const validate = () => validateCallback(context, callback, pending)
    expect(validate).toThrow(ConsentDeniedError)
    expect(validate).toThrow(expect.objectContaining({ code: 'consent_denied', error: 'access_denied' }))
  })

  it('does not believe a denial whose state or iss is forged: InvalidCallbackError, not ConsentDeniedError', async () => {
    const { context, pending, tampered } = await authorization(true)
    expect(() => validateCallback(context, tampered('state', 'forged-state-value'), pending)).toThrow(
      expect.objectContaining({ code: 'invalid_callback', reason: 'state_mismatch' }),
    )
    expect(() => validateCallback(context, tampered('iss', 'http://127.0.0.1:1/attacker'), pending)).toThrow(
      expect.objectContaining({ code: 'invalid_callback', reason: 'iss_mismatch' }),
    )
  })
})
