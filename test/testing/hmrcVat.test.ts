import { describe, expect, it } from 'vitest'
import { createProviderKit, hmrcVatRoutes, type VatReturn } from '../../src/testing/index.js'
import { callApi, HMRC_API, hmrc, signIn, useMswServer } from './support.js'

const { serve } = useMswServer()
const VRN = '123456789'
const VAT = `${HMRC_API}/organisations/vat/${VRN}`
const NOW = Date.parse('2026-01-15T09:30:00Z')

const vatReturn: VatReturn = {
  periodKey: '25A3',
  vatDueSales: 1000,
  vatDueAcquisitions: 0,
  totalVatDue: 1000,
  vatReclaimedCurrPeriod: 200,
  netVatDue: 800,
  totalValueSalesExVAT: 5000,
  totalValuePurchasesExVAT: 1000,
  totalValueGoodsSuppliedExVAT: 0,
  totalAcquisitionsExVAT: 0,
  finalised: true,
}

async function setUp(scope = 'read:vat write:vat') {
  const vat = hmrcVatRoutes()
  const kit = serve(createProviderKit({ provider: hmrc, environment: 'sandbox', api: vat, now: () => NOW }))
  const { access_token: token } = await signIn(kit, { scope })
  return { vat, kit, token }
}

function submit(token: string, body: unknown, vrn = VRN) {
  return callApi(`${HMRC_API}/organisations/vat/${vrn}/returns`, token, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
}

describe('HMRC VAT routes', () => {
  it('lists obligations filtered by dates and status', async () => {
    const { token } = await setUp()
    const all = await callApi(`${VAT}/obligations?from=2025-01-01&to=2025-12-31`, token)
    expect(all.status).toBe(200)
    const { obligations } = (await all.json()) as { obligations: Array<{ periodKey: string; status: string }> }
    expect(obligations.map((o) => o.periodKey)).toEqual(['25A1', '25A2', '25A3', '#001'])

    const open = (await (await callApi(`${VAT}/obligations?status=O`, token)).json()) as { obligations: Array<{ status: string }> }
    expect(open.obligations.map((o) => o.status)).toEqual(['O', 'O'])
    expect((await callApi(`${VAT}/obligations?from=2025-07-01&to=2025-09-30`, token)).status).toBe(200)
    expect(await (await callApi(`${VAT}/obligations?from=2030-01-01&to=2030-03-31`, token)).json()).toMatchObject({ code: 'NOT_FOUND' })
    expect(await (await callApi(`${VAT}/obligations?from=01/01/2025&to=2025-03-31`, token)).json()).toMatchObject({ code: 'INVALID_DATE_FROM' })
  })

  it('accepts a return with 201, its receipt and the Receipt-ID header, and fulfils the obligation', async () => {
    const { vat, token } = await setUp()
    const response = await submit(token, vatReturn)
    expect(response.status).toBe(201)
    const receipt = (await response.json()) as Record<string, string>
    expect(receipt).toMatchObject({ processingDate: '2026-01-15T09:30:00.000Z', paymentIndicator: 'DD' })
    expect(receipt.formBundleNumber).toMatch(/^\d{12}$/)
    expect(receipt.chargeRefNumber).toMatch(/\S/)
    expect(response.headers.get('receipt-id')).toBe(vat.submissions[0]?.receiptId)
    expect(vat.submissions).toHaveLength(1)
    expect(vat.obligationsOf(VRN).find((o) => o.periodKey === '25A3')).toMatchObject({ status: 'F', received: '2026-01-15' })
  })

  it('refuses a second submission for the same period with 403 DUPLICATE_SUBMISSION', async () => {
    const { vat, token } = await setUp()
    expect((await submit(token, vatReturn)).status).toBe(201)
    const again = await submit(token, vatReturn)
    expect(again.status).toBe(403)
    expect(await again.json()).toMatchObject({ code: 'DUPLICATE_SUBMISSION', message: expect.any(String) })
    expect(vat.submissions).toHaveLength(1)
    expect(vat.duplicates).toEqual([{ vrn: VRN, periodKey: '25A3' }])
    // Another period, or another VRN, is not a duplicate.
    expect((await submit(token, { ...vatReturn, periodKey: '#001' })).status).toBe(201)
    expect((await submit(token, vatReturn, '987654321')).status).toBe(201)
  })

  it('shows a submitted return and 404s one never submitted', async () => {
    const { token } = await setUp()
    await submit(token, vatReturn)
    const viewed = await callApi(`${VAT}/returns/25A3`, token)
    expect(viewed.status).toBe(200)
    const body = (await viewed.json()) as Record<string, unknown>
    expect(body).toMatchObject({ periodKey: '25A3', netVatDue: 800 })
    expect(body).not.toHaveProperty('finalised')
    expect((await callApi(`${VAT}/returns/${encodeURIComponent('#001')}`, token)).status).toBe(404)
  })

  it('validates the nine boxes and the declaration', async () => {
    const { vat, token } = await setUp()
    const missing = await submit(token, { ...vatReturn, netVatDue: 'eight hundred' })
    expect(missing.status).toBe(400)
    expect(await missing.json()).toMatchObject({ code: 'INVALID_REQUEST', errors: [{ code: 'INVALID_MONETARY_AMOUNT', path: '/netVatDue' }] })
    expect(await (await submit(token, { ...vatReturn, finalised: false })).json()).toMatchObject({ code: 'NOT_FINALISED' })
    expect(await (await submit(token, { ...vatReturn, periodKey: 'too-long' })).json()).toMatchObject({ code: 'PERIOD_KEY_INVALID' })
    expect(vat.submissions).toHaveLength(0)
  })

  it("requires HMRC's Accept media type (406 ACCEPT_HEADER_INVALID)", async () => {
    const { token } = await setUp()
    const response = await callApi(`${VAT}/obligations?status=O`, token, { headers: { accept: 'application/json' } })
    expect(response.status).toBe(406)
    expect(await response.json()).toMatchObject({ code: 'ACCEPT_HEADER_INVALID' })
  })

  it('refuses a VRN that is not 9 digits (400 VRN_INVALID)', async () => {
    const { token } = await setUp()
    const response = await callApi(`${HMRC_API}/organisations/vat/12345/obligations?status=O`, token)
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ code: 'VRN_INVALID' })
  })

  it('needs write:vat to submit and read:vat to read', async () => {
    const { vat, token } = await setUp('read:vat')
    const response = await submit(token, vatReturn)
    expect(response.status).toBe(403)
    expect(response.headers.get('www-authenticate')).toContain('scope="write:vat"')
    expect(vat.submissions).toHaveLength(0)
    expect((await callApi(`${VAT}/obligations?status=O`, token)).status).toBe(200)
  })

  it('reset forgets submissions so a period can be filed again', async () => {
    const { vat, token } = await setUp()
    await submit(token, vatReturn)
    vat.reset()
    expect(vat.submissions).toHaveLength(0)
    expect((await submit(token, vatReturn)).status).toBe(201)
  })
})
