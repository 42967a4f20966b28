import { describe, expect, it } from 'vitest'
import { createMemoryStore, type Session, type SessionStore } from '../../src/index.js'
import { sameApiUser } from '../../src/session/store.js'
import { runStoreContract } from '../../src/testing/index.js'
import { failed, runClauses } from './contractHarness.js'

// The store contract must catch the mistakes a third-party store makes: each store here has one,
// and the suite must fail on it, by the clause that names it.

type Flaw =
  | 'take not atomic'
  | 'list matches the id only'
  | 'keys ignore the environment'
  | 'keys ignore the scope set'
  | 'set without compare'
  | 'shares its objects'
  | 'take keeps the version'
  | 'state index never cleared'
  | 'seals nothing'

const pause = () => new Promise((resolve) => setTimeout(resolve, 1))

/** A store in memory with one flaw: otherwise as createMemoryStore. */
function flawedStore(flaw: Flaw): SessionStore {
  const sessions = new Map<string, Session>()
  const states = new Map<string, string>()
  // `vat/sandbox/company%3Aacme` kept as `vat/company%3Aacme`: a primary key without the environment.
  const slot = (key: string) => {
    if (flaw === 'keys ignore the environment') return key.split('/').toSpliced(1, 1).join('/')
    // `vat/sandbox/application%3Aapplication/read%3Avat`: a primary key of the API, environment and API user only.
    if (flaw === 'keys ignore the scope set') return key.split('/').slice(0, 3).join('/')
    return key
  }
  const copy = <T>(value: T): T => (flaw === 'shares its objects' ? value : structuredClone(value))
  const byState = (state: string) => {
    if (flaw === 'state index never cleared') return sessions.get(states.get(state) ?? '')
    return [...sessions.values()].find((session) => session.pending?.state === state)
  }
  return {
    async get(key) {
      const found = sessions.get(slot(key))
      return found && copy(found)
    },
    async set(session, expected) {
      const current = sessions.get(slot(session.key))
      if (flaw !== 'set without compare' && current?.version !== expected) return { written: false, current: current && copy(current) }
      sessions.set(slot(session.key), copy(session))
      if (session.pending) states.set(session.pending.state, slot(session.key))
      return { written: true }
    },
    async delete(key) {
      sessions.delete(slot(key))
    },
    async list(apiUser) {
      const matches = (session: Session) => (flaw === 'list matches the id only' ? session.apiUser.id === apiUser.id : sameApiUser(session.apiUser, apiUser))
      return [...sessions.values()].filter(matches).map(copy)
    },
    async findByState(state) {
      const found = byState(state)
      return found && copy(found)
    },
    async take(state) {
      const found = byState(state)
      if (!found?.pending) return undefined
      // Read, then written after a turn of the event loop: another taker reads in between.
      if (flaw === 'take not atomic') await pause()
      const { pending, ...rest } = found
      const session = { ...rest, version: flaw === 'take keeps the version' ? rest.version : (rest.version ?? 0) + 1 }
      sessions.set(slot(found.key), session)
      return copy({ pending, session })
    },
  }
}

/** The clause each flaw must fail (by its name's beginning). */
const caughtBy: Record<Flaw, string> = {
  'take not atomic': 'gives a pending authorization to exactly one of many concurrent takers',
  'list matches the id only': "lists one API user's sessions",
  'keys ignore the environment': 'keeps sessions apart per API, environment and API user',
  'keys ignore the scope set': "keeps the application's sessions apart per scope set",
  'set without compare': 'writes only over the version expected',
  'shares its objects': 'keeps copies',
  'take keeps the version': 'refuses a write prepared before the take',
  'state index never cleared': 'finds and takes a pending authorization replaced by a newer one by its new state only',
  'seals nothing': 'keeps no token, verifier, nonce, binding or pending call readable',
}

describe('the store contract', () => {
  it('passes a sound store, every clause run', async () => {
    const outcomes = await runClauses((test) => runStoreContract(test, { create: () => createMemoryStore() }))
    expect(outcomes.length).toBeGreaterThanOrEqual(14)
    expect(failed(outcomes)).toEqual([])
  })

  it.each(Object.entries(caughtBy))('fails a store whose %s, by the clause that says so', async (flaw, clause) => {
    const outcomes = await runClauses((test) =>
      runStoreContract(test, {
        seals: flaw === 'seals nothing',
        create: () => {
          const store = flawedStore(flaw as Flaw)
          // What it "sealed": the sessions as it keeps them, read through its own get.
          return { store, readRaw: async () => [await store.get('vat/sandbox/company%3Aacme-ltd')] }
        },
      }),
    )
    expect(failed(outcomes)).toContainEqual(expect.stringContaining(clause))
    expect(outcomes.find((outcome) => outcome.name.startsWith(clause))!.failure).toMatch(/^ContractViolation: /)
  })
})
