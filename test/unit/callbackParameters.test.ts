import { describe, expect, it } from 'vitest'
import { callbackParameters, defineClient, InvalidCallbackError, type PendingAuthorization } from '../../src/index.js'
import { validateCallback } from '../../src/protocol.js'

const entries = (parameters: URLSearchParams) => [...parameters]

describe('callbackParameters', () => {
  it('reads a response delivered in the query', () => {
    expect(entries(callbackParameters('https://app.example/callback?code=c1&state=s1'))).toEqual([
      ['code', 'c1'],
      ['state', 's1'],
    ])
    expect(entries(callbackParameters(new URL('https://app.example/callback?error=access_denied&state=s1')))).toEqual([
      ['error', 'access_denied'],
      ['state', 's1'],
    ])
  })

  it('reads a response delivered in the fragment when the query says nothing of it', () => {
    expect(entries(callbackParameters('https://app.example/callback#code=c1&state=s1'))).toEqual([
      ['code', 'c1'],
      ['state', 's1'],
    ])
    expect(entries(callbackParameters(new URL('https://app.example/callback?tab=vat#error=access_denied&state=s1')))).toEqual([
      ['error', 'access_denied'],
      ['state', 's1'],
    ])
    expect(entries(callbackParameters('#code=c1&state=s1'))).toEqual([
      ['code', 'c1'],
      ['state', 's1'],
    ])
  })

  it('never mixes the two: a query that speaks of the authorization is read alone', () => {
    expect(entries(callbackParameters('https://app.example/callback?state=s1#code=forged'))).toEqual([['state', 's1']])
    expect(entries(callbackParameters('https://app.example/callback?code=c1&state=s1#state=other&iss=https://evil.example'))).toEqual([
      ['code', 'c1'],
      ['state', 's1'],
    ])
  })

  it("keeps the query when the fragment is only the page's own anchor", () => {
    expect(entries(callbackParameters('https://app.example/callback?tab=vat#section-2'))).toEqual([['tab', 'vat']])
  })

  it('takes a bare query string or its parameters as they are', () => {
    expect(entries(callbackParameters('?code=c1&state=s1'))).toEqual([
      ['code', 'c1'],
      ['state', 's1'],
    ])
    const parameters = new URLSearchParams('code=c1&state=s1')
    expect(callbackParameters(parameters)).toBe(parameters)
  })

  it('refuses what is no callback at all', () => {
    expect(() => callbackParameters('not a callback')).toThrow(InvalidCallbackError)
  })

  it('lets a response delivered in the fragment be validated like one in the query', () => {
    const context = { as: { issuer: 'https://login.acme.example' }, client: defineClient({ clientId: 'app', redirectUri: 'https://app.example/callback' }) }
    const pending: PendingAuthorization = { state: 's1', codeVerifier: 'v', scopes: [], createdAt: 0, binding: 'b' }
    expect(validateCallback(context, 'https://app.example/callback#code=c1&state=s1', pending).get('code')).toBe('c1')
    expect(() => validateCallback(context, 'https://app.example/callback#code=c1&state=forged', pending)).toThrow(InvalidCallbackError)
  })
})
