// @vitest-environment happy-dom
import { act, cleanup, render, screen } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ApiError, CallOutcomeUnknownError, CancelledError, ConsentDeniedError, ProviderUnreachableError, type ConsentNavigator } from '../../src/index.js'
import { AuthorizationWizard, type WizardViews } from '../../src/react/index.js'
import { consentRequired, wizardIn } from './wizards.js'

afterEach(cleanup)

const words = { 'read:vat': 'View your VAT information', 'write:vat': 'Change your VAT information' }
const popup = { mode: 'popup', open: vi.fn(), prepare: vi.fn() } as unknown as ConsentNavigator & { prepare: ReturnType<typeof vi.fn> }

function show(wizard = wizardIn('unauthorized'), props: Partial<Parameters<typeof AuthorizationWizard>[0]> = {}) {
  render(<AuthorizationWizard wizard={wizard} appName="Ledgerline" callLabel="your VAT return" scopeDescriptions={words} {...props} />)
  return wizard
}

describe('<AuthorizationWizard> in unauthorized', () => {
  it('says which app wants which access from which provider, and why, in a modal dialog', () => {
    show()
    const dialog = screen.getByRole('dialog', { name: 'Connect Ledgerline to VAT (Making Tax Digital)' })
    expect(dialog.getAttribute('aria-modal')).toBe('true')
    expect(dialog.textContent).toContain('Ledgerline is not connected to HM Revenue & Customs yet.')
    expect(screen.getAllByRole('listitem').map((li) => li.textContent)).toEqual(['View your VAT information', 'Change your VAT information'])
    expect(dialog.textContent).toContain('Your VAT return is kept and sent once you agree.')
  })

  it('describes scopes the app did not describe from their shape', () => {
    show(wizardIn('unauthorized'), { scopeDescriptions: {} })
    expect(screen.getAllByRole('listitem').map((li) => li.textContent)).toEqual(['View your VAT information', 'Change your VAT information'])
  })

  it('moves focus to "Continue to <provider>"; continuing sends CONSENT_ACCEPTED', async () => {
    const wizard = show()
    const button = screen.getByRole('button', { name: 'Continue to HM Revenue & Customs' })
    expect(document.activeElement).toBe(button)
    await userEvent.click(button)
    expect(wizard.getSnapshot().matches('awaitingConsent')).toBe(true)
  })

  it('opens the popup from the click itself, before the wizard leaves unauthorized', async () => {
    const wizard = show(wizardIn('unauthorized'), { navigator: popup })
    expect(screen.getByRole('dialog').textContent).toContain('HM Revenue & Customs opens in a new window.')
    popup.prepare.mockImplementation(() => expect(wizard.getSnapshot().matches('unauthorized')).toBe(true))
    await userEvent.click(screen.getByRole('button', { name: /Continue/ }))
    expect(popup.prepare).toHaveBeenCalledTimes(1)
    expect(wizard.getSnapshot().matches('awaitingConsent')).toBe(true)
  })

  it('cancels with the Cancel button or Escape', async () => {
    const byButton = show()
    await userEvent.click(screen.getByRole('button', { name: 'Cancel' }))
    expect(byButton.getSnapshot().value).toBe('cancelled')
    cleanup()
    const byEscape = show()
    await userEvent.keyboard('{Escape}')
    expect(byEscape.getSnapshot().value).toBe('cancelled')
  })

  it('keeps Tab inside the dialog', async () => {
    show()
    const [continueButton, cancel] = screen.getAllByRole('button')
    await userEvent.tab()
    expect(document.activeElement).toBe(cancel)
    await userEvent.tab()
    expect(document.activeElement).toBe(continueButton)
    await userEvent.tab({ shift: true })
    expect(document.activeElement).toBe(cancel)
  })

  it('gives focus back to where it was when the dialog closes', async () => {
    render(<button type="button">Submit return</button>)
    const submit = screen.getByRole('button', { name: 'Submit return' })
    submit.focus()
    const wizard = show()
    expect(document.activeElement).not.toBe(submit)
    await userEvent.click(screen.getByRole('button', { name: 'Cancel' }))
    expect(screen.queryByRole('dialog')).toBeNull()
    expect(document.activeElement).toBe(submit)
    expect(wizard.getSnapshot().status).toBe('done')
  })
})

