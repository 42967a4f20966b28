import { describe, expect, it } from 'vitest'
import { useMsw, vatWorld, VRN } from '../support/vatWorld.js'

const server = useMsw()
const query = { vrn: VRN, from: '2025-01-01', to: '2025-12-31' }

describe('sessions per API user', () => {
  it("keeps each company's session apart: switching company asks that company's consent, switching back does not", async () => {
    let company = 'acme-ltd'
    const { grantflow, kit } = vatWorld({ server, grantflow: { apiUser: { company: () => company } } })
    await grantflow.apis.vat.obligations(query)
    company = 'globex-plc'
    await grantflow.apis.vat.obligations(query)
    company = 'acme-ltd'
    await grantflow.apis.vat.obligations(query)
    expect(kit.counters.authorizations).toBe(2)

    const acme = await grantflow.sessions.list({ kind: 'company', id: 'acme-ltd' })
    const globex = await grantflow.sessions.list({ kind: 'company', id: 'globex-plc' })
    expect(acme).toHaveLength(1)
    expect(globex).toHaveLength(1)
    expect(acme[0]!.tokens!.accessToken).not.toBe(globex[0]!.tokens!.accessToken)
  })

  it('disconnecting one company leaves the other connected', async () => {
    let company = 'acme-ltd'
    const { grantflow, kit } = vatWorld({ server, grantflow: { apiUser: { company: () => company } } })
    await grantflow.apis.vat.obligations(query)
    company = 'globex-plc'
    await grantflow.apis.vat.obligations(query)
    const [acme] = await grantflow.sessions.list({ kind: 'company', id: 'acme-ltd' })
    await grantflow.sessions.disconnect(acme!.key)
    await grantflow.apis.vat.obligations(query)
    expect(kit.counters.authorizations).toBe(2)
    company = 'acme-ltd'
    await grantflow.apis.vat.obligations(query)
    expect(kit.counters.authorizations).toBe(3)
  })

  it('refuses a call when the app says there is no current company', async () => {
    const { grantflow } = vatWorld({ server, grantflow: { apiUser: { company: () => undefined } } })
    await expect(grantflow.apis.vat.obligations(query)).rejects.toMatchObject({ code: 'configuration_error' })
  })
})
