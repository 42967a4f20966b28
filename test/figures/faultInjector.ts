import type { KeyValueStorage } from '../../src/session/browserStore.js'

/** The requests the matrix can fault, by what they are for. */
export type RequestKind = 'discovery' | 'authorize' | 'token' | 'revoke' | 'api'

/** A request as the injector classifies it. */
export interface SeenRequest {
  kind: RequestKind
  method: string
  url: URL
  /** For token requests: the grant_type sent. */
  grant?: string
  /** For API requests: the body sent, as text. */
  body?: string
}

/** Faults that change how one HTTP request is answered. */
export type HttpFault = 'network' | 'timeout' | 'http500' | 'http503' | 'malformedJson' | 'htmlPage' | 'noAccessToken' | 'invalidGrant' | 'invalidClient'

/** Retry-After of the 503 fault: one second, the shortest a server can ask for. */
export const RETRY_AFTER_SECONDS = 1

const json = (body: unknown, status: number, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers } })

/** The answer an HTTP fault puts in place of the real one. */
async function faultAnswer(fault: HttpFault, signal: AbortSignal | null | undefined): Promise<Response> {
  switch (fault) {
    case 'network':
      throw new TypeError('fetch failed')
    case 'timeout':
      // Never answers: only the caller's own signal (its timeout) ends the wait.
      return new Promise((_, reject) => {
        if (signal?.aborted) reject(signal.reason)
        signal?.addEventListener('abort', () => reject(signal.reason), { once: true })
      })
    case 'http500':
      return json({ error: 'server_error', error_description: 'Internal Server Error' }, 500)
    case 'http503':
      return new Response('Service Unavailable', { status: 503, headers: { 'retry-after': String(RETRY_AFTER_SECONDS), 'content-type': 'text/plain' } })
    case 'malformedJson':
      return new Response('{"access_token":"', { status: 200, headers: { 'content-type': 'application/json' } })
    case 'htmlPage':
      return new Response('<!doctype html><html><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>', {
        status: 502,
        headers: { 'content-type': 'text/html' },
      })
    case 'noAccessToken':
      return json({ token_type: 'Bearer', expires_in: 3600, scope: 'read' }, 200)
    case 'invalidGrant':
      return json({ error: 'invalid_grant', error_description: 'The grant is invalid (injected fault)' }, 400)
    case 'invalidClient':
      return json({ error: 'invalid_client', error_description: 'Client authentication failed (injected fault)' }, 401, {
        'www-authenticate': 'Basic realm="acme"',
      })
  }
}

/** What an armed fault does to the first request it matches. */
type Action = { fault: HttpFault } | { hold: (release: () => void) => void; finished: () => void } | { tap: () => void }

interface Armed {
  matches: (request: SeenRequest) => boolean
  action: Action
}

/**
 * A fetch in front of the provider kit's (MSW's) that faults one matching request at a time and
 * counts what was sent: the "network" between the app's runtime (or its user's browser) and the
 * provider. Every token it sees in an answer is remembered, so tests can check no error repeats one.
 */
