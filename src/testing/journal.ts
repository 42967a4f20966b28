import type { KitCounters, KitGrantType, KitRequestRecord } from './types.js'

/** What the kit was asked: live counters and a request log without token values. */
export interface Journal {
  counters: KitCounters
  requests: KitRequestRecord[]
}

export function createJournal(): Journal {
  return { counters: zeroCounters(), requests: [] }
}

/** Zeroes the counters and empties the log in place, so references a test holds stay live. */
export function clearJournal(journal: Journal): void {
  const { tokenRequestsByGrant, ...rest } = zeroCounters()
  Object.assign(journal.counters, rest)
  Object.assign(journal.counters.tokenRequestsByGrant, tokenRequestsByGrant)
  journal.requests.length = 0
}

export function isKitGrantType(value: string | null | undefined): value is KitGrantType {
  return value === 'authorization_code' || value === 'refresh_token' || value === 'client_credentials'
}

/** Logs an answered request and returns its response. The URL is logged without its fragment. */
export function recordRequest(journal: Journal, entry: Omit<KitRequestRecord, 'status'>, response: Response): Response {
  const url = new URL(entry.url)
  url.hash = ''
  journal.requests.push({ ...entry, url: url.href, status: response.type === 'error' ? 0 : response.status })
  return response
}

function zeroCounters(): KitCounters {
  return {
    tokenRequests: 0,
    tokenRequestsByGrant: { authorization_code: 0, refresh_token: 0, client_credentials: 0 },
    authorizations: 0,
    apiCalls: 0,
    revocations: 0,
    discovery: 0,
  }
}
