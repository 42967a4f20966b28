import { describe, expect, it } from 'vitest'
import { APPLICATION_USER, ConfigurationError, defineClient, TokenEndpointError, type ClientAuthentication } from '../../src/index.js'
import { requestClientCredentials, revokeTokens } from '../../src/protocol.js'
import { clientCertificateFetch } from '../../src/server/index.js'
import { REDIRECT_URI } from '../support/oidcServer.js'
import { CLIENT_AUTH_SECRETS, useClientAuthServer, type ClientAuthServer } from '../support/clientAuthServer.js'
import type { Pem } from '../support/testCertificates.js'
import { localWorld, oauthContext, vatReturn, VRN } from './localWorld.js'

const server = useClientAuthServer()

/** A certificate as a Node app presents it, trusting the provider's https listener (the test CA). */
const certificate = (s: ClientAuthServer, pem: Pem) =>
  clientCertificateFetch({ certificate: pem.certificate, privateKey: pem.privateKey, ca: s.certificates.ca.certificate })

const application = (clientId: string, authentication: ClientAuthentication) => defineClient({ clientId, authentication })

describe('mutual TLS client authentication (RFC 8705) at a real authorization server', () => {
  it('gets the application its token with tls_client_auth, at the mtls_endpoint_aliases token endpoint', async () => {
    const s = server()
    const client = application('vat-mtls', { method: 'tls_client_auth', clientCertificate: certificate(s, s.certificates.client) })
    const { grantflow, recorded } = localWorld(s, { client })
    const { rates } = await grantflow.apis.vat.rates({})

    expect(rates).toMatchObject({ standard: 20 })
    expect(recorded.requestsTo('token')).toEqual([
      expect.objectContaining({ grantType: 'client_credentials', clientId: 'vat-mtls', authMethod: 'tls_client_auth', status: 200, mtls: true }),
    ])
    expect(recorded.served()).toEqual([expect.objectContaining({ path: '/vat-rates', status: 200, sub: 'vat-mtls', clientId: 'vat-mtls' })])
  })

  it('gets the application its token with self_signed_tls_client_auth', async () => {
    const s = server()
    const client = application('vat-self-signed', { method: 'self_signed_tls_client_auth', clientCertificate: certificate(s, s.certificates.selfSigned) })
    const { grantflow, recorded } = localWorld(s, { client })
    await grantflow.apis.vat.rates({})

    expect(recorded.requestsTo('token')).toEqual([
      expect.objectContaining({
        grantType: 'client_credentials',
        clientId: 'vat-self-signed',
        authMethod: 'self_signed_tls_client_auth',
        status: 200,
        mtls: true,
      }),
    ])
    const [session] = await grantflow.sessions.list(APPLICATION_USER)
    expect(session?.tokens?.accessToken).toBeDefined()
  })

  it('chooses tls_client_auth from the discovery document when the app gives only a certificate', async () => {
    const s = server()
    const { grantflow, recorded } = localWorld(s, { client: application('vat-mtls', { clientCertificate: certificate(s, s.certificates.client) }) })
    await grantflow.apis.vat.rates({})

    expect(recorded.requestsTo('token')).toEqual([expect.objectContaining({ clientId: 'vat-mtls', authMethod: 'tls_client_auth', status: 200, mtls: true })])
  })

  it('fails with invalid_client when the certificate is from a CA the provider does not trust', async () => {
    const s = server()
    // Same subject as the registered one, another issuer.
    const client = application('vat-mtls', { method: 'tls_client_auth', clientCertificate: certificate(s, s.certificates.foreign) })
    const { grantflow, recorded } = localWorld(s, { client })
    const error = await grantflow.apis.vat.rates({}).catch((e: unknown) => e)

    expect(error).toBeInstanceOf(TokenEndpointError)
    expect(error).toMatchObject({ grant: 'client_credentials', error: 'invalid_client', status: 401 })
    expect(JSON.stringify({ message: (error as Error).message, error })).not.toContain('PRIVATE KEY')
    expect(recorded.requestsTo('token')).toEqual([expect.objectContaining({ clientId: 'vat-mtls', status: 401, error: 'invalid_client', mtls: true })])
    expect(recorded.served()).toEqual([])
  })

  it('fails with invalid_client when the self-signed certificate is not the registered one', async () => {
    const s = server()
    const client = application('vat-self-signed', { method: 'self_signed_tls_client_auth', clientCertificate: certificate(s, s.certificates.client) })
    const { grantflow, recorded } = localWorld(s, { client })
    const error = await grantflow.apis.vat.rates({}).catch((e: unknown) => e)

    expect(error).toMatchObject({ code: 'token_endpoint_error', grant: 'client_credentials', error: 'invalid_client' })
    expect(recorded.requestsTo('token')).toEqual([expect.objectContaining({ clientId: 'vat-self-signed', status: 401, error: 'invalid_client' })])
  })

  it('refuses with a ConfigurationError, sending nothing, where the token endpoint is http and has no mTLS alias', async () => {
    const s = server()
    const client = application('vat-mtls', { method: 'tls_client_auth', clientCertificate: certificate(s, s.certificates.client) })
    const context = await oauthContext(s, client)
    const { mtls_endpoint_aliases: _aliases, ...withoutAliases } = context.as
    const recorded = s.recordFromNow()
    const error = await requestClientCredentials({ ...context, as: withoutAliases }, ['read:vat']).catch((e: unknown) => e)

    expect(error).toBeInstanceOf(ConfigurationError)
    expect((error as Error).message).toContain(`${s.issuer}/token is not https`)
    expect(recorded.requests()).toEqual([])
  })

  it("exchanges a person's code, refreshes and revokes over mutual TLS (tls_client_auth)", async () => {
    const s = server()
    const client = defineClient({
      clientId: 'vat-mtls-person',
      redirectUri: REDIRECT_URI,
      authentication: { method: 'tls_client_auth', clientCertificate: certificate(s, s.certificates.client) },
    })
    const { grantflow, clock, recorded } = localWorld(s, { client })
    await grantflow.apis.vat.obligations({ vrn: VRN })
    // Past the access token's lifetime (600 s): the next call refreshes first.
    clock.advance(601_000)
    await grantflow.apis.vat.obligations({ vrn: VRN })
    const [session] = await grantflow.sessions.list({ kind: 'company', id: 'acme-ltd' })
    expect(await revokeTokens(await oauthContext(s, client), session!.tokens!)).toBe(true)

    expect(recorded.requestsTo('token').map((r) => [r.grantType, r.clientId, r.authMethod, r.status, (r as { mtls?: boolean }).mtls])).toEqual([
      ['authorization_code', 'vat-mtls-person', 'tls_client_auth', 200, true],
      ['refresh_token', 'vat-mtls-person', 'tls_client_auth', 200, true],
    ])
    expect(recorded.requestsTo('revocation')).toEqual([
      expect.objectContaining({ clientId: 'vat-mtls-person', authMethod: 'tls_client_auth', status: 200, mtls: true }),
    ])
    expect(recorded.served().map((r) => [r.sub, r.clientId, r.status])).toEqual([
      ['alice', 'vat-mtls-person', 200],
      ['alice', 'vat-mtls-person', 200],
    ])
  })

  it("uses the person's client (client_secret_jwt) for their consent and the application's (tls_client_auth) for its own calls, on one provider", async () => {
    const s = server()
    const client = defineClient({
      clientId: 'vat-jwt',
      redirectUri: REDIRECT_URI,
      authentication: { method: 'client_secret_jwt', clientSecret: CLIENT_AUTH_SECRETS.jwt },
      applicationClient: application('vat-mtls', { method: 'tls_client_auth', clientCertificate: certificate(s, s.certificates.client) }),
    })
    const { grantflow, recorded } = localWorld(s, { client })
    await grantflow.apis.vat.submitReturn({ vrn: VRN }, vatReturn())
    await grantflow.apis.vat.rates({})

    expect(recorded.requestsTo('token').map((r) => [r.grantType, r.clientId, r.authMethod, r.status, (r as { mtls?: boolean }).mtls])).toEqual([
      ['authorization_code', 'vat-jwt', 'client_secret_jwt', 200, false],
      ['client_credentials', 'vat-mtls', 'tls_client_auth', 200, true],
    ])
    expect(recorded.submissions()).toEqual([{ vrn: VRN, body: vatReturn(), sub: 'alice', clientId: 'vat-jwt' }])
    expect(recorded.served().map((r) => [r.path, r.clientId, r.status])).toEqual([
      [`/organisations/vat/${VRN}/returns`, 'vat-jwt', 201],
      ['/vat-rates', 'vat-mtls', 200],
    ])
  })
})
