// The page's side of the embedded provider's control route (embeddedProvider()'s /__embedded):
// what the real server recorded, read over HTTP, and the faults the panel injects. The page never
// sees a token: the records are counters, receipts and an access log.
import type { EmbeddedFault, EmbeddedRecords } from '../../devServer/controlProtocol.js'
import type { Timeline } from '../devtools/timeline.js'
import { EMBEDDED } from '../providers.js'

export type { EmbeddedFault, EmbeddedRecords }

export class ControlRouteError extends Error {}

async function control<T>(path: string, init?: RequestInit): Promise<T | undefined> {
  const response = await fetch(`${EMBEDDED.controlPath}${path}`, init)
  if (!response.ok) throw new ControlRouteError(`the embedded provider answered ${response.status} to ${path}`)
  return response.status === 204 ? undefined : ((await response.json()) as T)
}

/** What the embedded provider and its VAT API recorded; the log from `since` on. */
export async function readEmbeddedRecords(since = 0): Promise<EmbeddedRecords> {
  return (await control<EmbeddedRecords>(`/records?since=${since}`))!
}

/** Breaks the embedded provider on purpose, once. */
export async function injectEmbeddedFault(fault: EmbeddedFault): Promise<void> {
  await control('/faults', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fault) })
}

export interface EmbeddedFollower {
  /** The latest records (undefined before the first read). */
  records(): EmbeddedRecords | undefined
  subscribe(listener: () => void): () => void
  /** Reads now, instead of at the next tick: after a fault, or when the panel opens. */
  refresh(): Promise<void>
}

const SEEN_KEY = 'ledgerline.embedded.seen'

/**
 * Follows the embedded provider: its access log into the event log (each line once, across the
 * page loads a redirect makes), its records for the fault panel. Polls while the page is shown.
 */
export function followEmbeddedProvider(timeline: Timeline, intervalMs = 1000): EmbeddedFollower {
  let latest: EmbeddedRecords | undefined
  // A new tab starts at the log's end (what other tabs did is theirs); a tab back from the
  // provider goes on from where it was.
  const stored = sessionStorage.getItem(SEEN_KEY)
  let seen: number | undefined = stored === null ? undefined : Number(stored) || 0
  let reading: Promise<void> | undefined
  const listeners = new Set<() => void>()

  async function read() {
    let records = await readEmbeddedRecords(seen ?? Number.MAX_SAFE_INTEGER)
    seen ??= records.lastSeq
    // The dev server restarted since the last read: its log starts again from 1.
    if (records.lastSeq < seen) records = await readEmbeddedRecords((seen = 0))
    for (const line of records.log) {
      if (line.seq <= seen) continue
      seen = line.seq
      timeline.add({
        source: 'provider',
        actor: line.source === 'api' ? 'Local VAT API' : 'Local provider',
        what: line.what,
        outcome: line.status === 0 ? 'connection dropped' : line.error ? `${line.status} ${line.error}` : String(line.status),
        tone: line.status >= 200 && line.status < 400 ? 'good' : 'bad',
      })
    }
    sessionStorage.setItem(SEEN_KEY, String(seen))
    latest = records
    listeners.forEach((listener) => listener())
  }
  // One read at a time; a failed one (the dev server restarting) is tried again at the next tick.
  const refresh = () =>
    (reading ??= read()
      .catch(() => undefined)
      .finally(() => (reading = undefined)))
  setInterval(() => {
    if (document.visibilityState === 'visible') void refresh()
  }, intervalMs)
  void refresh()

  return {
    records: () => latest,
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    refresh,
  }
}
