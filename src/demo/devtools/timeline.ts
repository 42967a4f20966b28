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

export function createTimeline(): Timeline {
  let entries: TimelineEntry[] = []
  let next = 1
  const listeners = new Set<() => void>()
  // Entries arrive from inside React renders (a session started by useSession logs its start):
  // listeners hear of them after the render, once per batch.
  let scheduled = false
  const notify = () => {
    if (scheduled) return
    scheduled = true
    queueMicrotask(() => {
      scheduled = false
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
