import { describe, expect, it } from 'vitest'
import {
  ConfigurationError,
  createGrantflow,
  createInProcessLock,
  createMemoryStore,
  defineClient,
  InvalidCallbackError,
  ProviderUnreachableError,
  StorageError,
  type SessionLock,
  type SessionStore,
} from '../../src/index.js'
import { countsSince, REDIRECT_URI, useMsw, vat, vatWorld, VRN } from '../support/vatWorld.js'

// Several runtimes (server instances, tabs) sharing one store: what one writes, the others never
// overwrite with an older copy, and a code is exchanged once whoever receives the callback.

const server = useMsw()
const FOUR_HOURS = 4 * 3600_000
const query = { vrn: VRN, from: '2025-01-01', to: '2025-12-31' }
const company = { kind: 'company' as const, id: 'acme-ltd' }

/** Another instance of the VAT app, over the same store, on the test's clock. */
const instanceOver = (store: SessionStore, now: () => number) =>
  createGrantflow({
    apis: { vat },
    clients: { hmrc: defineClient({ clientId: 'vat-app', redirectUri: REDIRECT_URI }) },
    environment: 'sandbox',
    apiUser: { company: () => 'acme-ltd' },
    now,
    store,
  })

describe('runtimes sharing one store', () => {
  it('exchange a code once when both receive its callback: one token request, the other refused', async () => {
    const store = createMemoryStore()
    const starter = vatWorld({ server, user: 'none', store })
    // Two more instances of the same app over the same store and provider, neither of which
    // started the consent: both find its pending authorization in the store.
    const instance = () => instanceOver(store, starter.clock.now)
    const [first, second] = [instance(), instance()]
    const consent = await starter.grantflow.apis.vat.obligations(query).catch((e) => e)
    const callback = await starter.kit.authorize(consent.authorizationUrl)
    const outcomes = await Promise.allSettled([
      first.completeAuthorization(callback, { binding: consent.binding }),
      second.completeAuthorization(callback, { binding: consent.binding }),
    ])
    expect(starter.kit.counters.tokenRequestsByGrant.authorization_code).toBe(1)
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1)
    const refused = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected')!.reason
    expect(refused).toBeInstanceOf(InvalidCallbackError)
    expect(['code_already_used', 'no_pending_authorization']).toContain(refused.reason)
    // The tokens the winner obtained are the session's, for any instance's next call.
    expect((await store.get(consent.sessionKey))?.tokens?.accessToken).toEqual(expect.any(String))
    await expect(instance().apis.vat.obligations(query)).resolves.toMatchObject({ obligations: expect.any(Array) })
    expect(starter.kit.counters.authorizations).toBe(1)
  })

  it('go on with the tokens another instance obtained: the one that started the consent, and the one that lost the callback, call with no new consent', async () => {
    const store = createMemoryStore()
    const starter = vatWorld({ server, user: 'none', store })
    const instance = () => instanceOver(store, starter.clock.now)
    const [first, second] = [instance(), instance()]
    // Both instances hold a live session of the key before the consent: no tokens yet.
    await expect(second.apis.vat.obligations(query)).rejects.toMatchObject({ reason: 'no_session' })
    const consent = await starter.grantflow.apis.vat.obligations(query).catch((e) => e)
    const callback = await starter.kit.authorize(consent.authorizationUrl)
    // The redirect lands on another instance (and, retried by a proxy, on a second one too).
    const outcomes = await Promise.allSettled([
      first.completeAuthorization(callback, { binding: consent.binding }),
      second.completeAuthorization(callback, { binding: consent.binding }),
    ])
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1)
    const before = countsSince(starter.kit)
    // The user's next requests land on every instance: each finds the session connected.
    for (const grantflow of [starter.grantflow, first, second])
      await expect(grantflow.apis.vat.obligations(query)).resolves.toMatchObject({ obligations: expect.any(Array) })
    expect(before()).toMatchObject({ authorizations: 0, tokenRequests: 0 })
  })

  it('record a failure without writing back the tokens another instance rotated meanwhile', async () => {
    const inner = createMemoryStore()
    let rotateBeforeErrorWrite = false
    const store: SessionStore = {
      ...inner,
      async set(session, expected) {
        if (rotateBeforeErrorWrite && session.errors.some((e) => e.step === 'refresh')) {
          rotateBeforeErrorWrite = false
          // Another instance saves its rotation between this runtime's read and its write.
          const current = (await inner.get(session.key))!
          const rotated = { ...current.tokens!, accessToken: 'at-other-instance', refreshToken: 'rt-other-instance' }
          await inner.set({ ...current, tokens: rotated, version: (current.version ?? 0) + 1 }, current.version)
        }
        return inner.set(session, expected)
      },
    }
    const { grantflow, kit, clock } = vatWorld({ server, store })
    await grantflow.apis.vat.obligations(query)
    clock.advance(FOUR_HOURS + 1)
    kit.fail({ endpoint: 'token', kind: 'server_error', grant: 'refresh_token' })
    rotateBeforeErrorWrite = true
    await expect(grantflow.apis.vat.obligations(query)).rejects.toBeDefined()
    const [session] = await inner.list(company)
    expect(session!.tokens).toMatchObject({ accessToken: 'at-other-instance', refreshToken: 'rt-other-instance' })
    expect(session!.errors).toEqual([expect.objectContaining({ step: 'refresh' })])
  })
})

