import { createActor, fromPromise, waitFor } from 'xstate'
import { describe, expect, it } from 'vitest'
import { tokenSessionMachine } from '../../machines/index.js'
import { TokenEndpointError, type Session, type TokenSet } from '../../src/index.js'

const stale: TokenSet = { accessToken: 'at', tokenType: 'bearer', refreshToken: 'rt', scopes: ['read'], expiresAt: 1, receivedAt: 0 }

function sessionRefusedWith(error: string) {
  const machine = tokenSessionMachine.provide({
    actors: {
      loadSession: fromPromise<Session | undefined, { key: string }>(async () => ({ key: 'k', api: 'a', environment: 'e', apiUser: { kind: 'user', id: 'me' }, tokens: stale, errors: [], updatedAt: 0 })),
      refreshTokens: fromPromise<TokenSet, { key: string; tokens: TokenSet }>(async () => {
        throw new TokenEndpointError({ grant: 'refresh_token', error })
      }),
    },
  })
  return createActor(machine, { input: { key: 'k', holder: 'person' } }).start()
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
