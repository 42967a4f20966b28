import { IDBFactory } from 'fake-indexeddb'
import { afterEach, expect, it } from 'vitest'
import {
  createBroadcastSync,
  createGrantflow,
  createIndexedDbStore,
  defineClient,
  InvalidCallbackError,
  type ConsentNavigator,
  type SessionStore,
} from '../../src/index.js'
import { createProviderKit, hmrcVatRoutes } from '../../src/testing/index.js'
import { hmrc } from '../../src/index.js'
import { recordFigure, type FigureTask } from '../support/figures.js'
import { findSecrets } from '../support/secretScan.js'
import { REDIRECT_URI, testClock, useMsw, vat, vatReturn, VRN } from '../support/vatWorld.js'

// Two people of one browser: one origin, so one IndexedDB and one BroadcastChannel, and tabs
// whose app says a different company is signed in (a shared office computer, the app's sign-in
// changed in another tab while a consent was at the provider). Each company's calls must carry
// only its own tokens, and a callback brought to a tab signed in as the other company must not
// hand it the first one's grant or pending call. Each counts on the suite's `attacks:` line.

const server = useMsw()
const disposers: Array<() => void> = []
afterEach(() => {
  for (const dispose of disposers.splice(0)) dispose()
})

let browsers = 0
/** One browser profile: its IndexedDB, its channel, and a fake HMRC; `tab(company)` opens a tab signed in as `company`. */
function browserProfile() {
  const clock = testClock()
  const routes = hmrcVatRoutes()
  const kit = createProviderKit({
    provider: hmrc,
    environment: 'sandbox',
    clients: [{ clientId: 'vat-app', authMethod: 'none', redirectUris: [REDIRECT_URI] }],
    api: routes,
    now: clock.now,
  })
  server.use(...kit.handlers)
  const indexedDB = new IDBFactory()
  const channel = `grantflow-two-users-${++browsers}`
  const sentTo: string[] = []
  const tab = (company: { current: string }, store: SessionStore = createIndexedDbStore({ indexedDB })) => {
    // A redirect navigator's stand-in: the tab records where it sent its user.
    const navigator: ConsentNavigator = { mode: 'custom', open: async (url) => void sentTo.push(url) }
    const grantflow = createGrantflow({
      apis: { vat },
      clients: { hmrc: defineClient({ clientId: 'vat-app', redirectUri: REDIRECT_URI }) },
      environment: 'sandbox',
      apiUser: { company: () => company.current },
      now: clock.now,
      store,
      navigator,
      sync: [createBroadcastSync({ name: channel })],
    })
    disposers.push(() => grantflow.dispose())
    return grantflow
  }
  return { kit, routes, clock, tab, sentTo, indexedDB }
}

function attack(label: string, run: () => Promise<void>) {
  it(label, async (context: FigureTask) => {
    const figure = recordFigure(context, { group: 'attacks', label, facts: { rejected: false }, counts: { tokenChanges: 0 } })
    await run()
    figure.facts!.rejected = true
  })
}

attack("a callback brought to a tab now signed in as another company does not hand that tab the first company's call", async () => {
  const profile = browserProfile()
  const acme = { current: 'acme-ltd' }
  const first = profile.tab(acme)
  // Acme starts filing its return: sent to HMRC.
  const filing = first.apis.vat.submitReturn({ vrn: VRN }, vatReturn()).catch((e: unknown) => e)
  await expect.poll(() => profile.sentTo.length, { timeout: 10_000 }).toBe(1)
  const callback = await profile.kit.authorize(profile.sentTo[0]!)
  // Meanwhile Globex signed in to the app in this browser; the provider's redirect lands in a tab that says Globex.
  const other = profile.tab({ current: 'globex-ltd' })
  const error = await other.completeAuthorization(callback).catch((e: unknown) => e)
  expect(error).toBeInstanceOf(InvalidCallbackError)
  expect(error).toMatchObject({ reason: 'binding_mismatch' })
  expect(profile.routes.submissions).toHaveLength(0)
  expect(findSecrets(error, [new URL(callback).searchParams.get('code')!])).toEqual([])
  expect(await other.sessions.list({ kind: 'company', id: 'acme-ltd' }).then((s) => s[0]?.tokens)).toBeUndefined()
  // Brought back to a page signed in as Acme (the redirect's tab reloaded), it completes, and hands back Acme's call.
  const reloaded = profile.tab(acme)
  await expect(reloaded.completeAuthorization(callback)).resolves.toMatchObject({ call: { apiUser: { kind: 'company', id: 'acme-ltd' } } })
  void filing
})

attack("a tab signed in as another company calls with its own grant, never the first company's tokens", async () => {
  const profile = browserProfile()
  const first = profile.tab({ current: 'acme-ltd' })
  const filing = first.apis.vat.submitReturn({ vrn: VRN }, vatReturn())
  await expect.poll(() => profile.sentTo.length, { timeout: 10_000 }).toBe(1)
  await first.completeAuthorization(await profile.kit.authorize(profile.sentTo[0]!))
  await filing
  const acmeTokens = (await first.sessions.list({ kind: 'company', id: 'acme-ltd' }))[0]!.tokens!
  // Globex's tab: the same IndexedDB holds Acme's grant, and the channel tells it of every change.
  const other = profile.tab({ current: 'globex-ltd' })
  const globexFiling = other.apis.vat.submitReturn({ vrn: VRN }, vatReturn()).catch((e: unknown) => e)
  await expect.poll(() => profile.sentTo.length, { timeout: 10_000 }).toBe(2)
  // Asked for Globex's own consent; nothing was sent with Acme's token meanwhile.
  expect(profile.routes.submissions).toHaveLength(1)
  expect(profile.kit.counters.apiCalls).toBe(1)
  expect(await other.sessions.list({ kind: 'company', id: 'globex-ltd' }).then((s) => s[0]?.tokens)).toBeUndefined()
  void globexFiling
  // Acme's grant is as it was: Globex's tab neither took nor replaced it.
  expect((await first.sessions.list({ kind: 'company', id: 'acme-ltd' }))[0]!.tokens!.accessToken).toBe(acmeTokens.accessToken)
})
