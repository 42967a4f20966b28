const money = new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'GBP' })
const day = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric' })
const time = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' })

export const formatMoney = (value: number) => money.format(value)
export const formatDay = (iso: string) => day.format(new Date(iso))
export const formatTime = (epochMs: number) => time.format(new Date(epochMs))

/** "in 59 min", "3 min ago". */
export function formatRelative(epochMs: number, now = Date.now()): string {
  const minutes = Math.round((epochMs - now) / 60_000)
  if (Math.abs(minutes) < 1) return minutes >= 0 ? 'in under a minute' : 'just now'
  const span = Math.abs(minutes) >= 120 ? `${Math.round(Math.abs(minutes) / 60)} h` : `${Math.abs(minutes)} min`
  return minutes > 0 ? `in ${span}` : `${span} ago`
}

/** "123456789" → "123 4567 89", as HMRC prints a VRN. */
export function formatVrn(vrn: string): string {
  return vrn.length === 9 ? `${vrn.slice(0, 3)} ${vrn.slice(3, 7)} ${vrn.slice(7)}` : vrn
}

/** "2025-10-01".."2025-12-31" → "Oct – Dec 2025". */
export function formatPeriod(start: string, end: string): string {
  const month = (iso: string) => new Date(iso).toLocaleString('en-GB', { month: 'short' })
  return `${month(start)} – ${month(end)} ${end.slice(0, 4)}`
}
