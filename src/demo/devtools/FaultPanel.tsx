import { useEffect, useState, useSyncExternalStore } from 'react'
import type { KitFault } from 'grantflow/testing'
import { formatMoney, formatTime } from '../app/format.js'
import { getDemo } from '../demo.js'
import { isSimulated, type VatEnvironment } from '../providers.js'
import { injectEmbeddedFault, type EmbeddedFault } from '../world/embedded.js'
import type { ProviderSide } from '../world/world.js'

/** One way to break a provider, said the same way for the simulated and the embedded ones. */
interface Fault {
  label: string
  hint: string
}

const EXPIRE = { label: 'Expire the access token now', hint: 'The next call is refused (401); grantflow refreshes silently and retries.' }
const REVOKE = { label: 'Revoke access at the provider', hint: 'Tokens and the refresh token stop working: the wizard asks for consent again.' }
const FAIL_API = { label: 'Fail the next API call (503)', hint: 'The wizard shows the error in words; Try again resends the same call.' }
const FAIL_REFRESH = { label: 'Fail the next refresh (503)', hint: 'Expire the token too: the refresh fails, the call is kept for a retry.' }
const SLOW_API = { label: 'Slow down the next API call (3 s)', hint: 'Watch the wizard wait in calling or retrying.' }
const DROP_API = { label: 'Drop the network on the next API call', hint: 'A network failure: the provider cannot be reached.' }
const DENY = { label: 'Deny the next consent', hint: 'Whatever the user answers, the provider says access_denied.' }

const fail = (fault: KitFault) => (side: ProviderSide) => side.kit.fail(fault)

/** The simulated providers' faults: the provider kit's, in this tab. */
const KIT_FAULTS: Array<Fault & { apply: (side: ProviderSide) => void }> = [
  { ...EXPIRE, apply: (side) => side.kit.expireAccessTokens() },
  { ...REVOKE, apply: (side) => side.kit.revokeAll() },
  { ...FAIL_API, apply: fail({ endpoint: 'api', kind: 'unavailable' }) },
  { ...FAIL_REFRESH, apply: fail({ endpoint: 'token', kind: 'unavailable', grant: 'refresh_token' }) },
  { ...SLOW_API, apply: fail({ endpoint: 'api', kind: 'slow', delayMs: 3000 }) },
  { ...DROP_API, apply: fail({ endpoint: 'api', kind: 'network' }) },
  { ...DENY, apply: (side) => getDemo().world.denyNextConsent(side) },
]

/** The embedded provider's faults: asked of the dev server's control route. */
const EMBEDDED_FAULTS: Array<Fault & { fault: EmbeddedFault }> = [
  { ...EXPIRE, fault: { fault: 'expire-access-tokens' } },
  { ...REVOKE, fault: { fault: 'revoke-grants' } },
  { ...FAIL_API, fault: { fault: 'fail-next-api' } },
  { ...FAIL_REFRESH, fault: { fault: 'fail-next-refresh' } },
  { ...SLOW_API, fault: { fault: 'slow-next-api', delayMs: 3000 } },
  { ...DROP_API, fault: { fault: 'drop-next-api' } },
  { ...DENY, fault: { fault: 'deny-next-consent' } },
]

interface Seen {
  consents: number
  codeExchanges: number
  refreshes: number
  apiCalls: number
}

interface Received {
  receiptId: string
  periodKey: string
  netVatDue: number
  processingDate: string
}

/** Breaks the providers on purpose, to watch the wizard recover. */
export function FaultPanel({ environment }: { environment: VatEnvironment }) {
  const [target, setTarget] = useState<'hmrc' | 'odoo'>('hmrc')
  const { world } = getDemo()
  const hmrcLabel = isSimulated(environment) ? world.hmrc[environment].label : 'Local provider'
  return (
    <div className="faults">
      <div className="segmented small" role="group" aria-label="Provider to break">
        {(['hmrc', 'odoo'] as const).map((id) => (
          <button key={id} type="button" aria-pressed={target === id} onClick={() => setTarget(id)}>
            {id === 'hmrc' ? hmrcLabel : 'Odoo'}
          </button>
        ))}
      </div>
      {target === 'odoo' ? (
        <SimulatedFaults side={world.odoo} />
      ) : isSimulated(environment) ? (
        <SimulatedFaults
          side={world.hmrc[environment]}
          received={world.hmrc[environment].vat.submissions.map((s) => ({ ...s, netVatDue: s.body.netVatDue }))}
        />
      ) : (
        <EmbeddedFaults label={hmrcLabel} />
      )}
    </div>
  )
}