describe("refresh: 'notify'", () => {
  it('needs a token saver', () => {
    expect(() => vatWorld({ server, grantflow: { refresh: 'notify' } })).toThrow(ConfigurationError)
  })

  it('waits for the saver before the call goes on, the rotated tokens already in the store', async () => {
    const store = createMemoryStore()
    const seen: { apiCalls: number; stored: string | undefined; handed: string | undefined }[] = []
    // Counted from once the session is connected: only the refresh's saving is looked at.
    const counting: { since?: ReturnType<typeof countsSince> } = {}
    const world = vatWorld({
      server,
      store,
      grantflow: {
        refresh: 'notify',
        onTokensUpdated: async (session) => {
          await new Promise((resolve) => setTimeout(resolve, 10))
          if (counting.since)
            seen.push({ apiCalls: counting.since().apiCalls, stored: (await store.get(session.key))?.tokens?.accessToken, handed: session.tokens?.accessToken })
        },
      },
    })
    await world.grantflow.apis.vat.obligations(query)
    const since = (counting.since = countsSince(world.kit))
    world.clock.advance(FOUR_HOURS + 1)
    await world.grantflow.apis.vat.obligations(query)
    expect(since().refreshes).toBe(1)
    expect(seen).toEqual([{ apiCalls: 0, stored: seen[0]!.handed, handed: expect.any(String) }])
    expect(since().apiCalls).toBe(1)
  })

  it('ends the call in StorageError when the saver throws; the tokens are kept and the next call uses them', async () => {
    let failSaving = false
    const world = vatWorld({
      server,
      grantflow: {
        refresh: 'notify',
        onTokensUpdated: async () => {
          if (failSaving) throw new Error('the app database is down')
        },
      },
    })
    await world.grantflow.apis.vat.obligations(query)
    const since = countsSince(world.kit)
    world.clock.advance(FOUR_HOURS + 1)
    failSaving = true
    const error = await world.grantflow.apis.vat.obligations(query).catch((e) => e)
    expect(error).toBeInstanceOf(StorageError)
    expect(JSON.stringify(error.toJSON?.() ?? error)).not.toContain('database is down')
    failSaving = false
    await expect(world.grantflow.apis.vat.obligations(query)).resolves.toMatchObject({ obligations: expect.any(Array) })
    expect(since().refreshes).toBe(1)
    expect(since().authorizations).toBe(0)
  })
})

describe('the lock lease', () => {
  it('stops a refresh that hangs when its lease runs out, so the session is not held forever', async () => {
    const inProcess = createInProcessLock()
    const lock: SessionLock = { runExclusive: (key, task) => inProcess.runExclusive(key, task, { leaseMs: 50 }) }
    // The request timeout is far away: only the lease can end this refresh.
    const world = vatWorld({ server, grantflow: { lock, timeoutMs: 10 * 60_000, retry: false } })
    await world.grantflow.apis.vat.obligations(query)
    world.clock.advance(FOUR_HOURS + 1)
    world.kit.fail({ endpoint: 'token', kind: 'slow', delayMs: 10 * 60_000, grant: 'refresh_token' })
    const error = await world.grantflow.apis.vat.obligations(query).catch((e) => e)
    expect(error).toBeInstanceOf(ProviderUnreachableError)
    expect(error.reason).toBe('timeout')
  })
})