describe('<AuthorizationWizard> while consent is under way', () => {
  it('openingProvider: says the provider is opening, announced in the live region', () => {
    show(wizardIn({ awaitingConsent: 'openingProvider' }))
    expect(screen.getByRole('dialog', { name: 'Opening HM Revenue & Customs' })).toBeTruthy()
    expect(screen.getByRole('status').textContent).toBe('Opening HM Revenue & Customs…')
  })

  it('atProvider in a popup: asks the user to finish in the other window, and can be cancelled', async () => {
    const wizard = show(wizardIn({ awaitingConsent: 'atProvider' }), { navigator: popup })
    expect(screen.getByRole('dialog', { name: 'Finish at HM Revenue & Customs' }).textContent).toContain('This page waits for you.')
    expect(screen.getByRole('status').textContent).toBe('Waiting for you to finish at HM Revenue & Customs…')
    await userEvent.click(screen.getByRole('button', { name: 'Cancel' }))
    expect(wizard.getSnapshot().value).toBe('cancelled')
  })

  it('atProvider after a redirect: says the user is being taken to the provider', () => {
    show(wizardIn({ awaitingConsent: 'atProvider' }), { navigator: { mode: 'redirect', open: vi.fn() } })
    expect(screen.getByRole('status').textContent).toBe('Taking you to HM Revenue & Customs…')
  })

  it('exchangingCode: shows progress, focused, with no way to cancel half-way', async () => {
    const wizard = show(wizardIn('exchangingCode'))
    const dialog = screen.getByRole('dialog', { name: 'Confirming with HM Revenue & Customs' })
    expect(document.activeElement).toBe(dialog)
    expect(screen.getByRole('status').textContent).toBe('Confirming your permission with HM Revenue & Customs…')
    expect(screen.queryByRole('button')).toBeNull()
    await userEvent.keyboard('{Escape}')
    expect(wizard.getSnapshot().value).toBe('exchangingCode')
  })

  it('retrying: says the call is being made again', () => {
    show(wizardIn('retrying'))
    expect(screen.getByRole('dialog', { name: 'Almost done' })).toBeTruthy()
    expect(screen.getByRole('status').textContent).toBe('Sending your VAT return to VAT (Making Tax Digital)…')
  })
})

describe('<AuthorizationWizard> silent states', () => {
  it('calling: a status line, no dialog', () => {
    show(wizardIn('calling', { consent: undefined }))
    expect(screen.queryByRole('dialog')).toBeNull()
    expect(screen.getByRole('status').textContent).toBe('Sending your VAT return…')
  })

  it('refreshing: a status line, no dialog (a silent refresh never interrupts)', () => {
    show(wizardIn('refreshing', { consent: undefined }))
    expect(screen.queryByRole('dialog')).toBeNull()
    expect(screen.getByRole('status').textContent).toBe('Renewing your access…')
  })

  it('idle, succeeded and cancelled: nothing of its own (the app shows the result)', () => {
    for (const state of ['idle', 'succeeded', 'cancelled'] as const) {
      show(wizardIn(state, { result: { formBundleNumber: '1' } }))
      expect(screen.queryByRole('dialog')).toBeNull()
      expect(screen.getByRole('status').textContent).toBe('')
      cleanup()
    }
  })

  it('renders nothing without a wizard', () => {
    const { container } = render(<AuthorizationWizard wizard={undefined} />)
    expect(container.innerHTML).toBe('')
  })
})

