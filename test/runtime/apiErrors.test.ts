import { http, HttpResponse } from 'msw'
import { describe, expect, it } from 'vitest'
import { ApiError, ProviderUnreachableError } from '../../src/index.js'
import { findSecrets } from '../support/secretScan.js'
import { useMsw, vatReturn, vatWorld, VRN } from '../support/vatWorld.js'

const server = useMsw()
const query = { vrn: VRN, from: '2025-01-01', to: '2025-12-31' }

async function connected() {
  const world = vatWorld({ server })
  await world.grantflow.apis.vat.obligations(query)
  return world
}

describe('API failures', () => {
  it('turns an HMRC business error into ApiError with its status, code and body', async () => {
    const { grantflow } = await connected()
    await grantflow.apis.vat.submitReturn({ vrn: VRN }, vatReturn())
    const duplicate = await grantflow.apis.vat.submitReturn({ vrn: VRN }, vatReturn()).catch((e) => e)
    expect(duplicate).toBeInstanceOf(ApiError)
    expect(duplicate).toMatchObject({ status: 403, error: 'DUPLICATE_SUBMISSION' })
  })

  it('cuts the token out of an API error whose body or challenge echoes it', async () => {
    const { grantflow } = await connected()
    server.use(
      http.get(`https://test-api.service.hmrc.gov.uk/organisations/vat/${VRN}/obligations`, ({ request }) => {
        const token = request.headers.get('authorization')!.replace(/^Bearer /, '')
        return HttpResponse.json(
          { code: 'INVALID_REQUEST', message: `token ${token} refused`, errors: [{ path: token, [token]: [token] }] },
          { status: 400, headers: { 'www-authenticate': `Bearer error="invalid_request", error_description="bad ${token}"` } },
        )
      }),
    )
    const error = await grantflow.apis.vat.obligations(query).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    const [session] = await grantflow.sessions.list({ kind: 'company', id: 'acme-ltd' })
    expect(findSecrets(error, [session!.tokens!.accessToken])).toEqual([])
    expect(error).toMatchObject({ status: 400, error: 'invalid_request', body: { message: 'token [redacted] refused' }, description: 'bad [redacted]' })
  })

  it('keeps Retry-After from a 503', async () => {
    const { grantflow, kit } = await connected()
    kit.fail({ endpoint: 'api', kind: 'unavailable' })
    const error = await grantflow.apis.vat.obligations(query).catch((e) => e)
    expect(error).toMatchObject({ code: 'api_error', status: 503, retryAfter: 2 })
  })

  it('turns malformed JSON into ApiError rather than crashing', async () => {
    const { grantflow, kit } = await connected()
    kit.fail({ endpoint: 'api', kind: 'malformed_json' })
    await expect(grantflow.apis.vat.obligations(query)).rejects.toMatchObject({ code: 'api_error', error: 'invalid_json' })
  })

  it('turns a network failure into ProviderUnreachableError and records it on the session', async () => {
    const { grantflow, kit } = await connected()
    kit.fail({ endpoint: 'api', kind: 'network' })
    await expect(grantflow.apis.vat.obligations(query)).rejects.toBeInstanceOf(ProviderUnreachableError)
    const [session] = await grantflow.sessions.list({ kind: 'company', id: 'acme-ltd' })
    expect(session!.errors.at(-1)).toMatchObject({ step: 'call', code: 'provider_unreachable' })
  })

  it('keeps the wizard recoverable after an API error: RETRY makes the same call again', async () => {
    const { grantflow, kit, routes } = await connected()
    kit.fail({ endpoint: 'api', kind: 'server_error' })
    const wizard = await grantflow.startWizard({ api: 'vat', endpoint: 'submitReturn', params: { vrn: VRN }, body: vatReturn() })
    await new Promise<void>((resolve) => wizard.subscribe((s) => s.matches('failed') && resolve()))
    expect(routes.submissions).toHaveLength(0)
    wizard.send({ type: 'RETRY' })
    await new Promise<void>((resolve) => wizard.subscribe((s) => s.status === 'done' && resolve()))
    expect(routes.submissions).toHaveLength(1)
  })
})
