import { describe, expect, it } from 'vitest'
import { buildApiRequest, createHmrcProvider, defineEndpoint, shape } from '../../src/index.js'

const hmrc = createHmrcProvider({ fraudPreventionHeaders: () => ({ 'Gov-Client-Device-ID': 'device-1' }) })
const sandbox = hmrc.environments.sandbox
const obligations = defineEndpoint({
  method: 'GET',
  path: '/organisations/vat/{vrn}/obligations',
  scopes: ['read:vat'],
  apiUser: 'company',
  query: shape<{ from: string; to: string }>(),
})
const submit = defineEndpoint({ method: 'POST', path: '/organisations/vat/{vrn}/returns', body: shape<{ periodKey: string }>() })

describe('buildApiRequest', () => {
  it('fills path parameters and sends the others as the query string', () => {
    const request = buildApiRequest(hmrc, sandbox, obligations, { vrn: '123456789', from: '2026-01-01', to: '2026-03-31' })
    expect(request.url.href).toBe('https://test-api.service.hmrc.gov.uk/organisations/vat/123456789/obligations?from=2026-01-01&to=2026-03-31')
    expect(request.method).toBe('GET')
    expect(request.body).toBeUndefined()
  })

  it('encodes path values so that they cannot change the path', () => {
    const request = buildApiRequest(hmrc, sandbox, obligations, { vrn: '../../admin?x=1' })
    expect(request.url.pathname).toBe('/organisations/vat/..%2F..%2Fadmin%3Fx%3D1/obligations')
    expect(request.url.host).toBe('test-api.service.hmrc.gov.uk')
  })

  it('refuses a call with a missing path parameter', () => {
    expect(() => buildApiRequest(hmrc, sandbox, obligations, {})).toThrow(/missing path parameter "vrn"/)
  })

  it('sends the body as JSON', () => {
    const request = buildApiRequest(hmrc, sandbox, submit, { vrn: '123456789' }, { periodKey: '#001' })
    expect(request.headers.get('content-type')).toBe('application/json')
    expect(JSON.parse(request.body!)).toEqual({ periodKey: '#001' })
  })

  it("adds HMRC's media type and fraud-prevention headers to every request", () => {
    const request = buildApiRequest(hmrc, sandbox, obligations, { vrn: '123456789' })
    expect(request.headers.get('accept')).toBe('application/vnd.hmrc.1.0+json')
    expect(request.headers.get('gov-client-device-id')).toBe('device-1')
    expect(request.headers.get('gov-client-connection-method')).toBe('WEB_APP_VIA_SERVER')
    expect(request.headers.get('gov-vendor-version')).toMatch(/^grantflow=/)
  })
})
