import { describe, expect, it } from 'vitest'
import { http, HttpResponse } from 'msw'
import {
  APPLICATION_USER,
  ConfigurationError,
  createGrantflow,
  createMemoryStore,
  defineClient,
  InsufficientScopeError,
  ProviderUnreachableError,
  TokenEndpointError,
} from '../../src/index.js'
import { legifrance, useMsw, vatWorld } from '../support/vatWorld.js'

const server = useMsw()

describe('the application as API user (client credentials)', () => {
  it('gets a token once and reuses it for later calls', async () => {
    const { grantflow, pisteKit } = vatWorld({ server })
    const first = await grantflow.apis.legifrance.getArticle({}, { id: 'LEGIARTI000006419280' })
    await grantflow.apis.legifrance.getArticle({}, { id: 'LEGIARTI000006419280' })
    expect(first.article.texte).toMatch(/\S/)
    expect(pisteKit.counters.tokenRequestsByGrant.client_credentials).toBe(1)
    expect(pisteKit.counters.authorizations).toBe(0)
  })

  it('asks for a new token when the old one expires (PISTE gives no refresh token)', async () => {
    const { grantflow, pisteKit, clock } = vatWorld({ server })
    await grantflow.apis.legifrance.getArticle({}, { id: 'LEGIARTI000006419280' })
    clock.advance(3600_000)
    await grantflow.apis.legifrance.getArticle({}, { id: 'LEGIARTI000006419280' })
    expect(pisteKit.counters.tokenRequestsByGrant.client_credentials).toBe(2)
  })

  it('replaces a token the API refuses, once for many concurrent calls', async () => {
    const { grantflow, pisteKit } = vatWorld({ server })
    await grantflow.apis.legifrance.getArticle({}, { id: 'LEGIARTI000006419280' })
    pisteKit.expireAccessTokens()
    await Promise.all(Array.from({ length: 30 }, () => grantflow.apis.legifrance.getArticle({}, { id: 'LEGIARTI000006419280' })))
    expect(pisteKit.counters.tokenRequestsByGrant.client_credentials).toBe(2)
  })

  it('reports wrong credentials as a token endpoint error (invalid_client), never as consent', async () => {
    const { pisteKit } = vatWorld({ server })
    void pisteKit
    const grantflow = createGrantflow({
      apis: { legifrance },
      clients: { piste: defineClient({ clientId: 'legal-app', authentication: { method: 'client_secret_post', clientSecret: 'S3cr3t-guess-42' } }) },
      environment: 'sandbox',
    })
    const error = await grantflow.apis.legifrance.getArticle({}, { id: 'x' }).catch((e) => e)
    expect(error).toBeInstanceOf(TokenEndpointError)
    expect(error.error).toBe('invalid_client')
    expect(error.message).not.toContain('S3cr3t-guess-42')
  })

  it('reports a 403 insufficient_scope to the application as InsufficientScopeError (it has no one to ask)', async () => {
    const { grantflow, pisteKit } = vatWorld({ server })
    await grantflow.apis.legifrance.getArticle({}, { id: 'LEGIARTI000006419280' })
    server.use(
      http.post(
        'https://sandbox-api.piste.gouv.fr/*',
        () => new HttpResponse(null, { status: 403, headers: { 'www-authenticate': 'Bearer error="insufficient_scope", scope="openid legifrance"' } }),
      ),
    )
    const error = await grantflow.apis.legifrance.getArticle({}, { id: 'x' }).catch((e) => e)
    expect(error).toBeInstanceOf(InsufficientScopeError)
    expect(error.scopesNeeded).toEqual(['openid', 'legifrance'])
    expect(pisteKit.counters.authorizations).toBe(0)
  })

  it('reports a token endpoint that stays unreachable as ProviderUnreachableError, after the retries', async () => {
    const { grantflow, pisteKit } = vatWorld({ server, grantflow: { sleep: async () => {} } })
    pisteKit.fail({ endpoint: 'token', kind: 'network', times: Infinity })
    await expect(grantflow.apis.legifrance.getArticle({}, { id: 'x' })).rejects.toBeInstanceOf(ProviderUnreachableError)
    expect(pisteKit.counters.tokenRequests).toBe(3)
  })

  it('refuses the client credentials grant to a public client (a browser cannot keep a secret)', async () => {
    vatWorld({ server })
    const grantflow = createGrantflow({ apis: { legifrance }, clients: { piste: defineClient({ clientId: 'legal-app' }) }, environment: 'sandbox' })
    await expect(grantflow.apis.legifrance.getArticle({}, { id: 'x' })).rejects.toBeInstanceOf(ConfigurationError)
  })

  describe('by the key it is stored under, which names its scope set', () => {
    /** A session obtained by one runtime, and another runtime on the same store that has no live session of it. */
    const storedElsewhere = async () => {
      const store = createMemoryStore()
      const { grantflow, pisteKit, clock } = vatWorld({ server, store })
      await grantflow.apis.legifrance.getArticle({}, { id: 'LEGIARTI000006419280' })
      const [session] = await store.list(APPLICATION_USER)
      const other = createGrantflow({
        apis: { legifrance },
        clients: { piste: defineClient({ clientId: 'legal-app', authentication: { method: 'client_secret_post', clientSecret: 'piste-secret' } }) },
        environment: 'sandbox',
        store,
        now: clock.now,
      })
      return { store, pisteKit, clock, other, session: session! }
    }

    it('disconnects the session of that scope set', async () => {
      const { store, other, session } = await storedElsewhere()
      expect(session.key).toMatch(/openid$/)
      await other.sessions.disconnect(session.key)
      expect((await store.get(session.key))?.tokens).toBeUndefined()
      other.dispose()
    })

    it('renews the stale token of that scope set', async () => {
      const { store, pisteKit, clock, other, session } = await storedElsewhere()
      clock.advance(3600_000)
      await other.sessions.refresh(session.key)
      expect(pisteKit.counters.tokenRequestsByGrant.client_credentials).toBe(2)
      const renewed = await store.get(session.key)
      expect(renewed?.tokens?.accessToken).not.toBe(session.tokens?.accessToken)
      expect(await store.list(APPLICATION_USER)).toHaveLength(1)
      other.dispose()
    })
  })
})
