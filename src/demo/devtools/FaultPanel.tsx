import { useState, useSyncExternalStore } from 'react'
import type { KitFault } from 'grantflow/testing'
import { formatMoney, formatTime } from '../app/format.js'
import { getDemo } from '../demo.js'
import type { HmrcEnvironment, ProviderSide } from '../world/world.js'

interface Fault {
  label: string
  hint: string
  apply: (side: ProviderSide) => void
}

const fail = (fault: KitFault) => (side: ProviderSide) => side.kit.fail(fault)

const FAULTS: Fault[] = [
  { label: 'Expire the access token now', hint: 'The next call is refused (401); grantflow refreshes silently and retries.', apply: (side) => side.kit.expireAccessTokens() },
  { label: 'Revoke access at the provider', hint: 'Tokens and the refresh token stop working: the wizard asks for consent again.', apply: (side) => side.kit.revokeAll() },
  { label: 'Fail the next API call (503)', hint: 'The wizard shows the error in words; Try again resends the same call.', apply: fail({ endpoint: 'api', kind: 'unavailable' }) },
  { label: 'Fail the next refresh (503)', hint: 'Expire the token too: the refresh fails, the call is kept for a retry.', apply: fail({ endpoint: 'token', kind: 'unavailable', grant: 'refresh_token' }) },
  { label: 'Slow down the next API call (3 s)', hint: 'Watch the wizard wait in calling or retrying.', apply: fail({ endpoint: 'api', kind: 'slow', delayMs: 3000 }) },
  { label: 'Drop the network on the next API call', hint: 'A network failure: the provider cannot be reached.', apply: fail({ endpoint: 'api', kind: 'network' }) },
  { label: 'Deny the next consent', hint: 'Whatever the user answers, the provider says access_denied.', apply: (side) => getDemo().world.denyNextConsent(side) },
]

/** Breaks the fake providers on purpose, to watch the wizard recover. */
export function FaultPanel({ environment }: { environment: HmrcEnvironment }) {
  const { world } = getDemo()
  const [target, setTarget] = useState<'hmrc' | 'odoo'>('hmrc')
  const side = target === 'hmrc' ? world.hmrc[environment] : world.odoo
  // Re-read the provider's records whenever the event log moves (every request is logged).
  useSyncExternalStore(world.timeline.subscribe, world.timeline.entries)
  const counters = side.kit.counters
  const submissions = world.hmrc[environment].vat.submissions

  const apply = (fault: Fault) => {
    fault.apply(side)
    world.timeline.add({ source: 'fault', actor: 'You', what: `${fault.label} (${side.label})` })
  }

  return (
    <div className="faults">
      <div className="segmented small" role="group" aria-label="Provider to break">
        {(['hmrc', 'odoo'] as const).map((id) => (
          <button key={id} type="button" aria-pressed={target === id} onClick={() => setTarget(id)}>
            {id === 'hmrc' ? world.hmrc[environment].label : 'Odoo'}
          </button>
        ))}
      </div>
      <ul className="fault-list">
        {FAULTS.map((fault) => (
          <li key={fault.label}>
            <button type="button" className="fault-button" onClick={() => apply(fault)}>
              {fault.label}
            </button>
            <p>{fault.hint}</p>
          </li>
        ))}
      </ul>
      <h3 className="panel-heading">What {side.label} has seen</h3>
      <dl className="counters" aria-label={`${side.label} counters`}>
        <div>
          <dt>Consents</dt>
          <dd>{counters.authorizations}</dd>
        </div>
        <div>
          <dt>Code exchanges</dt>
          <dd>{counters.tokenRequestsByGrant.authorization_code}</dd>
        </div>
        <div>
          <dt>Refreshes</dt>
          <dd>{counters.tokenRequestsByGrant.refresh_token}</dd>
        </div>
        <div>
          <dt>API calls</dt>
          <dd>{counters.apiCalls}</dd>
        </div>
      </dl>
      {target === 'hmrc' && (
        <>
          <h3 className="panel-heading">VAT returns received</h3>
          {submissions.length === 0 ? (
            <p className="muted">None yet.</p>
          ) : (
            <ul className="received" aria-label="VAT returns received by HMRC">
              {submissions.map((submission) => (
                <li key={submission.receiptId}>
                  <span>
                    Period <strong>{submission.periodKey}</strong> · net {formatMoney(submission.body.netVatDue)}
                  </span>
                  <time>{formatTime(Date.parse(submission.processingDate))}</time>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </div>
  )
}
