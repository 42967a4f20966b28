import { describe, expect, it } from 'vitest'
import { waitFor } from 'xstate'
import { createSessionObserver } from '../../src/index.js'
import { useMsw, vatWorld, VRN } from '../support/vatWorld.js'

const server = useMsw()
const query = { vrn: VRN, from: '2025-01-01', to: '2025-12-31' }

/** A runtime keeping two sessions live, and calls for one company after another. */
async function crowded() {
  let company = 'alpha'
  const world = vatWorld({ server, grantflow: { maxLiveSessions: 2, apiUser: { company: () => company } } })
  const callAs = async (name: string) => {
    company = name
    return world.grantflow.apis.vat.obligations(query)
  }
  await callAs('alpha')
  const [alpha] = await world.grantflow.sessions.list({ kind: 'company', id: 'alpha' })
  return { world, callAs, alphaKey: alpha!.key }
}

describe('the live session cache', () => {
  it('keeps an observed session live however many others are called', async () => {
    const { world, callAs, alphaKey } = await crowded()
    const observer = createSessionObserver(world.grantflow, { key: alphaKey })
    const unsubscribe = observer.subscribe(() => {})
    for (const name of ['beta', 'gamma', 'delta', 'epsilon']) await callAs(name)
    expect(world.grantflow.tokenSession(alphaKey)).toBeDefined()
    expect(observer.getSnapshot().connected).toBe(true)
    unsubscribe()
  })

  it('lets an unobserved idle session go under the same pressure', async () => {
    const { world, callAs, alphaKey } = await crowded()
    for (const name of ['beta', 'gamma', 'delta', 'epsilon']) await callAs(name)
    expect(world.grantflow.tokenSession(alphaKey)).toBeUndefined()
  })

  it('lets a session go once its last observer leaves', async () => {
    const { world, callAs, alphaKey } = await crowded()
    const observer = createSessionObserver(world.grantflow, { key: alphaKey })
    const first = observer.subscribe(() => {})
    const second = observer.subscribe(() => {})
    await callAs('beta')
    await callAs('gamma')
    first()
    await callAs('delta')
    expect(world.grantflow.tokenSession(alphaKey)).toBeDefined()
    second()
    await callAs('epsilon')
    expect(world.grantflow.tokenSession(alphaKey)).toBeUndefined()
  })

  it('reads a session let go from the store when it is called again: no token request, no consent', async () => {
    const { world, callAs, alphaKey } = await crowded()
    for (const name of ['beta', 'gamma']) await callAs(name)
    expect(world.grantflow.tokenSession(alphaKey)).toBeUndefined()
    const before = { tokens: world.kit.counters.tokenRequests, authorizations: world.kit.counters.authorizations }
    expect(await callAs('alpha')).toEqual({ obligations: expect.any(Array) })
    // Its stored token served the call: no session was started for it.
    expect(world.grantflow.tokenSession(alphaKey)).toBeUndefined()
    expect(world.kit.counters.tokenRequests).toBe(before.tokens)
    expect(world.kit.counters.authorizations).toBe(before.authorizations)
  })

  it('keeps the session of a wizard in flight live, and lets it go once the wizard stopped', async () => {
    let company = 'alpha'
    const world = vatWorld({ server, grantflow: { maxLiveSessions: 2, interaction: 'guided', apiUser: { company: () => company } } })
    const wizard = await world.grantflow.startWizard({ api: 'vat', endpoint: 'obligations', params: query })
    await waitFor(wizard, (s) => s.matches('unauthorized'))
    const alphaKey = (
      await world.grantflow.tokenSessionFor({ api: 'vat', endpoint: 'obligations', params: query, apiUser: { kind: 'company', id: 'alpha' } })
    ).getSnapshot().context.key
    for (const name of ['beta', 'gamma', 'delta']) {
      company = name
      await world.grantflow.startWizard({ api: 'vat', endpoint: 'obligations', params: query }).then((other) => other.stop())
    }
    expect(world.grantflow.tokenSession(alphaKey)).toBeDefined()
    wizard.stop()
    for (const name of ['epsilon', 'zeta']) {
      company = name
      await world.grantflow.startWizard({ api: 'vat', endpoint: 'obligations', params: query }).then((other) => other.stop())
    }
    expect(world.grantflow.tokenSession(alphaKey)).toBeUndefined()
  })
})
