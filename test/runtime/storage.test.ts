import { describe, expect, it } from 'vitest'
import { createMemoryStore, StorageError, type SessionStore } from '../../src/index.js'
import { useMsw, vatWorld, VRN } from '../support/vatWorld.js'

const server = useMsw()
const query = { vrn: VRN, from: '2025-01-01', to: '2025-12-31' }

/** A store that fails as a browser's does: out of quota on writes, or refused altogether. */
function failingStore(mode: { writes?: string; reads?: string }): SessionStore {
  const store = createMemoryStore()
  const fail = (name: string | undefined) => {
    if (name) throw new DOMException('the storage said no', name)
  }
  return {
    ...store,
    get: async (key) => (fail(mode.reads), store.get(key)),
    set: async (session, expected) => (fail(mode.writes), store.set(session, expected)),
    list: async (user) => (fail(mode.reads), store.list(user)),
  }
}

describe('a session store that fails', () => {
  it('ends a consent whose tokens cannot be kept in StorageError (full), and the call works once it has room', async () => {
    const mode: { writes?: string } = { writes: 'QuotaExceededError' }
    const { grantflow } = vatWorld({ server, store: failingStore(mode) })
    const error = await grantflow.apis.vat.obligations(query).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StorageError)
    expect(error).toMatchObject({ code: 'storage_unavailable', reason: 'full' })
    delete mode.writes
    await expect(grantflow.apis.vat.obligations(query)).resolves.toHaveProperty('obligations')
  })

  it("keeps no token in StorageError's cause, though a database's message may quote the row", async () => {
    const inner = createMemoryStore()
    const quoting: SessionStore = {
      ...inner,
      async set(session, expected) {
        if (session.tokens) throw new Error(`duplicate key value violates unique constraint: ${JSON.stringify(session)}`)
        return inner.set(session, expected)
      },
    }
    // The tokens the provider issues, as they cross the wire.
    const issued: string[] = []
    const recordingFetch: typeof fetch = async (input, init) => {
      const response = await globalThis.fetch(input, init)
      if (String(input).includes('/oauth/token')) {
        const body = (await response.clone().json()) as { access_token?: string; refresh_token?: string }
        issued.push(...[body.access_token, body.refresh_token].filter((t): t is string => !!t))
      }
      return response
    }
    const { grantflow } = vatWorld({ server, store: quoting, grantflow: { fetch: recordingFetch } })
    const error = await grantflow.apis.vat.obligations(query).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StorageError)
    expect(issued.length).toBeGreaterThan(0)
    const seen = JSON.stringify({ error, cause: String((error as Error).cause), message: (error as Error).message })
    for (const token of issued) expect(seen).not.toContain(token)
  })

  it('lists sessions with StorageError (unavailable) when the browser refuses the storage, not a DOMException', async () => {
    const { grantflow } = vatWorld({ server, store: failingStore({ reads: 'SecurityError' }) })
    const error = await grantflow.sessions.list({ kind: 'company', id: 'acme-ltd' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StorageError)
    expect(error).toMatchObject({ reason: 'unavailable' })
  })
})
