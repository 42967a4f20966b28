import { describe, expect, it } from 'vitest'
import { ApiError, ConsentDeniedError, ConsentRequiredError, InsufficientScopeError, ProviderUnreachableError, TokenEndpointError } from '../../src/index.js'

describe('error classes', () => {
  it('carry a stable code, the provider error and a cause', () => {
    const cause = new Error('underlying')
    const error = new TokenEndpointError({ grant: 'refresh_token', status: 400, error: 'invalid_grant', description: 'refresh token expired', cause })
    expect(error).toMatchObject({
      code: 'token_endpoint_error',
      error: 'invalid_grant',
      description: 'refresh token expired',
      status: 400,
      grant: 'refresh_token',
    })
    expect(error.cause).toBe(cause)
    expect(error.name).toBe('TokenEndpointError')
    expect(error.message).toBe('refresh_token request failed: invalid_grant (HTTP 400): refresh token expired')
  })

  it('serialize to plain data with no stack or cause', () => {
    const json = JSON.parse(JSON.stringify(new ConsentDeniedError({ description: 'user said no', cause: { secret: 'x' } })))
    expect(json).toEqual({
      name: 'ConsentDeniedError',
      code: 'consent_denied',
      message: 'consent was denied: user said no',
      error: 'access_denied',
      description: 'user said no',
    })
  })

  it('keep query strings (codes, states) out of unreachable-provider errors', () => {
    const error = new ProviderUnreachableError('network', 'https://as.example/token?code=SECRET')
    expect(error.url).toBe('https://as.example/token')
    expect(error.message).not.toContain('SECRET')
  })

  it('say what consent is needed and why', () => {
    const error = new ConsentRequiredError({
      provider: { id: 'hmrc', name: 'HM Revenue & Customs' },
      api: { id: 'vat', name: 'VAT' },
      scopes: ['write:vat'],
      reason: 'no_session',
      sessionKey: 'k',
    })
    expect(error.message).toBe('VAT needs consent at HM Revenue & Customs (no_session) for: write:vat')
    expect(new InsufficientScopeError(['write:vat']).scopesNeeded).toEqual(['write:vat'])
    expect(new ApiError({ status: 503, body: '', retryAfter: 2 }).retryAfter).toBe(2)
  })
})
