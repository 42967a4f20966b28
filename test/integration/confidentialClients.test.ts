import { generateKeyPair } from 'jose'
import { describe, expect, it } from 'vitest'
import { defineClient, TokenEndpointError } from '../../src/index.js'
import { REDIRECT_URI } from '../support/oidcServer.js'
import { localWorld, useOidcServer, vatReturn, VRN } from './localWorld.js'

const server = useOidcServer()

describe('confidential clients at a real authorization server', () => {
  it('authenticates with client_secret_basic, and the return is submitted once', async () => {
    const { grantflow, browser, recorded } = localWorld(server(), { client: server().clients.secretBasic })
    const receipt = await grantflow.apis.vat.submitReturn({ vrn: VRN }, vatReturn())

    expect(receipt.formBundleNumber).toMatch(/^\d{12}$/)
    expect(browser.pages.map((page) => page.kind)).toEqual(['login', 'consent'])
    expect(recorded.requestsTo('token')).toEqual([
      expect.objectContaining({ grantType: 'authorization_code', clientId: 'vat-server', authMethod: 'client_secret_basic', status: 200 }),
    ])
    expect(recorded.submissions()).toEqual([{ vrn: VRN, body: vatReturn(), sub: 'alice', clientId: 'vat-server' }])
  })

  it('authenticates with a signed assertion (private_key_jwt), and the return is submitted once', async () => {
    const { grantflow, recorded } = localWorld(server(), { client: server().clients.privateKeyJwt })
    await grantflow.apis.vat.submitReturn({ vrn: VRN }, vatReturn())

    expect(recorded.requestsTo('token')).toEqual([
      expect.objectContaining({ grantType: 'authorization_code', clientId: 'vat-signed', authMethod: 'private_key_jwt', status: 200 }),
    ])
    expect(recorded.submissions()).toEqual([{ vrn: VRN, body: vatReturn(), sub: 'alice', clientId: 'vat-signed' }])
  })

  it('fails with invalid_client when the assertion is signed with a key the provider does not know', async () => {
    const { privateKey } = await generateKeyPair('ES256')
    const impostor = defineClient({
      clientId: 'vat-signed',
      redirectUri: REDIRECT_URI,
      authentication: { method: 'private_key_jwt', privateKey, keyId: 'grantflow-client-1' },
    })
    const { grantflow, recorded } = localWorld(server(), { client: impostor })
    const error = await grantflow.apis.vat.submitReturn({ vrn: VRN }, vatReturn()).catch((e: unknown) => e)

    expect(error).toBeInstanceOf(TokenEndpointError)
    expect(error).toMatchObject({ grant: 'authorization_code', error: 'invalid_client', status: 401 })
    expect(recorded.requestsTo('token')).toEqual([expect.objectContaining({ status: 401, error: 'invalid_client' })])
    expect(recorded.submissions()).toEqual([])
  })

  it('fails with invalid_client, and never shows the secret, when the client secret is wrong', async () => {
    const wrong = defineClient({
      clientId: 'vat-server',
      redirectUri: REDIRECT_URI,
      authentication: { method: 'client_secret_basic', clientSecret: 'not-the-secret-7Qx' },
    })
    const { grantflow, recorded } = localWorld(server(), { client: wrong })
    const error = await grantflow.apis.vat.obligations({ vrn: VRN }).catch((e: unknown) => e)

    expect(error).toMatchObject({ code: 'token_endpoint_error', error: 'invalid_client' })
    expect((error as Error).message).not.toContain('not-the-secret-7Qx')
    expect(recorded.served()).toEqual([])
  })
})
