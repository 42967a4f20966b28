import { describe, expect, it } from 'vitest'
import { createBrowserStore } from '../../src/index.js'
import { parseSessionRecord } from '../../src/session/sessionRecord.js'
import { faultyStorage } from './faultInjector.js'

const KEY = 'acme/production/user%3Aada'
const identity = { key: KEY, api: 'acme', environment: 'production', apiUser: { kind: 'user', id: 'ada' } }
const tokens = { accessToken: 'at', tokenType: 'bearer', refreshToken: 'rt', expiresAt: 2_000, receivedAt: 1_000, scopes: ['read'] }

describe('stored session records', () => {
  it('an older record without errors or updatedAt is read with their defaults', () => {
    expect(parseSessionRecord({ ...identity, tokens })).toEqual({ ...identity, tokens, errors: [], updatedAt: 0 })
  })

  it('tokens of the wrong types are left out, so the user is asked again instead of a call crashing', () => {
    for (const odd of [{ expiresAt: 'soon' }, { scopes: 'read' }, { accessToken: 17 }, { accessToken: '' }, { receivedAt: null }]) {
      const session = parseSessionRecord({ ...identity, errors: [], updatedAt: 5, tokens: { ...tokens, ...odd } })
      expect(session).toEqual({ ...identity, errors: [], updatedAt: 5 })
    }
  })

  it('a record with a broken identity, or filed under another key, is not a session', () => {
    expect(parseSessionRecord({ ...identity, apiUser: 'ada' })).toBeUndefined()
    expect(parseSessionRecord('{"key":1}')).toBeUndefined()
    expect(parseSessionRecord([identity])).toBeUndefined()
    expect(parseSessionRecord(identity, 'other/key')).toBeUndefined()
  })

  it('the browser store adopts no token of a bad shape from Web Storage', async () => {
    const tokenStorage = faultyStorage()
    tokenStorage.setItem(`grantflow:${KEY}`, JSON.stringify({ ...identity, tokens: { ...tokens, expiresAt: 'soon' } }))
    const store = createBrowserStore({ pendingStorage: faultyStorage(), tokenStorage })
    expect(await store.get(KEY)).toEqual({ ...identity, errors: [], updatedAt: 0 })
  })
})
