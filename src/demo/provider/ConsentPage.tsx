import { useState } from 'react'
import { getDemo } from '../demo.js'
import { navigate } from '../router.js'
import { CLIENTS } from '../world/world.js'
import { HmrcGrantAuthority } from './HmrcGrantAuthority.js'
import { OdooAuthorize } from './OdooAuthorize.js'

export interface ConsentScreenProps {
  clientName: string
  scopes: string[]
  environment: string
  busy: 'approve' | 'deny' | undefined
  error: string | undefined
  onAnswer: (answer: 'approve' | 'deny') => void
}

/**
 * The provider's sign-in and consent screen, played by the fake provider: the user's answer goes
 * to the provider kit's authorization endpoint, which redirects to the app's callback.
 */
export function ConsentPage({ authorizationUrl }: { authorizationUrl: string | undefined }) {
  const { world } = getDemo()
  const side = authorizationUrl ? world.providerFor(authorizationUrl) : undefined
  const [busy, setBusy] = useState<'approve' | 'deny'>()
  const [error, setError] = useState<string>()
  if (!authorizationUrl || !side) {
    return (
      <main className="provider-missing">
        <h1>Page not found</h1>
        <p>No provider answers at this address.</p>
      </main>
    )
  }
  const params = new URL(authorizationUrl).searchParams
  const client = Object.values(CLIENTS).find((c) => c.clientId === params.get('client_id'))

  const onAnswer = async (answer: 'approve' | 'deny') => {
    setBusy(answer)
    setError(undefined)
    try {
      const callback = await world.answerConsent(authorizationUrl, answer)
      // In a popup, a real navigation: the callback page loads there and posts back to the app.
      if (window.opener) location.assign(callback)
      else navigate(callback)
    } catch (e) {
      setError(e instanceof Error ? e.message.replace(/^provider kit: /, '') : String(e))
      setBusy(undefined)
    }
  }

  const props: ConsentScreenProps = {
    clientName: client?.name ?? params.get('client_id') ?? 'An application',
    scopes: (params.get('scope') ?? '').split(' ').filter(Boolean),
    environment: side.environment,
    busy,
    error,
    onAnswer,
  }
  return (
    <>
      <p className="demo-ribbon">
        Demo: a simulated {side.id === 'hmrc' ? 'HMRC' : 'Odoo'} screen, answered by grantflow's provider kit in this tab. Nothing leaves your browser.
      </p>
      {side.id === 'hmrc' ? <HmrcGrantAuthority {...props} /> : <OdooAuthorize {...props} />}
    </>
  )
}
