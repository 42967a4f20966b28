/** The provider's initials in a badge ("HM Revenue & Customs" → "HMRC"), so the user sees who asks. */
export function ProviderBadge({ name }: { name: string }) {
  const initials =
    name
      .split(/[\s&()]+/)
      .filter((word) => /^[A-Z]/.test(word))
      // An acronym counts whole: "HM Revenue & Customs" → "HMRC".
      .map((word) => (word === word.toUpperCase() ? word : word[0]))
      .join('')
      .slice(0, 4) || name.slice(0, 2).toUpperCase()
  return (
    <span className={initials.length > 2 ? 'gf-badge' : 'gf-badge gf-badge-large'} aria-hidden="true">
      {initials}
    </span>
  )
}
