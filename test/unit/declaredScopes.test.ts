import { describe, expect, it } from 'vitest'
import { defineClient, UndeclaredScopeError } from '../../src/index.js'
import { declaredScopesOf, undeclaredScopes } from '../../src/model/declaredScopes.js'
import { scopeChallenged } from '../../src/runtime/attemptOutcomes.js'
import { resolveTarget } from '../../src/runtime/targets.js'
import { vat } from '../support/vatWorld.js'

const held = (scopes: string[]) => ({ accessToken: 'AT-secret-1', tokenType: 'Bearer', scopes })
const target = resolveTarget(
  {
    apis: { vat },
    clients: { hmrc: defineClient({ clientId: 'app', redirectUri: 'https://app.example/callback' }) },
    environment: 'sandbox',
    apiUser: { company: () => 'acme' },
  },
  { api: 'vat', endpoint: 'submitReturn', params: { vrn: '1' }, body: {} },
)

describe('the scopes a challenge may ask for', () => {
  it('are the scopes the API declares on any of its endpoints', () => {
    expect([...declaredScopesOf(vat)].sort()).toEqual(['read:vat', 'write:vat'])
  })

  it('refuses what neither the API declares nor the refused token held, once each', () => {
    expect(undeclaredScopes(vat, ['read:vat', 'write:vat'], [])).toEqual([])
    expect(undeclaredScopes(vat, ['write:vat', 'offline_access', 'offline_access'], [])).toEqual(['offline_access'])
    // Asking again for what was granted widens nothing.
    expect(undeclaredScopes(vat, ['write:vat', 'openid'], ['openid'])).toEqual([])
  })

  it('asks for the declared scopes of a challenge with those the session had', () => {
    const outcome = scopeChallenged(target, held(['read:vat']), { error: 'insufficient_scope', scopes: ['write:vat'] })
    expect(outcome).toMatchObject({ kind: 'consentNeeded', need: { reason: 'insufficient_scope', scopes: ['read:vat', 'write:vat'] } })
  })

  it('throws UndeclaredScopeError naming what was asked and refused, with the API text (redacted of the token by sendApiRequest)', () => {
    const challenge = { error: 'insufficient_scope', scopes: ['write:vat', 'read:payments'], description: '[redacted] lacks read:payments' }
    const error = (() => {
      try {
        scopeChallenged(target, held(['write:vat']), challenge)
      } catch (thrown) {
        return thrown
      }
    })() as UndeclaredScopeError
    expect(error).toBeInstanceOf(UndeclaredScopeError)
    expect(error.toJSON()).toEqual({
      name: 'UndeclaredScopeError',
      code: 'undeclared_scope',
      message: 'the vat API asked for scopes it does not declare, so they were not requested: read:payments',
      error: 'insufficient_scope',
      description: '[redacted] lacks read:payments',
      api: 'vat',
      requestedScopes: ['write:vat', 'read:payments'],
      undeclaredScopes: ['read:payments'],
    })
  })
})
