import { delay, HttpResponse } from 'msw'
import type { KitFault } from './types.js'

/** Faults waiting for requests, each with the number of requests it has left. */
export type FaultQueue = Array<{ fault: KitFault; remaining: number }>

/** Default hold-back for a `slow` fault. */
export const SLOW_DEFAULT_MS = 1000

/** Seconds a 503 or 429 fault asks the client to wait. */
export const RETRY_AFTER_SECONDS = 2

export function addFault(queue: FaultQueue, fault: KitFault): void {
  const times = fault.times ?? 1
  if (!(times >= 1)) throw new RangeError(`provider kit: a fault's times must be at least 1 (got ${times})`)
  if (fault.grant && fault.endpoint !== 'token') throw new TypeError('provider kit: only token faults can name a grant')
  queue.push({ fault, remaining: times })
}

/**
 * The first fault waiting for this endpoint (and grant, for token faults that name one), used once.
 * Faults are met in the order they were added.
 */
export function takeFault(queue: FaultQueue, endpoint: KitFault['endpoint'], grant?: string | null): KitFault | undefined {
  const index = queue.findIndex(({ fault }) => fault.endpoint === endpoint && (fault.grant === undefined || fault.grant === grant))
  const entry = queue[index]
  if (!entry) return undefined
  entry.remaining -= 1
  if (entry.remaining <= 0) queue.splice(index, 1)
  return entry.fault
}

/**
 * The response a fault replaces the normal answer with, or undefined when the request goes on
 * (after a `slow` fault's delay).
 */
export async function faultResponse(fault: KitFault): Promise<Response | undefined> {
  const retryAfter = { 'retry-after': String(RETRY_AFTER_SECONDS) }
  switch (fault.kind) {
    case 'slow':
      await delay(fault.delayMs ?? SLOW_DEFAULT_MS)
      return undefined
    case 'network':
      return HttpResponse.error()
    case 'server_error':
      return HttpResponse.json({ error: 'server_error', error_description: 'Internal Server Error' }, { status: 500 })
    case 'unavailable':
      return HttpResponse.text('Service Unavailable', { status: 503, headers: retryAfter })
    case 'rate_limited':
      return HttpResponse.json(
        { error: 'rate_limited', message: 'The request for the API is throttled as you have exceeded your quota.' },
        { status: 429, headers: retryAfter },
      )
    case 'malformed_json':
      // A body cut short mid-stream: declared JSON, not parseable.
      return new HttpResponse('{"access_token":"', { status: 200, headers: { 'content-type': 'application/json' } })
    case 'invalid_grant':
      return HttpResponse.json(
        { error: 'invalid_grant', error_description: 'The grant is invalid (injected fault)' },
        { status: 400, headers: { 'cache-control': 'no-store' } },
      )
  }
}