export function createFaultInjector(hosts: { login: string; api: string }) {
  const armed: Armed[] = []
  const sent: SeenRequest[] = []
  const tokensSeen = new Set<string>()
  let closed = false

  const classify = async (url: URL, init: RequestInit | undefined): Promise<SeenRequest> => {
    const method = (init?.method ?? 'GET').toUpperCase()
    if (url.host === hosts.api) return { kind: 'api', method, url, ...(typeof init?.body === 'string' && { body: init.body }) }
    if (url.pathname.startsWith('/.well-known/')) return { kind: 'discovery', method, url }
    if (url.pathname.endsWith('/revoke')) return { kind: 'revoke', method, url }
    if (url.pathname.endsWith('/token')) {
      const body = init?.body
      const form = body instanceof URLSearchParams ? body : new URLSearchParams(typeof body === 'string' ? body : '')
      return { kind: 'token', method, url, grant: form.get('grant_type') ?? undefined }
    }
    return { kind: 'authorize', method, url }
  }

  const remember = async (response: Response) => {
    if (!(response.headers.get('content-type') ?? '').includes('json')) return
    try {
      const body = (await response.clone().json()) as Record<string, unknown>
      for (const field of ['access_token', 'refresh_token', 'id_token']) if (typeof body[field] === 'string') tokensSeen.add(body[field])
    } catch {
      // Not JSON after all: nothing to remember.
    }
  }

  const fetch: typeof globalThis.fetch = async (input, init) => {
    const entry = await take(input, init)
    try {
      return await send(entry, input, init)
    } finally {
      if (entry && 'finished' in entry.action) entry.action.finished()
    }
  }

  const take = async (input: Parameters<typeof globalThis.fetch>[0], init: RequestInit | undefined) => {
    if (closed) throw new TypeError('fetch failed (the test world is closed)')
    const url = new URL(input instanceof Request ? input.url : String(input))
    const request = await classify(url, init)
    sent.push(request)
    const index = armed.findIndex((entry) => entry.matches(request))
    return index >= 0 ? armed.splice(index, 1)[0] : undefined
  }

  const send = async (entry: Armed | undefined, input: Parameters<typeof globalThis.fetch>[0], init: RequestInit | undefined) => {
    if (entry && 'fault' in entry.action) {
      return faultAnswer(entry.action.fault, init?.signal)
    } else if (entry && 'hold' in entry.action) {
      const { hold } = entry.action
      await new Promise<void>((resolve) => hold(resolve))
    } else if (entry && 'tap' in entry.action) {
      entry.action.tap()
    }
    const response = await globalThis.fetch(input, init)
    await remember(response)
    return response
  }

  return {
    fetch,
    /** Every request sent, in order, with injected faults' requests among them. */
    sent,
    tokensSeen,
    /** The first request matching meets the fault, once. */
    fail(matches: Armed['matches'], fault: HttpFault) {
      armed.push({ matches, action: { fault } })
    },
    /** The first request matching waits until the returned release is called, then goes on. */
    hold(matches: Armed['matches']): { reached: Promise<void>; release: () => void; finished: Promise<void> } {
      let release!: () => void
      let reachedResolve!: () => void
      let finishedResolve!: () => void
      const reached = new Promise<void>((resolve) => (reachedResolve = resolve))
      const released = new Promise<void>((resolve) => (release = resolve))
      const finished = new Promise<void>((resolve) => (finishedResolve = resolve))
      armed.push({ matches, action: { hold: (go) => (reachedResolve(), void released.then(go)), finished: finishedResolve } })
      return { reached, release, finished }
    },
    /** Runs `effect` when the first request matching is sent (the request then goes on). */
    tap(matches: Armed['matches'], effect: () => void) {
      armed.push({ matches, action: { tap: effect } })
    },
    /** Drops what is still armed and says how many armed faults (or taps) no request met. */
    disarm(): number {
      const unmet = armed.length
      armed.length = 0
      return unmet
    },
    /** Refuses every later request, so a test's leftover actors cannot reach the next test's world. */
    close() {
      closed = true
      armed.length = 0
    },
  }
}

export type FaultInjector = ReturnType<typeof createFaultInjector>

/** How a Web Storage area misbehaves: full (writes refused), or unavailable (every access throws). */
export type StorageFault = 'full' | 'unavailable'

/** An in-memory Web Storage area that can be made full or unavailable, and outlives a runtime (a tab's sessionStorage). */
export function faultyStorage() {
  const items = new Map<string, string>()
  let fault: StorageFault | undefined
  let refused = 0
  const check = (write: boolean) => {
    if (fault === 'unavailable') throw (refused++, new DOMException('The operation is insecure.', 'SecurityError'))
    if (fault === 'full' && write) throw (refused++, new DOMException("Failed to execute 'setItem' on 'Storage': exceeded the quota.", 'QuotaExceededError'))
  }
  const storage: KeyValueStorage & { fault: StorageFault | undefined; readonly refused: number; readonly values: string[] } = {
    /** How many accesses the fault refused: a fault no access met proved nothing. */
    get refused() {
      return refused
    },
    /** What the area holds, read past any fault (what the tab would find once the storage is back). */
    get values() {
      return [...items.values()]
    },
    get fault() {
      return fault
    },
    set fault(value) {
      fault = value
    },
    get length() {
      check(false)
      return items.size
    },
    key(index) {
      check(false)
      return [...items.keys()][index] ?? null
    },
    getItem(key) {
      check(false)
      return items.get(key) ?? null
    },
    setItem(key, value) {
      check(true)
      items.set(key, String(value))
    },
    removeItem(key) {
      check(false)
      items.delete(key)
    },
  }
  return storage
}
