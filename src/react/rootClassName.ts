/** The class the default stylesheet (styles.css) is scoped to: the components' roots carry it unless `unstyled`. */
export const STYLED_CLASS = 'gf-styled'

/**
 * A component root's classes: its own `gf-*` class, the stylesheet's scope unless `unstyled`,
 * then the app's.
 *
 * @example
 * rootClassName('gf-wizard', { unstyled: false, className: 'mine' }) // 'gf-wizard gf-styled mine'
 */
export function rootClassName(own: string, { unstyled, className }: { unstyled?: boolean | undefined; className?: string | undefined }): string {
  return [own, !unstyled && STYLED_CLASS, className].filter(Boolean).join(' ')
}
