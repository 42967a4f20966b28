import { describe, expect, it } from 'vitest'
import { createBrowserStore, emptySession, withError, MAX_CONNECTION_ERRORS, type Session } from '../../src/index.js'
import { fakeStorage } from '../support/fakeBrowser.js'

/** Everything a storage holds, to look for what must not be there. */
function dump(storage: ReturnType<typeof fakeStorage>) {
  return Object.fromEntries(Array.from({ length: storage.length }, (_, i) => storage.key(i)!).map((key) => [key, storage.getItem(key)]))
}

const company = { kind: 'company' as const, id: 'acme-ltd' }

function sessionWithTokens(): Session {
  return {
    ...emptySession({ api: 'vat', environment: 'sandbox', apiUser: company }, 0),
    tokens: { accessToken: 'at-1', refreshToken: 'rt-1', tokenType: 'bearer', scopes: ['read:vat'], expiresAt: 3_600_000 },
  }
}

// What the browser store does beyond the store contract (test/testing/storeContract.test.ts): where
// each part of a session goes, and what never reaches Web Storage.

describe('browser store', () => {
  it('keeps the pending authorization in sessionStorage so it survives the redirect', async () => {
    const pendingStorage = fakeStorage()
    const session = {
      ...emptySession({ api: 'vat', environment: 'sandbox', apiUser: company }, 0),
      pending: { state: 's-1', codeVerifier: 'v', scopes: ['read:vat'], createdAt: 0 },
    }
    await createBrowserStore({ pendingStorage }).set(session, undefined)
    // A new page (a new store over the same storage) still finds it.
    const afterRedirect = createBrowserStore({ pendingStorage })
    const found = await afterRedirect.findByState('s-1')
    expect(found?.pending?.codeVerifier).toBe('v')
    // The callback route needs to know whose session it is.
    expect(found).toMatchObject({ api: 'vat', environment: 'sandbox', apiUser: company })
  })

  it('keeps tokens in memory only, by default', async () => {
    const pendingStorage = fakeStorage()
    await createBrowserStore({ pendingStorage }).set(sessionWithTokens(), undefined)
    expect(JSON.stringify(dump(pendingStorage))).not.toContain('at-1')
  })

  it('never writes the refresh token to Web Storage unless the app opts in', async () => {
    const tokenStorage = fakeStorage()
    const session = sessionWithTokens()
    await createBrowserStore({ pendingStorage: fakeStorage(), tokenStorage }).set(session, undefined)
    expect(JSON.stringify(dump(tokenStorage))).toContain('at-1')
    expect(JSON.stringify(dump(tokenStorage))).not.toContain('rt-1')
    const reloaded = await createBrowserStore({ pendingStorage: fakeStorage(), tokenStorage }).get(session.key)
    expect(reloaded?.tokens?.accessToken).toBe('at-1')
    expect(reloaded?.tokens?.refreshToken).toBeUndefined()

    const optedIn = fakeStorage()
    await createBrowserStore({ pendingStorage: fakeStorage(), tokenStorage: optedIn, persistRefreshTokens: true }).set(session, undefined)
    expect(JSON.stringify(dump(optedIn))).toContain('rt-1')
  })

  it('drops a corrupt entry instead of crashing', async () => {
    const pendingStorage = fakeStorage()
    pendingStorage.setItem('grantflow:vat/sandbox/company%3Aacme-ltd', '{not json')
    const store = createBrowserStore({ pendingStorage })
    expect(await store.get('vat/sandbox/company%3Aacme-ltd')).toBeUndefined()
    expect(pendingStorage.length).toBe(0)
  })
})

describe('connection errors on a session', () => {
  it('keeps only the newest errors', () => {
    let session = emptySession({ api: 'vat', environment: 'sandbox', apiUser: company }, 0)
    for (let i = 0; i < MAX_CONNECTION_ERRORS + 5; i++)
      session = withError(session, { at: i, step: 'refresh', code: 'token_endpoint_error', error: 'invalid_grant' })
    expect(session.errors).toHaveLength(MAX_CONNECTION_ERRORS)
    expect(session.errors[0]!.at).toBe(5)
  })
})
