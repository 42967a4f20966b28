// @vitest-environment happy-dom
import { cleanup, render, screen } from '@testing-library/react'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { AuthorizationCallback, AuthorizationWizard, GrantflowProvider } from '../../src/react/index.js'
import { fakeStorage } from '../support/fakeBrowser.js'
import { useMsw, vatWorld } from '../support/vatWorld.js'
import { wizardIn } from './wizards.js'

const server = useMsw()
const stylesheet = readFileSync(resolve(import.meta.dirname, '../../src/react/styles.css'), 'utf8')

/** The page's stylesheets, in the order an app's bundler puts its imports in the head. */
function importStylesheets(...sources: string[]) {
  for (const source of sources) {
    const style = document.createElement('style')
    style.textContent = source
    document.head.append(style)
  }
}

beforeEach(() => document.head.replaceChildren())
afterEach(cleanup)

const look = (element: Element) => {
  const style = getComputedStyle(element)
  return { borderRadius: style.borderRadius, position: style.position }
}

describe('grantflow/react/styles.css, imported by the app', () => {
  it("gives the wizard its look: the dialog's card, the live region's text hidden from sight", () => {
    importStylesheets(stylesheet)
    render(<AuthorizationWizard wizard={wizardIn('unauthorized')} appName="Ledgerline" />)
    expect(look(screen.getByRole('dialog')).borderRadius).toBe('16px')
    // The dialog's live region, for screen readers only.
    const announced = screen.getAllByRole('status').find((element) => element.classList.contains('gf-visually-hidden'))!
    expect(look(announced).position).toBe('absolute')
  })

  it('leaves a wizard with `unstyled` alone, its gf-* classes kept for the app', () => {
    importStylesheets(stylesheet)
    render(<AuthorizationWizard wizard={wizardIn('unauthorized')} appName="Ledgerline" unstyled />)
    const dialog = screen.getByRole('dialog')
    expect(dialog.classList.contains('gf-dialog')).toBe(true)
    expect(look(dialog).borderRadius).not.toBe('16px')
    expect(look(document.querySelector('.gf-visually-hidden')!).position).not.toBe('absolute')
  })

  it("gives way to the app's own rule of the same class imported after it (its scope adds no specificity)", () => {
    importStylesheets(stylesheet, '.gf-dialog { border-radius: 4px; }')
    render(<AuthorizationWizard wizard={wizardIn('unauthorized')} appName="Ledgerline" className="mine" />)
    expect(look(screen.getByRole('dialog')).borderRadius).toBe('4px')
    expect(screen.getByRole('dialog').closest('.gf-wizard')!.className).toBe('gf-wizard gf-styled mine')
  })

  it("styles <AuthorizationCallback>'s way back as a button, with no wizard on the page; `unstyled` leaves it out", async () => {
    importStylesheets(stylesheet)
    const world = vatWorld({ server })
    const url = 'http://127.0.0.1/callback?code=c&state=unknown'
    const page = (unstyled: boolean) => (
      <GrantflowProvider grantflow={world.grantflow}>
        <AuthorizationCallback
          url={url}
          storage={fakeStorage()}
          window={{ opener: null, location: new URL(url), close: vi.fn(), sessionStorage: fakeStorage() }}
          unstyled={unstyled}
        />
      </GrantflowProvider>
    )
    render(page(false))
    expect(look(await screen.findByRole('link', { name: 'Go back and try again' })).borderRadius).toBe('10px')
    cleanup()
    render(page(true))
    expect(look(await screen.findByRole('link', { name: 'Go back and try again' })).borderRadius).not.toBe('10px')
  })
})
