import { describe, expect, it, vi } from 'vitest'
import { createBroadcastSync, createGrantflow, createMemoryStore, defineClient, type ConsentNavigator, type SessionStore } from '../../src/index.js'
import { countsSince, REDIRECT_URI, useMsw, vat, vatWorld, VRN } from '../support/vatWorld.js'

// Tabs (or instances) sharing a store and a sync channel: what one obtains, the others' live
// sessions take without a token request, and a call waiting on a consent another tab completed
// goes on.

const server = useMsw()
const FOUR_HOURS = 4 * 3600_000
const query = { vrn: VRN, from: '2025-01-01', to: '2025-12-31' }
const company = { kind: 'company' as const, id: 'acme-ltd' }

let channels = 0
function tabs(options: { userAtProvider?: (url: string) => void } = {}) {
  const store = createMemoryStore()
  const name = `grantflow-test-${++channels}`
  const first = vatWorld({ server, store, grantflow: { sync: [createBroadcastSync({ name })] } })
  // A second tab of the same app: its navigator only records where the user was sent (the user
  // then finishes in the first tab).
  const opened: string[] = []
  const navigator: ConsentNavigator = {
    mode: 'custom',
    async open(url) {
      opened.push(url)
      options.userAtProvider?.(url)
    },
  }
  const second = (sharedStore: SessionStore = store) =>
    createGrantflow({
      apis: { vat },
      clients: { hmrc: defineClient({ clientId: 'vat-app', redirectUri: REDIRECT_URI }) },
      environment: 'sandbox',
      apiUser: { company: () => company.id },
      now: first.clock.now,
      store: sharedStore,
      navigator,
      sync: [createBroadcastSync({ name })],
    })
  return { ...first, store, second: second(), opened }
}

describe('sync plugins', () => {
  it("give another tab's live session the tokens one tab refreshed: its next call makes no token request", async () => {
    const { grantflow, second, kit, clock, store } = tabs()
    await grantflow.apis.vat.obligations(query)
    await second.apis.vat.obligations(query)
    // The second tab's session is live (a view follows it, say), holding the token it read.
    await second.tokenSessionFor({ api: 'vat', endpoint: 'obligations', params: query })
    const [session] = await store.list(company)
    clock.advance(FOUR_HOURS + 1)
    const counts = countsSince(kit)
    await grantflow.apis.vat.obligations(query)
    expect(counts().refreshes).toBe(1)
    const refreshed = (await store.get(session!.key))!.tokens!.accessToken
    // The second tab's live session holds the refreshed token, told through the channel.
    await vi.waitFor(() => expect(second.tokenSession(session!.key)?.getSnapshot().context.tokens?.accessToken).toBe(refreshed))
    await second.apis.vat.obligations(query)
    expect(counts()).toMatchObject({ tokenRequests: 1, refreshes: 1, apiCalls: 2 })
    grantflow.dispose()
    second.dispose()
  })

  it('let a call waiting on a consent go on when another tab completes it', async () => {
    let sentTo: (url: string) => void = () => {}
    const atProvider = new Promise<string>((resolve) => (sentTo = resolve))
    const { grantflow, second, kit } = tabs({ userAtProvider: (url) => sentTo(url) })
    const counts = countsSince(kit)
    // The second tab's call needs consent; the user approves, and the provider's redirect lands
    // in the first tab, which completes it.
    const waiting = second.apis.vat.obligations(query)
    const callback = await kit.authorize(await atProvider)
    await grantflow.completeAuthorization(callback)
    await expect(waiting).resolves.toMatchObject({ obligations: expect.any(Array) })
    expect(counts()).toMatchObject({ authorizations: 1, tokenRequests: 1 })
    grantflow.dispose()
    second.dispose()
  })

  it('ignore messages that are not a session key, and never carry a token', () => {
    const posted: unknown[] = []
    const channel = { postMessage: (m: unknown) => posted.push(m), onmessage: null as ((event: { data: unknown }) => void) | null, close() {} }
    const plugin = createBroadcastSync({ channel: () => channel })
    const changed: string[] = []
    plugin.connect({ sessionChanged: (key) => changed.push(key) })
    for (const data of [null, 'x', { type: 'grantflow:session-changed' }, { type: 'other', key: 'k' }, { type: 'grantflow:session-changed', key: 7 }]) {
      channel.onmessage!({ data })
    }
    channel.onmessage!({ data: { type: 'grantflow:session-changed', key: 'vat/sandbox/company%3Aacme-ltd' } })
    expect(changed).toEqual(['vat/sandbox/company%3Aacme-ltd'])
    plugin.tokensSaved('vat/sandbox/company%3Aacme-ltd')
    expect(posted).toEqual([{ type: 'grantflow:session-changed', key: 'vat/sandbox/company%3Aacme-ltd' }])
  })
})
