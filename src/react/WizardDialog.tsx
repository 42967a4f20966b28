import { useEffect, useRef, type KeyboardEvent, type ReactNode } from 'react'

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])'

function focusables(root: HTMLElement): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(FOCUSABLE)]
}

/** Focus the view's chosen control (`data-autofocus`), else the dialog itself so its title is read. */
function focusInto(dialog: HTMLElement): void {
  const preferred = dialog.querySelector<HTMLElement>('[data-autofocus]')
  ;(preferred ?? dialog).focus()
}

export interface WizardDialogProps {
  titleId: string
  descriptionId?: string
  /** Changes when the view changes: focus is moved back into the dialog if it was lost. */
  focusKey: string
  onEscape?: (() => void) | undefined
  className?: string
  children: ReactNode
}

/**
 * A modal dialog: focus moves into it when it opens and whenever its view changes, Tab stays
 * inside, Escape calls `onEscape`, and focus goes back where it was when it closes.
 */
export function WizardDialog({ titleId, descriptionId, focusKey, onEscape, className, children }: WizardDialogProps) {
  const ref = useRef<HTMLDivElement>(null)

  useEffect(() => {
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null
    return () => {
      if (previous?.isConnected) previous.focus()
    }
  }, [])

  useEffect(() => {
    const dialog = ref.current
    if (dialog && !dialog.contains(document.activeElement)) focusInto(dialog)
  }, [focusKey])

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key === 'Escape') {
      event.stopPropagation()
      event.preventDefault()
      onEscape?.()
      return
    }
    if (event.key !== 'Tab' || !ref.current) return
    const list = focusables(ref.current)
    const first = list[0]
    const last = list.at(-1)
    if (!first || !last) {
      event.preventDefault()
      return
    }
    if (event.shiftKey && (document.activeElement === first || document.activeElement === ref.current)) {
      event.preventDefault()
      last.focus()
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault()
      first.focus()
    }
  }

  return (
    <div className="gf-backdrop">
      <div
        ref={ref}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        aria-describedby={descriptionId}
        tabIndex={-1}
        className={className ? `gf-dialog ${className}` : 'gf-dialog'}
        onKeyDown={onKeyDown}
      >
        {children}
      </div>
    </div>
  )
}
