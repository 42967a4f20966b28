import type { AnyActorRef, InspectionEvent } from 'xstate'
import type { Inspect } from './inspection.js'

// Inspection events leave the app (the README points them at the Stately inspector's origin), so
// they carry no secret: tokens, codes, PKCE verifiers, nonces, states and client secrets are cut
// to their last characters, "…a1b2", enough to tell two apart in the inspector. Loaded only when
// the app passes `inspect` (see inspection.ts), so the page-load bundle does not pay for it.

/** Field names whose value is a secret, compared lowercased without `_` and `-`. */
const SECRET_FIELDS = new Set([
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'codeverifier',
  'nonce',
  'state',
  'code',
  'clientsecret',
  'clientassertion',
  'password',
  'authorization',
  'cookie',
  'setcookie',
  // Binds a callback to the browser that started its authorization (ConsentRequiredError.binding).
  'binding',
])

const normalise = (name: string) => name.toLowerCase().replace(/[-_]/g, '')

/** Query or form parameters with a secret value: `iss`, `scope` or `code_challenge` are kept. */
const SECRET_PARAMETER = /([?&#;]|^)(code|state|nonce|access_token|refresh_token|id_token|code_verifier|client_secret|client_assertion)=([^&#\s"']*)/gi
const CREDENTIALS = /\b(Bearer|Basic|DPoP)\s+([\w\-.~+/]+=*)/gi

/** "…a1b2": the last four characters of a long secret, nothing of a short one. */
export function redactSecret(value: string): string {
  return value.length >= 16 ? `…${value.slice(-4)}` : '…'
}

/** A string with the secrets of any query parameters or credentials in it redacted. */
export function redactString(value: string): string {
  if (!value.includes('=') && !/Bearer|Basic|DPoP/i.test(value)) return value
  return value
    .replace(SECRET_PARAMETER, (_, before: string, name: string, secret: string) => `${before}${name}=${redactSecret(secret)}`)
    .replace(CREDENTIALS, (_, scheme: string, secret: string) => `${scheme} ${redactSecret(secret)}`)
}

/**
 * grantflow's error codes (`token_endpoint_error`, the provider's `invalid_grant`) share the
 * name `code` with authorization codes; a snake_case word list is no random code, so it is kept.
 */
const isErrorCode = (value: string) => /^[a-z]+(_[a-z]+)+$/.test(value) && value.length <= 40

function isSecretField(name: string, value: string): boolean {
  const field = normalise(name)
  return SECRET_FIELDS.has(field) && !(field === 'code' && isErrorCode(value))
}

function isActorRef(value: object): value is AnyActorRef {
  const ref = value as Partial<AnyActorRef>
  return typeof ref.sessionId === 'string' && typeof ref.send === 'function' && typeof ref.getSnapshot === 'function'
}

/**
 * Redacts inspection events. Each event becomes a new object, the machines' own snapshots and
 * events are never changed; an object is redacted once (snapshots keep their identity from one
 * read to the next, as React's useSyncExternalStore needs).
 */
export function createInspectionRedactor(): (event: InspectionEvent) => InspectionEvent {
  const redacted = new WeakMap<object, unknown>()

  const redactField = (name: string, value: unknown): unknown => (typeof value === 'string' && isSecretField(name, value) ? redactSecret(value) : redact(value))

  const redactEntries = <T extends object>(from: Iterable<[string, string]>, to: T, add: (to: T, name: string, value: string) => void): T => {
    for (const [name, value] of from) add(to, name, isSecretField(name, value) ? redactSecret(value) : redactString(value))
    return to
  }

  const redactError = (error: Error): Error => {
    const copy = Object.create(Object.getPrototypeOf(error) as object) as Error
    redacted.set(error, copy)
    for (const name of Object.getOwnPropertyNames(error)) {
      const descriptor = Object.getOwnPropertyDescriptor(error, name)!
      if ('value' in descriptor) descriptor.value = name === 'code' ? descriptor.value : redactField(name, descriptor.value)
      Object.defineProperty(copy, name, descriptor)
    }
    return copy
  }

  /**
   * An actor ref as the inspector sees it: the same actor, whose snapshots are read redacted
   * (the Stately inspector reads `getSnapshot()` of each actor it is told of, a promise actor's
   * input and output included). One facade per actor, so refs compare equal from event to event.
   */
  const facadeOf = (actor: AnyActorRef): AnyActorRef => {
    const redactSnapshots = (listener: (snapshot: unknown) => void) => (snapshot: unknown) => listener(redact(snapshot))
    const facade = new Proxy(actor, {
      get(target, name) {
        if (name === 'getSnapshot' || name === 'getPersistedSnapshot') return () => redact(target[name]())
        if (name === 'subscribe') {
          return (next: unknown, ...rest: unknown[]) => {
            if (typeof next === 'function') return target.subscribe(redactSnapshots(next as (s: unknown) => void), ...(rest as []))
            const observer = next as { next?: (s: unknown) => void; error?: (e: unknown) => void; complete?: () => void }
            return target.subscribe({
              ...(observer.next && { next: redactSnapshots(observer.next.bind(observer)) }),
              ...(observer.error && { error: (e: unknown) => observer.error!(redact(e)) }),
              ...(observer.complete && { complete: observer.complete.bind(observer) }),
            })
          }
        }
        const value: unknown = Reflect.get(target, name, target)
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value
      },
    })
    redacted.set(actor, facade)
    return facade
  }

  function redact(value: unknown): unknown {
    if (typeof value === 'string') return redactString(value)
    if (!value || typeof value !== 'object') return value
    const known = redacted.get(value)
    if (known !== undefined) return known
    if (isActorRef(value)) return facadeOf(value)
    if (value instanceof Error) return redactError(value)
    if (value instanceof URL) return new URL(redactString(value.href))
    if (value instanceof URLSearchParams) return redactEntries(value, new URLSearchParams(), (to, name, v) => to.append(name, v))
    if (typeof Headers !== 'undefined' && value instanceof Headers) return redactEntries(value, new Headers(), (to, name, v) => to.append(name, v))
    // A Response or Request holds its unread body (a token response): only what is safe to show.
    if (typeof Response !== 'undefined' && value instanceof Response) return { status: value.status, url: redactString(value.url) }
    if (typeof Request !== 'undefined' && value instanceof Request) return { method: value.method, url: redactString(value.url) }
    if (Array.isArray(value)) {
      const copy: unknown[] = []
      redacted.set(value, copy)
      for (const item of value) copy.push(redact(item))
      return copy
    }
    if (value instanceof Map) {
      const copy = new Map<unknown, unknown>()
      redacted.set(value, copy)
      for (const [k, v] of value) copy.set(k, typeof k === 'string' ? redactField(k, v) : redact(v))
      return copy
    }
    if (value instanceof Set) {
      const copy = new Set<unknown>()
      redacted.set(value, copy)
      for (const item of value) copy.add(redact(item))
      return copy
    }
    const prototype = Object.getPrototypeOf(value) as object | null
    // Class instances other than those above are the machines' own (StateMachine, StateNode):
    // definitions, not data.
    if (prototype !== Object.prototype && prototype !== null) return value
    const copy: Record<string, unknown> = {}
    redacted.set(value, copy)
    for (const [name, item] of Object.entries(value)) copy[name] = redactField(name, item)
    return copy
  }

  return (event) => {
    const copy: Record<string, unknown> = {}
    for (const [name, value] of Object.entries(event)) {
      // A microstep's transitions are the machine's definitions, compared by identity (coverage tools).
      copy[name] = name === '_transitions' ? value : redact(value)
    }
    return copy as unknown as InspectionEvent
  }
}

/** The app's inspector behind the redactor: an event that cannot be redacted is dropped, never sent as is. */
export function redactingInspector(inspect: Inspect): (event: InspectionEvent) => void {
  const deliver = typeof inspect === 'function' ? inspect : (event: InspectionEvent) => inspect.next?.(event)
  const redact = createInspectionRedactor()
  return (event) => {
    let safe: InspectionEvent
    try {
      safe = redact(event)
    } catch {
      return
    }
    deliver(safe)
  }
}