function SimulatedFaults({ side, received }: { side: ProviderSide; received?: Received[] }) {
  const { world } = getDemo()
  // Re-read the provider's records whenever the event log moves (every request is logged).
  useSyncExternalStore(world.timeline.subscribe, world.timeline.entries)
  const counters = side.kit.counters
  const apply = (fault: (typeof KIT_FAULTS)[number]) => {
    fault.apply(side)
    world.timeline.add({ source: 'fault', actor: 'You', what: `${fault.label} (${side.label})` })
  }
  const seen = {
    consents: counters.authorizations,
    codeExchanges: counters.tokenRequestsByGrant.authorization_code,
    refreshes: counters.tokenRequestsByGrant.refresh_token,
    apiCalls: counters.apiCalls,
  }
  return <FaultsView label={side.label} faults={KIT_FAULTS} onApply={apply} seen={seen} received={received} />
}

function EmbeddedFaults({ label }: { label: string }) {
  const { world, embedded } = getDemo()
  const records = useSyncExternalStore(embedded?.subscribe ?? noSubscription, embedded?.records ?? noRecords)
  const [failure, setFailure] = useState<string>()
  useEffect(() => void embedded?.refresh(), [embedded])
  const apply = async (fault: (typeof EMBEDDED_FAULTS)[number]) => {
    setFailure(undefined)
    try {
      await injectEmbeddedFault(fault.fault)
      world.timeline.add({ source: 'fault', actor: 'You', what: `${fault.label} (${label})` })
    } catch {
      setFailure('The dev server did not take the fault: is `npm run dev` still running?')
    }
    await embedded?.refresh()
  }
  const seen = records && {
    consents: records.counters.authorizations,
    codeExchanges: records.counters.codeExchanges,
    refreshes: records.counters.refreshes,
    apiCalls: records.counters.apiCalls,
  }
  return (
    <>
      {failure && (
        <p role="alert" className="fault-error">
          {failure}
        </p>
      )}
      <FaultsView label={label} faults={EMBEDDED_FAULTS} onApply={(fault) => void apply(fault)} seen={seen} received={records?.submissions} />
    </>
  )
}

const noSubscription = () => () => {}
const noRecords = () => undefined

function FaultsView<F extends Fault>({
  label,
  faults,
  onApply,
  seen,
  received,
}: {
  label: string
  faults: F[]
  onApply: (fault: F) => void
  seen: Seen | undefined
  received: Received[] | undefined
}) {
  return (
    <>
      <ul className="fault-list">
        {faults.map((fault) => (
          <li key={fault.label}>
            <button type="button" className="fault-button" onClick={() => onApply(fault)}>
              {fault.label}
            </button>
            <p>{fault.hint}</p>
          </li>
        ))}
      </ul>
      <h3 className="panel-heading">What {label} has seen</h3>
      <dl className="counters" aria-label={`${label} counters`}>
        {(
          [
            ['Consents', seen?.consents],
            ['Code exchanges', seen?.codeExchanges],
            ['Refreshes', seen?.refreshes],
            ['API calls', seen?.apiCalls],
          ] as const
        ).map(([name, value]) => (
          <div key={name}>
            <dt>{name}</dt>
            <dd>{value ?? '–'}</dd>
          </div>
        ))}
      </dl>
      {received && (
        <>
          <h3 className="panel-heading">VAT returns received</h3>
          {received.length === 0 ? (
            <p className="muted">None yet.</p>
          ) : (
            <ul className="received" aria-label="VAT returns received by HMRC">
              {received.map((submission) => (
                <li key={submission.receiptId}>
                  <span>
                    Period <strong>{submission.periodKey}</strong> · net {formatMoney(submission.netVatDue)}
                  </span>
                  <time>{formatTime(Date.parse(submission.processingDate))}</time>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </>
  )
}
