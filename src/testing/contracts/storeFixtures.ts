import { APPLICATION_USER, emptySession, type ApiUser, type PendingAuthorization, type Session } from '../../model/session.js'

// The records the store contract writes. Every secret carries a marker, so a raw dump of the
// store can be searched for it.

export const SECRET_MARKER = 'contract-secret'

export const acme: ApiUser = { kind: 'company', id: 'acme-ltd' }
export const other: ApiUser = { kind: 'company', id: 'other-ltd' }
/** A person whose id is the company's: only the kind tells their sessions apart. */
export const acmePerson: ApiUser = { kind: 'user', id: 'acme-ltd' }

/** A connected session, version 1, with tokens named after whose it is. */
export function connectedSession(apiUser: ApiUser = acme, api = 'vat', environment = 'sandbox'): Session {
  const owner = `${apiUser.kind}-${apiUser.id}-${api}-${environment}`
  return {
    ...emptySession({ api, environment, apiUser }, 1_000),
    tokens: {
      accessToken: `at-${SECRET_MARKER}-${owner}`,
      refreshToken: `rt-${SECRET_MARKER}-${owner}`,
      tokenType: 'bearer',
      scopes: ['read:vat'],
      expiresAt: 3_600_000,
      receivedAt: 1_000,
    },
    version: 1,
  }
}

/** The application's own session for one scope set (client credentials): keyed by the set too. */
export function applicationSession(scopes: string[]): Session {
  return {
    ...emptySession({ api: 'vat', environment: 'sandbox', apiUser: APPLICATION_USER, scopes }, 1_000),
    tokens: { accessToken: `at-${SECRET_MARKER}-application-${scopes.join('+')}`, tokenType: 'bearer', scopes, expiresAt: 3_600_000, receivedAt: 1_000 },
    version: 1,
  }
}

/** A pending authorization waiting for its callback, created at `createdAt`. */
export function pendingAuthorization(state: string, createdAt = 1_000): PendingAuthorization {
  return {
    state,
    codeVerifier: `verifier-${SECRET_MARKER}-${state}`,
    nonce: `nonce-${SECRET_MARKER}-${state}`,
    binding: `binding-${SECRET_MARKER}-${state}`,
    scopes: ['read:vat'],
    createdAt,
    returnTo: '/returns',
    call: { api: 'vat', endpoint: 'submitReturn', params: { vrn: '123456789' }, body: { periodKey: '24A1', netVatDue: 750 } },
  }
}

/** The session waiting on `state`. */
export function waitingSession(state: string, apiUser: ApiUser = acme, api = 'vat', environment = 'sandbox'): Session {
  return { ...connectedSession(apiUser, api, environment), pending: pendingAuthorization(state) }
}

/** The session as a take leaves it: without its pending authorization, one version on. */
export function afterTake(session: Session): Session {
  const { pending: _taken, ...rest } = session
  return { ...rest, version: (session.version ?? 0) + 1 }
}
