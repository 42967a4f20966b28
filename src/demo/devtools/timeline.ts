// The demo's event log: what the wizards and token sessions did, what the fake providers
// answered, and the faults the user injected, in one timeline.

export type TimelineSource = 'wizard' | 'session' | 'provider' | 'fault' | 'app'

export interface TimelineEntry {
  id: number
  at: number
  source: TimelineSource
  /** Who: "Wizard 2", "Session · HMRC VAT", "HMRC sandbox". */
  actor: string
  /** What happened: an event, a request. */
  what: string
  /** Where it led: a state, a status. */
  outcome?: string
  /** Marks an entry worth noticing (a failure, a refusal). */
  tone?: 'good' | 'bad'
}

const LIMIT = 300

export interface Timeline {
  add(entry: Omit<TimelineEntry, 'id' | 'at'>): void
  clear(): void
  subscribe(listener: () => void): () => void
  entries(): readonly TimelineEntry[]
}

/**
 * @param storageKey where the log is kept in sessionStorage, so that it survives the page loads
 *   of a redirect to a real provider and back; none: in memory only.
 */
export function createTimeline(storageKey?: string): Timeline {
  let entries: TimelineEntry[] = storageKey ? restore(storageKey) : []
  let next = (entries.at(-1)?.id ?? 0) + 1
  const listeners = new Set<() => void>()
  // Entries arrive from inside React renders (a session started by useSession logs its start):
  // listeners hear of them after the render, once per batch.
  let scheduled = false
  const notify = () => {
    if (scheduled) return
    scheduled = true
    queueMicrotask(() => {
      scheduled = false
      if (storageKey) save(storageKey, entries)
      listeners.forEach((listener) => listener())
    })
  }
  return {
    add(entry) {
      entries = [...entries.slice(-(LIMIT - 1)), { ...entry, id: next++, at: Date.now() }]
      notify()
    },
    clear() {
      entries = []
      notify()
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    entries: () => entries,
  }
}

function restore(key: string): TimelineEntry[] {
  try {
    const saved: unknown = JSON.parse(sessionStorage.getItem(key) ?? '[]')
    return Array.isArray(saved) ? (saved as TimelineEntry[]).filter((entry) => typeof entry?.id === 'number').slice(-LIMIT) : []
  } catch {
    return []
  }
}

function save(key: string, entries: readonly TimelineEntry[]) {
  try {
    sessionStorage.setItem(key, JSON.stringify(entries))
  } catch {
    // Storage full or refused: the log stays in memory.
  }
}
