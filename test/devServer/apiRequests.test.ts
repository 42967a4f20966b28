import { expect, it } from 'vitest'
import type { EmbeddedApiRequests } from '../../src/devServer/controlProtocol.js'
import { maskCredential } from '../../src/devServer/receivedRequests.js'
import { ledgerline, nineBoxes, useDevServer, VRN } from './devServer.js'

// What the local API received, as a developer reads it at GET /__embedded/api-requests: the
// requests their app sent (headers, query, body), the bearer token only as its last four characters.

const server = useDevServer()

it('lists the requests the local API received, with their headers, query and body, the token masked', async () => {
  const dev = server()
  const { grantflow } = ledgerline(dev)
  await grantflow.apis.vat.obligations({ vrn: VRN, from: '2025-01-01', to: '2025-12-31' })
  await grantflow.apis.vat.submitReturn({ vrn: VRN }, nineBoxes('#R01'))

  const answer = await fetch(`${dev.origin}/__embedded/api-requests`)
  expect(answer.status).toBe(200)
  const text = await answer.text()
  const { requests } = JSON.parse(text) as EmbeddedApiRequests
  const obligations = requests.find((r) => r.path === `/api/local/organisations/vat/${VRN}/obligations` && r.status === 200)!
  expect(obligations).toMatchObject({ method: 'GET', query: { from: '2025-01-01', to: '2025-12-31' } })
  expect(obligations.headers.accept).toBe('application/vnd.hmrc.1.0+json')
  const filed = requests.find((r) => r.method === 'POST' && r.path === `/api/local/organisations/vat/${VRN}/returns`)!
  expect(filed).toMatchObject({ status: 201, body: expect.objectContaining({ periodKey: '#R01', netVatDue: 750 }) })

  // The token the app holds is not in the answer, only its last four characters after "Bearer …".
  const accessToken = (await grantflow.sessions.list({ kind: 'company', id: 'acme-trading' }))[0]!.tokens!.accessToken
  expect(text).not.toContain(accessToken)
  expect(text).not.toContain(accessToken.slice(0, -4))
  expect(filed.headers.authorization).toBe(`Bearer …${accessToken.slice(-4)}`)
})

it('masks a credential to its scheme and last four characters, and a short one entirely', () => {
  expect(maskCredential('Bearer eyJhbGciOiJSUzI1NiJ9.payload.signature-x9Qk')).toBe('Bearer …x9Qk')
  expect(maskCredential('Basic c2hvcnQ=')).toBe('Basic …')
  expect(maskCredential('a-bare-token-without-a-scheme-abcd')).toBe('…abcd')
})
