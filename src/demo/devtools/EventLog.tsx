import { useSyncExternalStore } from 'react'
import { formatTime } from '../app/format.js'
import { getDemo } from '../demo.js'
import type { TimelineSource } from './timeline.js'

const SOURCES: Record<TimelineSource, string> = {
  wizard: 'Wizard',
  session: 'Session',
  provider: 'Provider',
  fault: 'Fault',
  app: 'App',
}

/** Every event the wizards and token sessions took, every request the fake providers answered. */
export function EventLog() {
  const { timeline } = getDemo().world
  const entries = useSyncExternalStore(timeline.subscribe, timeline.entries)
  return (
    <div className="log">
      <div className="log-toolbar">
        <span>{entries.length} events</span>
        <button type="button" className="link-button" onClick={timeline.clear} disabled={entries.length === 0}>
          Clear
        </button>
      </div>
      {entries.length === 0 ? (
        <p className="muted log-empty">Nothing yet. Submit a return and watch grantflow work.</p>
      ) : (
        <ol className="log-list" aria-label="Event log" reversed>
          {[...entries].reverse().map((entry) => (
            <li key={entry.id} className={`log-entry is-${entry.source}${entry.tone ? ` tone-${entry.tone}` : ''}`}>
              <time>{formatTime(entry.at)}</time>
              <span className={`log-source is-${entry.source}`} title={SOURCES[entry.source]}>
                {SOURCES[entry.source]}
              </span>
              <span className="log-body">
                <span className="log-actor">{entry.actor}</span>
                <span className="log-what">{entry.what}</span>
                {entry.outcome && <span className="log-outcome">→ {entry.outcome}</span>}
              </span>
            </li>
          ))}
        </ol>
      )}
    </div>
  )
}
