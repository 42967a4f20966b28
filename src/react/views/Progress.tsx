import type { WizardViewProps } from './types.js'

const TITLES: Partial<Record<WizardViewProps['state'], string>> = {
  calling: 'Trying again',
  refreshing: 'Renewing your access',
  retrying: 'Almost done',
}

/** `exchangingCode` and `retrying` (and, inline, `calling` and `refreshing`): what is happening now. */
export function Progress({ state, consent, titleId, descriptionId, progress }: WizardViewProps) {
  const title = TITLES[state] ?? `Confirming with ${consent?.provider.name ?? 'the provider'}`
  return (
    <>
      <h2 id={titleId} className="gf-title">
        {title}
      </h2>
      <div className="gf-progress">
        <span className="gf-spinner" aria-hidden="true" />
        <p id={descriptionId} className="gf-text">
          {progress}
        </p>
      </div>
    </>
  )
}

/** `calling` and `refreshing`: a quiet status line, no dialog (a silent refresh stays silent). */
export function InlineProgress({ progress }: WizardViewProps) {
  return (
    <span className="gf-inline">
      <span className="gf-spinner gf-spinner-small" aria-hidden="true" />
      {progress}
    </span>
  )
}
