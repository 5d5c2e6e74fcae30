import React from 'react'
import { Snapshot } from './data'
import { count } from './format'

/**
 * One line an operator reads first: how many providers serve, rest or are off, and how many attempts failed and
 * where. The waterfall handles failures (a request still succeeds on a later step), so Camel's route statistics show
 * none: they are counted here from the recent requests' attempts.
 */
export const Summary: React.FunctionComponent<{ snapshot: Snapshot }> = ({ snapshot }) => {
  const byStatus = (status: string) => snapshot.providers.filter(p => p.status === status).length
  // failed: sent to the provider and not answered; skipped: not sent (cooling, disabled, circuit open)
  const failed = new Map<string, number>()
  let sent = 0
  let skipped = 0
  for (const line of snapshot.recent) {
    for (const a of line.attempts) {
      if (!a.sent) {
        skipped++
        continue
      }
      sent++
      if (a.outcome !== 'success' && a.outcome !== 'streaming' && a.reason !== 'client_gone') {
        const where = `${a.step} ${a.reason}`
        failed.set(where, (failed.get(where) ?? 0) + 1)
      }
    }
  }
  const failures = [...failed.entries()].sort((a, b) => b[1] - a[1])
  const failedCount = failures.reduce((sum, [, n]) => sum + n, 0)
  const errorsToday = snapshot.providers.reduce((sum, p) => sum + p.errorsToday, 0)
  return (
    <div className={failedCount > 0 || byStatus('available') < snapshot.providers.length ? 'summary bad' : 'summary'} role='status'>
      <span>
        <strong>{byStatus('available')}</strong> of {snapshot.providers.length} providers available, {byStatus('cooling')} cooling,{' '}
        {byStatus('circuit open')} with an open circuit, {byStatus('disabled')} disabled
      </span>
      <span className='failed-attempts'>
        <strong>{count(failedCount)}</strong> of {count(sent)} attempts sent in the last {snapshot.recent.length} requests failed
        {failures.length > 0 && ': '}
        {failures.slice(0, 6).map(([where, n]) => `${where} ×${n}`).join(', ')}
        {failures.length > 6 && ', …'}
        {skipped > 0 && ` (${count(skipped)} steps skipped unsent)`}
      </span>
      <span>{count(errorsToday)} failed provider requests today</span>
    </div>
  )
}