describe('<AuthorizationWizard> in failed', () => {
  const cases = [
    [
      new ConsentDeniedError({ description: 'The user denied the request' }),
      'Access not granted',
      'Access was not granted at HM Revenue & Customs, so nothing was sent.',
    ],
    [
      new ProviderUnreachableError('network', 'https://test-api.service.hmrc.gov.uk/oauth/token'),
      'That did not work',
      'HM Revenue & Customs cannot be reached right now.',
    ],
    [new ApiError({ status: 503, body: 'Service Unavailable' }), 'That did not work', 'VAT (Making Tax Digital) is having a problem on its side.'],
    [new ApiError({ status: 429, body: {}, retryAfter: 2 }), 'That did not work', 'Wait 2 seconds, then try again.'],
    [new CancelledError('the consent window was closed'), 'Connection cancelled', 'The connection was cancelled before it finished.'],
  ] as const

  for (const [error, title, sentence] of cases) {
    it(`explains ${error.code}${'status' in error ? ` ${error.status}` : ''} in words, keeping the call`, () => {
      show(wizardIn('failed', { error }))
      const dialog = screen.getByRole('dialog', { name: title })
      expect(dialog.textContent).toContain(sentence)
      expect(dialog.textContent).toContain('Your VAT return is kept')
      expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Try again' }))
    })
  }

  it("a POST that may have gone through says so, and sending it again is the user's explicit choice", async () => {
    const error = new CallOutcomeUnknownError(
      'POST',
      new ProviderUnreachableError('timeout', 'https://test-api.service.hmrc.gov.uk/organisations/vat/1/returns'),
    )
    const wizard = show(wizardIn('failed', { error }))
    const dialog = screen.getByRole('dialog', { name: 'Not sure it went through' })
    expect(dialog.textContent).toContain('VAT (Making Tax Digital) did not answer, so it may have received this already. Check before you send it again.')
    expect(dialog.textContent).toContain('Your VAT return is kept.')
    expect(dialog.textContent).not.toContain('try again when you are ready')
    expect(screen.queryByRole('button', { name: 'Try again' })).toBeNull()
    await userEvent.click(screen.getByRole('button', { name: 'Send again' }))
    expect(wizard.getSnapshot().value).toBe('calling')
    expect(wizard.getSnapshot().context.call?.body).toEqual({ periodKey: '#001' })
  })

  it('Try again sends RETRY (the call is kept), Dismiss and Escape send CANCEL', async () => {
    const retried = show(wizardIn('failed', { error: new ConsentDeniedError() }))
    await userEvent.click(screen.getByRole('button', { name: 'Try again' }))
    expect(retried.getSnapshot().value).toBe('calling')
    expect(retried.getSnapshot().context.call?.body).toEqual({ periodKey: '#001' })
    cleanup()
    const dismissed = show(wizardIn('failed', { error: new ConsentDeniedError() }))
    await userEvent.click(screen.getByRole('button', { name: 'Dismiss' }))
    expect(dismissed.getSnapshot().value).toBe('cancelled')
    cleanup()
    const escaped = show(wizardIn('failed', { error: new ConsentDeniedError() }))
    await userEvent.keyboard('{Escape}')
    expect(escaped.getSnapshot().value).toBe('cancelled')
  })

  it('in consentRequired (no one to consent), explains it as a failure that Escape dismisses', async () => {
    const wizard = show(wizardIn('consentRequired', { error: consentRequired }))
    expect(screen.getByRole('dialog')).toBeTruthy()
    await userEvent.keyboard('{Escape}')
    expect(wizard.getSnapshot().value).toBe('cancelled')
  })

  it('after Try again, stays open showing progress rather than closing and reopening', async () => {
    show(wizardIn('failed', { error: new ConsentDeniedError() }))
    await userEvent.click(screen.getByRole('button', { name: 'Try again' }))
    expect(screen.getByRole('dialog', { name: 'Trying again' })).toBeTruthy()
  })

  it('keeps the provider text for support, out of the sentence', async () => {
    show(wizardIn('failed', { error: new ConsentDeniedError({ description: 'The user denied the request' }) }))
    await userEvent.click(screen.getByText('Details for support'))
    expect(screen.getByRole('dialog').textContent).toContain('access_denied: The user denied the request')
  })
})

describe('<AuthorizationWizard views>', () => {
  it('replaces a state view with the app render function, keeping the dialog', async () => {
    const views: WizardViews = {
      unauthorized: ({ consent, titleId, accept }) => (
        <>
          <h2 id={titleId}>Link your {consent?.provider.name} account</h2>
          <button type="button" onClick={accept} data-autofocus>
            Link
          </button>
        </>
      ),
    }
    const wizard = show(wizardIn('unauthorized'), { views })
    expect(screen.getByRole('dialog', { name: 'Link your HM Revenue & Customs account' })).toBeTruthy()
    await userEvent.click(screen.getByRole('button', { name: 'Link' }))
    expect(wizard.getSnapshot().matches('awaitingConsent')).toBe(true)
  })

  it('can give a view to a state that has none, such as succeeded', () => {
    show(wizardIn('succeeded', { result: { formBundleNumber: '042' } }), {
      views: { succeeded: ({ result }) => <p>Receipt {(result as { formBundleNumber: string }).formBundleNumber}</p> },
    })
    expect(screen.getByText('Receipt 042')).toBeTruthy()
  })

  it('follows the wizard as it moves, without remounting the dialog', async () => {
    const wizard = show(wizardIn('unauthorized'))
    const dialog = screen.getByRole('dialog')
    await act(async () => wizard.send({ type: 'CONSENT_ACCEPTED' }))
    expect(screen.getByRole('dialog')).toBe(dialog)
    expect(dialog.contains(document.activeElement)).toBe(true)
  })
})
