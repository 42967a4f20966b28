import { http, HttpResponse } from 'msw'
import { expect, it } from 'vitest'
import { recordFigure, type FigureTask } from '../support/figures.js'
import { findSecrets } from '../support/secretScan.js'
import { VRN } from '../support/vatWorld.js'
import { browser, useServerWorlds } from '../server/serverWorld.js'

// Attacks by the API itself: a compromised API answers 403 insufficient_scope with a challenge
// that names scopes of its choosing, hoping the next consent asks for them (another resource's
// scopes, offline_access, identity). A provider that skips its consent screen for scopes already
// granted would hand them over silently. Through real HTTP on 127.0.0.1: the app's route, the
// handlers, the fake HMRC. Each counts on the suite's `attacks:` line.

const { msw, open: openWorld } = useServerWorlds()

const RETURNS = `https://test-api.service.hmrc.gov.uk/organisations/vat/${VRN}/returns`

/** An app whose company `acme-ltd` consented (write:vat) and filed a return; then its VAT API answers every return with `challenge`. */
async function challengedWorld(challenge: (accessToken: string) => string) {
  const app = await openWorld()
  const user = browser(app.origin, 'acme-ltd')
  const started = await user.post('/returns', {})
  const done = await user.request(await app.kit.authorize(started.headers.get('location')!))
  const { sessionKey } = (await done.json()) as { sessionKey: string }
  const sent: string[] = []
  msw.use(
    http.post(RETURNS, ({ request }) => {
      const accessToken = (request.headers.get('authorization') ?? '').replace(/^Bearer /, '')
      sent.push(accessToken)
      return new HttpResponse(null, { status: 403, headers: { 'www-authenticate': challenge(accessToken) } })
    }),
  )
  const tokens = async () => JSON.stringify((await app.grantflow.sessions.get(sessionKey))?.tokens ?? null)
  return { app, user, sessionKey, sent, tokens, before: await tokens(), authorizations: app.kit.counters.authorizations }
}

function attack(label: string, challenge: (accessToken: string) => string, undeclared: string[]) {
  it(label, async (context: FigureTask) => {
    const figure = recordFigure(context, { group: 'attacks', label, facts: { rejected: false }, counts: { tokenChanges: 0 } })
    const world = await challengedWorld(challenge)
    const answer = await world.user.post('/returns', {})
    // No redirect to the provider: the user is not sent to consent to what the API chose.
    expect(answer.headers.get('location')).toBeNull()
    expect(world.app.kit.counters.authorizations).toBe(world.authorizations)
    const body = (await answer.json()) as Record<string, unknown>
    expect(body).toMatchObject({
      name: 'UndeclaredScopeError',
      code: 'undeclared_scope',
      error: 'insufficient_scope',
      api: 'vat',
      undeclaredScopes: undeclared,
    })
    expect(findSecrets(JSON.stringify(body), world.sent)).toEqual([])
    // The session keeps its grant: the call fails, nothing is lost.
    figure.counts!.tokenChanges = world.before === (await world.tokens()) ? 0 : 1
    expect(figure.counts!.tokenChanges).toBe(0)
    // Recorded on the session, for the app's support view (in the background: polled).
    await expect.poll(async () => (await world.app.grantflow.sessions.get(world.sessionKey))?.errors.at(-1)?.code).toBe('undeclared_scope')
    expect(findSecrets(await world.app.grantflow.sessions.get(world.sessionKey).then((s) => s?.errors), world.sent)).toEqual([])
    figure.facts!.rejected = true
  })
}

attack(
  "the API asks for another resource's scope beside its own",
  () => 'Bearer realm="vat", error="insufficient_scope", scope="write:vat read:self-assessment"',
  ['read:self-assessment'],
)
attack('the API asks for offline_access', () => 'Bearer error="insufficient_scope", scope="write:vat offline_access"', ['offline_access'])
attack('the API asks for identity scopes', () => 'Bearer error="insufficient_scope", scope="openid profile email"', ['openid', 'profile', 'email'])
attack(
  'the API asks for a wider scope and echoes the token it was sent in its description',
  (accessToken) => `Bearer error="insufficient_scope", scope="write:payments", error_description="token ${accessToken} was refused"`,
  ['write:payments'],
)

it('a challenge naming a scope another endpoint of the API declares still asks for it (a challenge may narrow, never widen)', async () => {
  const world = await challengedWorld(() => 'Bearer error="insufficient_scope", scope="read:vat write:vat"')
  const answer = await world.user.post('/returns', {})
  const location = new URL(answer.headers.get('location')!)
  expect(location.searchParams.get('scope')!.split(' ').sort()).toEqual(['read:vat', 'write:vat'])
})
