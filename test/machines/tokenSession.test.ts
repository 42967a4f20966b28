import { createActor, fromPromise, waitFor } from 'xstate'
import { describe, expect, it } from 'vitest'
import { tokenSessionMachine } from '../../machines/index.js'
import { TokenEndpointError, type Session, type TokenSet } from '../../src/index.js'

const stale: TokenSet = { accessToken: 'at', tokenType: 'bearer', refreshToken: 'rt', scopes: ['read'], expiresAt: 1, receivedAt: 0 }

function sessionRefusedWith(error: string) {
  const machine = tokenSessionMachine.provide({
    actors: {
      loadSession: fromPromise<Session | undefined, { key: string }>(async () => ({
        key: 'k',
        api: 'a',
        environment: 'e',
        apiUser: { kind: 'user', id: 'me' },
        tokens: stale,
        errors: [],
        updatedAt: 0,
      })),
      refreshTokens: fromPromise<TokenSet, { key: string; tokens: TokenSet }>(async () => {
        throw new TokenEndpointError({ grant: 'refresh_token', error })
      }),
    },
  })
  return createActor(machine, { input: { key: 'k', renewal: 'refresh' } }).start()
}

describe('a refresh the provider refuses', () => {
  it.each(['invalid_grant', 'invalid_id_token'])('leaves only consent after %s (the grant is gone, or is someone else’s)', async (error) => {
    const session = sessionRefusedWith(error)
    await waitFor(session, (s) => s.matches('valid'))
    session.send({ type: 'ACCESS_NEEDED', now: 10 })
    const after = await waitFor(session, (s) => s.matches('expired') || s.matches('unavailable'))
    expect(after.value).toBe('expired')
    expect(after.context.error).toMatchObject({ error })
  })

  it('tries again at the next read after a failure that may pass (server_error)', async () => {
    const session = sessionRefusedWith('server_error')
    await waitFor(session, (s) => s.matches('valid'))
    session.send({ type: 'ACCESS_NEEDED', now: 10 })
    expect((await waitFor(session, (s) => s.matches('expired') || s.matches('unavailable'))).value).toBe('unavailable')
  })
})

describe('how a session renews its token', () => {
  it("asks for consent when its renewal is 'none', whatever refresh token it holds", async () => {
    const machine = tokenSessionMachine.provide({
      actors: {
        loadSession: fromPromise<Session | undefined, { key: string }>(async () => ({
          key: 'k',
          api: 'a',
          environment: 'e',
          apiUser: { kind: 'user', id: 'me' },
          tokens: stale,
          errors: [],
          updatedAt: 0,
        })),
      },
    })
    const session = createActor(machine, { input: { key: 'k', renewal: 'none' } }).start()
    await waitFor(session, (s) => s.matches('valid'))
    session.send({ type: 'ACCESS_NEEDED', now: 10 })
    expect(session.getSnapshot().value).toBe('expired')
  })
})

describe('a consent', () => {
  const fresh: TokenSet = { ...stale, expiresAt: 1e15 }
  const pending = { state: 's', codeVerifier: 'v', scopes: ['read'], createdAt: 0 }
  function consenting(exchange: () => Promise<TokenSet>) {
    const exchanged: URLSearchParams[] = []
    const machine = tokenSessionMachine.provide({
      actors: {
        loadSession: fromPromise<Session | undefined, { key: string }>(async () => undefined),
        prepareConsent: fromPromise(async () => ({ url: 'https://provider.example/authorize', pending })),
        exchangeCode: fromPromise<TokenSet, { key: string; callback: URLSearchParams; pending: typeof pending }>(async ({ input }) => {
          exchanged.push(input.callback)
          return exchange()
        }),
      },
    })
    const session = createActor(machine, { input: { key: 'k', renewal: 'refresh' } }).start()
    const told: Array<{ type: string }> = []
    for (const type of ['exchangeStarted', 'authorized', 'consentFailed'] as const) session.on(type, (event) => told.push(event))
    return { session, told, exchanged }
  }

  it('tells its listeners that the exchange started and the session is authorized, and keeps no callback', async () => {
    const { session, told, exchanged } = consenting(async () => fresh)
    await waitFor(session, (s) => s.matches('empty'))
    session.send({ type: 'CONSENT_REQUESTED', request: { scopes: ['read'], requester: 'w1' } })
    await waitFor(session, (s) => s.matches('authorizing'))
    expect(session.getSnapshot().context.consentRequest).toBeUndefined()
    session.send({ type: 'CALLBACK_RECEIVED', callback: new URLSearchParams({ code: 'c', state: 's' }) })
    const done = await waitFor(session, (s) => s.matches('valid'))
    expect(exchanged.map(String)).toEqual(['code=c&state=s'])
    expect(done.context.callback).toBeUndefined()
    expect(told.map((e) => e.type)).toEqual(['exchangeStarted', 'authorized'])
  })

  it('tells its listeners why it failed', async () => {
    const refused = new TokenEndpointError({ grant: 'authorization_code', error: 'invalid_grant' })
    const { session, told } = consenting(async () => {
      throw refused
    })
    await waitFor(session, (s) => s.matches('empty'))
    session.send({ type: 'CONSENT_REQUESTED', request: { scopes: ['read'], requester: 'w1' } })
    await waitFor(session, (s) => s.matches('authorizing'))
    session.send({ type: 'CALLBACK_RECEIVED', callback: new URLSearchParams({ code: 'c', state: 's' }) })
    const failed = await waitFor(session, (s) => s.matches('consentFailed'))
    expect(failed.context.callback).toBeUndefined()
    expect(told).toEqual([{ type: 'exchangeStarted' }, { type: 'consentFailed', error: refused }])
  })
})
