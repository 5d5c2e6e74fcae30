/** hh:mm:ss of an ISO instant, in the browser's time zone. */
export function clock(iso: string | null | undefined): string {
  if (!iso) return ''
  const time = new Date(iso)
  return Number.isNaN(time.getTime()) ? iso : time.toLocaleTimeString([], { hour12: false })
}

/** "1:05" or "1:02:05" until an instant; "now" once it has passed. */
export function countdown(iso: string | null | undefined, now: number): string {
  if (!iso) return ''
  const left = Math.ceil((new Date(iso).getTime() - now) / 1000)
  if (Number.isNaN(left)) return ''
  if (left <= 0) return 'now'
  const h = Math.floor(left / 3600)
  const m = Math.floor((left % 3600) / 60)
  const s = String(left % 60).padStart(2, '0')
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`
}

/** "12 s ago", "3 min ago", "2 h ago". */
export function ago(iso: string | null | undefined, now: number): string {
  if (!iso) return ''
  const seconds = Math.max(0, Math.round((now - new Date(iso).getTime()) / 1000))
  if (seconds < 90) return `${seconds} s ago`
  if (seconds < 5400) return `${Math.round(seconds / 60)} min ago`
  return `${Math.round(seconds / 3600)} h ago`
}

/** 1234567 → "1,234,567". */
export function count(n: number): string {
  return n.toLocaleString('en-US')
}

/** "used of limit" or just "used" when there is no limit. */
export function against(used: number, limit: number | undefined): string {
  return limit === undefined ? count(used) : `${count(used)} of ${count(limit)}`
}

/** "(0:42 left)", or once a circuit's rest is over "(its next request is the trial)". */
export function restLeft(iso: string | null | undefined, now: number): string {
  const left = countdown(iso, now)
  return left === 'now' ? '(rest over: the next request is its trial)' : `(${left} left)`
}

/** "1 request", "2 requests". */
export function plural(n: number, word: string): string {
  return `${count(n)} ${word}${n === 1 ? '' : 's'}`
}
