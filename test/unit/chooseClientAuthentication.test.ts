import { describe, expect, it } from 'vitest'
import { ConfigurationError, defineClient } from '../../src/index.js'
import { chooseClientAuthentication } from '../../src/oauth/chooseClientAuthentication.js'

const SECRET = 'unit-secret-value-0123456789'
const certificate = { fetch: (() => Promise.reject(new Error('not called'))) as typeof fetch }

async function signingKey() {
  const { privateKey } = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])
  return privateKey
}

describe('chooseClientAuthentication', () => {
  it('takes client_secret_basic for a secret when the provider lists it, then post, then client_secret_jwt', () => {
    const secret = { clientSecret: SECRET }
    expect(chooseClientAuthentication('c', secret, ['client_secret_jwt', 'client_secret_post', 'client_secret_basic']).method).toBe('client_secret_basic')
    expect(chooseClientAuthentication('c', secret, ['client_secret_jwt', 'client_secret_post']).method).toBe('client_secret_post')
    expect(chooseClientAuthentication('c', secret, ['private_key_jwt', 'client_secret_jwt'])).toEqual({ method: 'client_secret_jwt', clientSecret: SECRET })
  })

  it('takes client_secret_basic when the metadata lists no methods (the RFC 8414 default)', () => {
    expect(chooseClientAuthentication('c', { clientSecret: SECRET }, undefined).method).toBe('client_secret_basic')
    expect(chooseClientAuthentication('c', { clientSecret: SECRET }, []).method).toBe('client_secret_basic')
  })

  it('takes private_key_jwt for a private key, keeping its key id', async () => {
    const privateKey = await signingKey()
    expect(chooseClientAuthentication('c', { privateKey, keyId: 'k1' }, ['client_secret_basic', 'private_key_jwt'])).toEqual({
      method: 'private_key_jwt',
      privateKey,
      keyId: 'k1',
    })
  })

  it('takes tls_client_auth for a certificate, the self-signed variant where only it is listed', () => {
    expect(chooseClientAuthentication('c', { clientCertificate: certificate }, ['self_signed_tls_client_auth', 'tls_client_auth']).method).toBe(
      'tls_client_auth',
    )
    expect(chooseClientAuthentication('c', { clientCertificate: certificate }, ['self_signed_tls_client_auth']).method).toBe('self_signed_tls_client_auth')
  })

  it('prefers the material whose secret never travels when the client holds several', async () => {
    const privateKey = await signingKey()
    const supported = ['client_secret_basic', 'private_key_jwt', 'tls_client_auth']
    expect(chooseClientAuthentication('c', { clientSecret: SECRET, privateKey }, supported).method).toBe('private_key_jwt')
    expect(chooseClientAuthentication('c', { clientSecret: SECRET, privateKey, clientCertificate: certificate }, supported).method).toBe('tls_client_auth')
  })

  it('refuses with a ConfigurationError naming both sides methods, never the secret, when nothing fits', () => {
    let thrown: unknown
    try {
      chooseClientAuthentication('vat-batch', { clientSecret: SECRET }, ['private_key_jwt', 'tls_client_auth'])
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(ConfigurationError)
    const message = (thrown as Error).message
    expect(message).toContain('vat-batch')
    expect(message).toContain('private_key_jwt, tls_client_auth')
    expect(message).toContain('client_secret_basic, client_secret_post, client_secret_jwt')
    expect(message).not.toContain(SECRET)
  })
})

describe('defineClient with the new methods', () => {
  it('accepts client_secret_jwt, the mTLS methods and material without a method', () => {
    expect(defineClient({ clientId: 'a', authentication: { method: 'client_secret_jwt', clientSecret: SECRET } }).authentication.method).toBe(
      'client_secret_jwt',
    )
    expect(defineClient({ clientId: 'b', authentication: { method: 'tls_client_auth', clientCertificate: certificate } }).authentication.method).toBe(
      'tls_client_auth',
    )
    expect(
      defineClient({ clientId: 'c', authentication: { method: 'self_signed_tls_client_auth', clientCertificate: certificate } }).authentication.method,
    ).toBe('self_signed_tls_client_auth')
    expect(defineClient({ clientId: 'd', authentication: { clientSecret: SECRET } }).authentication).toEqual({ clientSecret: SECRET })
  })

  it('refuses material that allows no method, and a certificate without its fetch', () => {
    expect(() => defineClient({ clientId: 'e', authentication: {} })).toThrow(ConfigurationError)
    expect(() => defineClient({ clientId: 'f', authentication: { method: 'tls_client_auth', clientCertificate: {} as never } })).toThrow(
      /clientCertificate needs a fetch/,
    )
    expect(() => defineClient({ clientId: 'g', authentication: { method: 'client_secret_jwt' } as never })).toThrow(/client_secret_jwt needs clientSecret/)
  })
})
