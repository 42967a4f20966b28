import { useState, type ReactNode } from 'react'
import type { VatEnvironment } from '../providers.js'
import { EventLog } from './EventLog.js'
import { FaultPanel } from './FaultPanel.js'
import { StateChart } from './StateChart.js'

const TABS = ['State chart', 'Event log', 'Faults'] as const
type Tab = (typeof TABS)[number]

/** The demo's side panel: the running wizard's and session's charts, the event log, and the fault panel. */
export function UnderTheHood({ environment }: { environment: VatEnvironment }) {
  const [tab, setTab] = useState<Tab>('State chart')
  const panels: Record<Tab, ReactNode> = {
    'State chart': <StateChart />,
    'Event log': <EventLog />,
    Faults: <FaultPanel environment={environment} />,
  }
  return (
    <aside className="hood" aria-label="Under the hood">
      <header className="hood-header">
        <h2>Under the hood</h2>
        <p>grantflow's call wizard and token session, live</p>
      </header>
      <div className="tabs" role="tablist" aria-label="Under the hood">
        {TABS.map((name) => (
          <button
            key={name}
            type="button"
            role="tab"
            id={`tab-${name}`}
            aria-selected={tab === name}
            aria-controls={`panel-${name}`}
            tabIndex={tab === name ? 0 : -1}
            onClick={() => setTab(name)}
            onKeyDown={(event) => {
              if (event.key !== 'ArrowRight' && event.key !== 'ArrowLeft') return
              const next = TABS[(TABS.indexOf(name) + (event.key === 'ArrowRight' ? 1 : TABS.length - 1)) % TABS.length]!
              setTab(next)
              document.getElementById(`tab-${next}`)?.focus()
            }}
          >
            {name}
          </button>
        ))}
      </div>
      {/* Every panel stays mounted, so the chart keeps the run it has drawn while another tab shows. */}
      {TABS.map((name) => (
        <div key={name} className="tab-panel" role="tabpanel" id={`panel-${name}`} aria-labelledby={`tab-${name}`} hidden={tab !== name}>
          {panels[name]}
        </div>
      ))}
    </aside>
  )
}
