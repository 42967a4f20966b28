import { expect, it } from 'vitest'
import { ConfigurationError, createGrantflow, defineClient } from '../../src/index.js'
import { createGrantflowHandlers } from '../../src/server/index.js'
import { recordFigure, type FigureTask } from '../support/figures.js'
import { vat } from '../support/vatWorld.js'
import { browser, useServerWorlds, type ServerWorldOptions } from '../server/serverWorld.js'

// Attacks on the server handlers from other pages, through real HTTP on 127.0.0.1 with each
// browser's own cookie jar: a sibling subdomain (same-site is not same-origin), a browser without
// Fetch Metadata, an opaque origin, a cookie planted under the unprefixed name on https, and a
// server that cannot tell its users apart. Each counts on the suite's `attacks:` line.

const { open: openWorld } = useServerWorlds()

/** An app whose company `acme-ltd` has a session with tokens (consented, return filed). */
async function connectedWorld(options: ServerWorldOptions = {}) {
  const app = await openWorld(options)
  const user = browser(app.origin, 'acme-ltd')
  const started = await user.post('/returns', {})
  const done = await user.request(await app.kit.authorize(started.headers.get('location')!))
  const { sessionKey } = (await done.json()) as { sessionKey: string }
  const tokens = async () => JSON.stringify((await app.grantflow.sessions.get(sessionKey))?.tokens ?? null)
  return { app, user, sessionKey, tokens, before: await tokens() }
}

function attack(label: string, run: (figure: ReturnType<typeof recordFigure>) => Promise<void>) {
  it(label, async (context: FigureTask) => {
    const figure = recordFigure(context, { group: 'attacks', label, facts: { rejected: false }, counts: { tokenChanges: 0 } })
    await run(figure)
    figure.facts!.rejected = true
  })
}

/** A POST made from another page of the user's browser: refused before anything is done, the session as it was, nothing revoked. */
async function refusedDisconnect(figure: ReturnType<typeof recordFigure>, headers: Record<string, string | null>) {
  const { app, user, sessionKey, tokens, before } = await connectedWorld()
  const answer = await user.post('/grantflow/disconnect', { sessionKey }, headers)
  expect(answer.status).toBe(403)
  expect(await answer.json()).toMatchObject({ code: 'cross_site_request' })
  figure.counts!.tokenChanges = before === (await tokens()) ? 0 : 1
  expect(figure.counts!.tokenChanges).toBe(0)
  expect(app.kit.counters.revocations).toBe(0)
  // The app's own page still can.
  expect((await user.post('/grantflow/disconnect', { sessionKey })).status).toBe(200)
}

attack("a sibling subdomain's page (same-site) disconnects the user's session", (figure) =>
  refusedDisconnect(figure, { 'sec-fetch-site': 'same-site', origin: 'http://sibling.localhost' }),
)

attack('a foreign Origin from a browser without Fetch Metadata disconnects the session', (figure) =>
  refusedDisconnect(figure, { 'sec-fetch-site': null, origin: 'https://evil.example' }),
)

attack('an opaque origin (Origin: null, a sandboxed frame) disconnects the session', (figure) =>
  refusedDisconnect(figure, { 'sec-fetch-site': null, origin: 'null' }),
)

attack('a request that says nothing of where it came from disconnects the session', (figure) =>
  refusedDisconnect(figure, { 'sec-fetch-site': null, origin: null }),
)

attack("another site's page starts a consent for the user (no binding cookie, no authorization)", async () => {
  const app = await openWorld()
  const user = browser(app.origin, 'acme-ltd')
  const answer = await user.post(
    '/grantflow/connect',
    { api: 'vat', endpoint: 'submitReturn' },
    { 'sec-fetch-site': 'same-site', origin: 'http://sibling.localhost' },
  )
  expect(answer.status).toBe(403)
  expect(answer.headers.get('location')).toBeNull()
  expect(user.setCookies).toEqual([])
  expect((await app.grantflow.sessions.list({ kind: 'company', id: 'acme-ltd' })).filter((s) => s.pending)).toEqual([])
})

attack('a consent cookie planted under the unprefixed name on https binds the attacker’s callback to the victim', async () => {
  // The app is served as https://app.example (its proxy ends TLS); its cookie is __Secure- named.
  const redirectUri = 'https://app.example/callback'
  const app = await openWorld({ redirectUri, handlers: { origin: 'https://app.example' } })
  const mallory = browser(app.origin, 'mallory-ltd')
  const started = await mallory.post('/returns', {})
  expect(mallory.setCookies.some((c) => c.startsWith('__Secure-grantflow-consent.'))).toBe(true)
  const callback = new URL(await app.kit.authorize(started.headers.get('location')!))
  const [name, value] = [...mallory.cookies()].find(([n]) => n.startsWith('__Secure-'))!
  // From a sibling subdomain over http, she can set the plain name in the victim's browser.
  const victim = browser(app.origin, 'acme-ltd')
  victim.adopt(name.replace('__Secure-', ''), { value, path: '/callback' })
  const answer = await victim.request(`${callback.pathname}${callback.search}`)
  const refusal = await answer.json()
  expect(refusal).toMatchObject({ code: 'invalid_callback' })
  expect(JSON.stringify(refusal)).toContain('binding_mismatch')
  expect(app.kit.counters.tokenRequestsByGrant.authorization_code).toBe(0)
  // Her own browser, holding the __Secure- cookie, completes it: the name, not the code, was refused.
  expect((await mallory.request(`${callback.pathname}${callback.search}`)).status).toBe(200)
})

attack('a server that cannot tell its users apart would give every company one grant: it does not start', async () => {
  const made = () =>
    createGrantflow({
      apis: { vat },
      clients: { hmrc: defineClient({ clientId: 'vat-app', redirectUri: 'https://app.example/callback' }) },
      environment: 'sandbox',
    })
  expect(made).toThrow(ConfigurationError)
  expect(made).toThrow(/apiUser\.company/)
  const runtime = createGrantflow({
    apis: { vat },
    clients: { hmrc: defineClient({ clientId: 'vat-app', redirectUri: 'https://app.example/callback' }) },
    environment: 'sandbox',
    apiUser: { company: () => 'acme-ltd' },
  })
  expect(() => createGrantflowHandlers(runtime, { apis: { vat } })).toThrow(/no apiUser\.company resolver/)
})
