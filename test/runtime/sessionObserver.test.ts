import { describe, expect, it, vi } from 'vitest'
import { createSessionObserver } from '../../src/index.js'
import { useMsw, vatWorld, VRN } from '../support/vatWorld.js'

// The observer a view follows a session through (useSession is useSyncExternalStore over it).

const server = useMsw()
const query = { vrn: VRN, from: '2025-01-01', to: '2025-12-31' }

describe('a session observer', () => {
  it('gives one view object until what it shows changes, then tells its listeners', async () => {
    const { grantflow } = vatWorld({ server })
    const observer = createSessionObserver(grantflow, { api: 'vat', endpoint: 'obligations' })
    const seen: boolean[] = []
    const unsubscribe = observer.subscribe(() => seen.push(observer.getSnapshot().connected))
    expect(observer.getSnapshot()).toBe(observer.getSnapshot())
    expect(observer.getSnapshot()).toMatchObject({ key: expect.stringContaining('vat/sandbox/company'), connected: false, scopes: [] })
    await grantflow.apis.vat.obligations(query)
    await vi.waitFor(() => expect(observer.getSnapshot()).toMatchObject({ state: 'valid', connected: true, scopes: ['read:vat'] }))
    expect(seen.at(-1)).toBe(true)
    await observer.disconnect()
    await vi.waitFor(() => expect(observer.getSnapshot()).toMatchObject({ state: 'revoked', connected: false }))
    unsubscribe()
    grantflow.dispose()
  })

  it('shows the stored failures of a session and the typed error of one it cannot find', async () => {
    const { grantflow, kit } = vatWorld({ server })
    await grantflow.apis.vat.obligations(query)
    const key = (await grantflow.tokenSessionFor({ api: 'vat', endpoint: 'obligations', params: {} })).getSnapshot().context.key
    kit.fail({ endpoint: 'api', kind: 'server_error' })
    await expect(grantflow.apis.vat.obligations(query)).rejects.toBeDefined()
    // A view opened later reads the session's stored record when it starts listening.
    const observer = createSessionObserver(grantflow, { key })
    observer.subscribe(() => {})
    await vi.waitFor(() => expect(observer.getSnapshot().errors).toEqual([expect.objectContaining({ step: 'call' })]))
    expect(observer.getSnapshot()).toMatchObject({ state: 'valid', connected: true })
    const missing = createSessionObserver(grantflow, { api: 'vat', endpoint: 'noSuchEndpoint' })
    expect(missing.getSnapshot()).toMatchObject({ key: undefined, state: 'unknown', error: expect.objectContaining({ name: 'ConfigurationError' }) })
    grantflow.dispose()
  })
})
