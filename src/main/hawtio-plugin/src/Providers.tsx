import React from 'react'
import { Provider } from './data'
import { against, ago, clock, count, countdown, restLeft } from './format'
import { Operations } from './Operations'

// problems first when sorted by status
const RANK: Record<string, number> = { disabled: 0, 'circuit open': 1, cooling: 2, available: 3 }
export const byStatus = (a: Provider, b: Provider) => (RANK[a.status] ?? 9) - (RANK[b.status] ?? 9) || a.id.localeCompare(b.id)

const NEXT_TRIAL = /next trial at (\S+)/
const CODES = /failed \(([^)]*)\)/

type Props = { providers: Provider[]; now: number; sort: 'status' | 'id'; setSort: (s: 'status' | 'id') => void; refresh: () => void }

export const Providers: React.FunctionComponent<Props> = ({ providers, now, sort, setSort, refresh }) => (
  <table aria-label='providers'>
    <thead>
      <tr>
        <th>
          <button type='button' onClick={() => setSort('id')} aria-pressed={sort === 'id'}>Provider</button>
        </th>
        <th>
          <button type='button' onClick={() => setSort('status')} aria-pressed={sort === 'status'}>Status</button>
        </th>
        <th>Last failure</th>
        <th>In flight</th>
        <th>Today</th>
        <th>Key</th>
        <th>Operations</th>
      </tr>
    </thead>
    <tbody>
      {providers.map(p => (
        <tr key={p.id} data-provider={p.id}>
          <td>
            <div className='id'>{p.id}</div>
            <div className='muted'>{p.type}, quota per {p.quotaScope}</div>
          </td>
          <td>
            <Status provider={p} now={now} />
          </td>
          <td>
            <LastFailure provider={p} now={now} />
          </td>
          <td>{against(p.inFlight, p.limits.concurrency)}</td>
          <td>
            <div>{against(p.requestsToday, p.limits.rpd)} requests</div>
            <div>{against(p.tokensToday, p.limits.tpd)} tokens</div>
            {p.errorsToday > 0 && <div className='problem'>{count(p.errorsToday)} failed</div>}
            {p.quotaKeys.flatMap(k => k.dimensions.map(d => (
              <div key={k.bucket + d} className='muted'>
                {k.bucket === '*' ? '' : k.bucket + ': '}
                {d}
              </div>
            )))}
          </td>
          <td className='mono'>{p.keyMasked}</td>
          <td>
            <Operations provider={p} done={refresh} />
          </td>
        </tr>
      ))}
    </tbody>
  </table>
)

const Status: React.FunctionComponent<{ provider: Provider; now: number }> = ({ provider: p, now }) => {
  const cooling = p.quotaKeys.filter(k => k.cooldownUntil)
  return (
    <div className='status-cell'>
      <span className={`status s-${p.status.replace(' ', '-')}`}>{p.status}</span>
      {p.status === 'disabled' && p.disabledReason && <div>{p.disabledReason}</div>}
      {cooling.map(k => (
        <div key={k.bucket}>
          {k.bucket === '*' ? 'whole account' : k.bucket} cooling until {clock(k.cooldownUntil)}{' '}
          <strong className='countdown'>({countdown(k.cooldownUntil, now)} left)</strong>
          {k.cooldownReason && <div className='muted'>{k.cooldownReason}</div>}
        </div>
      ))}
      {p.circuitDetails.map(line => {
        const step = line.substring(0, line.indexOf(': '))
        const until = NEXT_TRIAL.exec(line)?.[1]
        const codes = CODES.exec(line)?.[1]
        return (
          <div key={line} title={line}>
            circuit open on <span className='mono'>{step}</span>
            {until ? ` until ${clock(until)} ${restLeft(until, now)}` : ', trial request in flight'}
            {codes && (
              <div>
                opened by <span className='reason'>{codes}</span>
              </div>
            )}
          </div>
        )
      })}
    </div>
  )
}

const LastFailure: React.FunctionComponent<{ provider: Provider; now: number }> = ({ provider: p, now }) => {
  if (!p.lastErrorReason) return <span className='muted'>none</span>
  return (
    <div>
      <span className='reason'>{p.lastErrorReason}</span> <span className='mono'>{p.lastErrorStep}</span>
      <div>{p.lastErrorDetail}</div>
      <div className='muted'>
        at {clock(p.lastErrorTime)}, {ago(p.lastErrorTime, now)}
      </div>
    </div>
  )
}
