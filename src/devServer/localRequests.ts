// Who the embedded provider answers: processes on this machine, at an origin it knows. The peer's
// socket address decides "on this machine" (a Host or X-Forwarded-For header is whatever the client
// writes); the Host header then only picks which of a few known origins the request is for, so
// each origin is one provider and the set of them stays small. A tunnel's agent or a reverse proxy
// on this machine is a loopback peer too: that is why the Host must also be one of ours.
import type { IncomingMessage } from 'node:http'
import { BlockList, isIP } from 'node:net'

/** 127.0.0.0/8 and ::1; BlockList also matches their IPv4-mapped forms (`::ffff:127.0.0.1`). */
const LOOPBACK = new BlockList()
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4')
LOOPBACK.addAddress('::1', 'ipv6')

/** The loopback host names a browser on this machine may use for the dev server. */
const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'] as const

/** Whether a socket's remote address is this machine's loopback (`127.x.x.x`, `::1`, `::ffff:127.x.x.x`). */
export function isLoopbackAddress(address: string | undefined): boolean {
  const family = address === undefined ? 0 : isIP(address)
  return family !== 0 && LOOPBACK.check(address!, family === 4 ? 'ipv4' : 'ipv6')
}

/** What the decision reads of a request: a node:http IncomingMessage is one. */
export interface LocalRequest {
  headers: IncomingMessage['headers']
  socket: { remoteAddress?: string | undefined; localPort?: number | undefined }
}

export interface LocalRequestPolicy {
  /** The dev server speaks https. */
  secure: boolean
  /** The one other origin a request may name (a tunnel's, `https://ledgerline.example`), already checked by {@link parseConfiguredOrigin}. */
  configuredOrigin?: string | undefined
  /** Refuse browsers' requests from another origin (the control and server routes: no CORS for them). */
  sameOriginOnly: boolean
}

export type LocalRequestRefusal =
  | { status: 403; code: 'NOT_LOOPBACK'; message: string }
  | { status: 421; code: 'MISDIRECTED_REQUEST'; message: string }
  | { status: 403; code: 'CROSS_ORIGIN'; message: string }

export type LocalRequestDecision = { accepted: true; origin: string } | ({ accepted: false } & LocalRequestRefusal)

/**
 * Whether the embedded provider answers a request, and for which origin:
 * - the peer must be a loopback address (403 `NOT_LOOPBACK` otherwise, whatever its headers say);
 * - the Host must be `127.0.0.1`, `localhost` or `[::1]` at the port the connection came in on, or
 *   the configured origin's host (421 `MISDIRECTED_REQUEST` otherwise);
 * - with `sameOriginOnly`, an `Origin` header must be that origin and `Sec-Fetch-Site` must not say
 *   another site (403 `CROSS_ORIGIN` otherwise).
 *
 * @example
 * const decision = decideLocalRequest(req, { secure: false, sameOriginOnly: true })
 * if (!decision.accepted) return sendJson(res, decision.status, { code: decision.code, message: decision.message })
 */
export function decideLocalRequest(req: LocalRequest, policy: LocalRequestPolicy): LocalRequestDecision {
  if (!isLoopbackAddress(req.socket.remoteAddress)) {
    return { accepted: false, status: 403, code: 'NOT_LOOPBACK', message: 'The embedded provider answers requests from this machine only' }
  }
  const scheme = policy.secure ? 'https' : 'http'
  const port = req.socket.localPort
  const host = hostOf(req)
  const origin = host === undefined ? undefined : originFor(host, scheme, port, policy.configuredOrigin)
  if (origin === undefined) {
    const known = port === undefined ? [] : LOOPBACK_NAMES.map((name) => `${scheme}://${name}:${port}`)
    return {
      accepted: false,
      status: 421,
      code: 'MISDIRECTED_REQUEST',
      message: `The embedded provider answers at ${[...known, ...(policy.configuredOrigin ? [policy.configuredOrigin] : [])].join(', ')} only`,
    }
  }
  if (policy.sameOriginOnly) {
    const from = req.headers.origin
    const site = req.headers['sec-fetch-site']
    if ((from !== undefined && from !== origin) || site === 'cross-site' || site === 'same-site') {
      return { accepted: false, status: 403, code: 'CROSS_ORIGIN', message: `This route answers pages of ${origin} only` }
    }
  }
  return { accepted: true, origin }
}

/**
 * The origin a configured `origin` option names (`https://ledgerline.example`), normalized, or a
 * TypeError for anything that is not a bare http(s) origin.
 */
export function parseConfiguredOrigin(value: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new TypeError(`origin must be an http(s) origin such as https://ledgerline.example, not ${JSON.stringify(value)}`)
  }
  const bare = url.pathname === '/' && url.search === '' && url.hash === '' && url.username === '' && url.password === ''
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !bare) {
    throw new TypeError(`origin must be an http(s) origin without a path, query or credentials, not ${JSON.stringify(value)}`)
  }
  return url.origin
}

/**
 * A redirect URI the public client accepts on another origin than the provider's: https, or http
 * on a loopback host only (a code must never cross a network in clear), with no fragment.
 */
export function parseRedirectUri(value: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new TypeError(`publicClient.redirectUris: ${JSON.stringify(value)} is not a URL`)
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)
  if (!(url.protocol === 'https:' || (url.protocol === 'http:' && loopback)) || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new TypeError(`publicClient.redirectUris: ${JSON.stringify(value)} must be https, or http on loopback, without a fragment or credentials`)
  }
  return url.href
}

/** The Host header, or HTTP/2's `:authority`, lowercased. */
function hostOf(req: LocalRequest): string | undefined {
  const host = req.headers.host ?? req.headers[':authority']
  return typeof host === 'string' && host !== '' ? host.toLowerCase() : undefined
}

/** The origin a Host names when it is one of ours: a loopback name at our port, or the configured origin. */
function originFor(host: string, scheme: string, port: number | undefined, configuredOrigin: string | undefined): string | undefined {
  if (configuredOrigin !== undefined && host === new URL(configuredOrigin).host) return configuredOrigin
  if (port === undefined) return undefined
  const defaultPort = scheme === 'https' ? 443 : 80
  for (const name of LOOPBACK_NAMES) {
    // `localhost` and `localhost:80` are one origin: http://localhost.
    if (host === `${name}:${port}` || (port === defaultPort && host === name)) return new URL(`${scheme}://${name}:${port}`).origin
  }
  return undefined
}
