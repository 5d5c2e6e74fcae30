import React from 'react'
import { Chain, ChainStep, Provider } from './data'
import { ago, clock, count, countdown, plural, restLeft } from './format'

/**
 * A step's live state: its circuit when open, else its provider's (disabled, or the step's quota key cooling down),
 * else available.
 */
function liveState(s: ChainStep, providers: Map<string, Provider>): { state: string; why?: string; until?: string | null } {
  if (s.state !== 'closed') return { state: s.state, until: s.until }
  const slash = s.step.indexOf('/')
  const p = providers.get(s.step.substring(0, slash))
  const model = s.step.substring(slash + 1)
  if (!p) return { state: 'unknown', why: 'no such provider' }
  if (p.status === 'disabled') return { state: 'disabled', why: p.disabledReason ?? undefined }
  const cooling = p.quotaKeys.find(k => k.cooldownUntil && (k.bucket === '*' || k.bucket === model || k.bucket.startsWith('group:')))
  if (cooling) return { state: 'cooling', until: cooling.cooldownUntil, why: cooling.cooldownReason ?? undefined }
  return { state: 'available' }
}

type Props = { chains: Chain[]; providers: Provider[]; now: number }

export const Chains: React.FunctionComponent<Props> = ({ chains, providers, now }) => {
  const byId = new Map(providers.map(p => [p.id, p]))
  return (
  <table aria-label='chains'>
    <thead>
      <tr>
        <th>Chain</th>
        <th>Steps, in order</th>
        <th>Last request</th>
        <th>Today</th>
      </tr>
    </thead>
    <tbody>
      {chains.map(c => (
        <tr key={c.name} data-chain={c.name}>
          <td>
            <div className='id'>{c.name}</div>
            {c.isDefault && <div className='muted'>default chain</div>}
          </td>
          <td>
            <ol className='steps'>
              {c.steps.map((s, i) => (
                <Step key={s.step + i} step={s} live={liveState(s, byId)} index={i} served={c.last?.servedBy === s.step} now={now} />
              ))}
            </ol>
          </td>
          <td>
            {c.last ? (
              <div>
                {c.last.servedBy ? (
                  <span>
                    served by <span className='mono'>{c.last.servedBy}</span>
                  </span>
                ) : (
                  <span className='problem'>no step answered (HTTP {c.last.status})</span>
                )}
                <div className='muted'>
                  {clock(c.last.time)}, {ago(c.last.time, now)}
                </div>
              </div>
            ) : (
              <span className='muted'>none recent</span>
            )}
          </td>
          <td>
            {plural(c.requestsToday, 'request')}
            {c.errorsToday > 0 && <div className='problem'>{plural(c.errorsToday, 'error')}</div>}
          </td>
        </tr>
      ))}
    </tbody>
  </table>
  )
}

type StepProps = { step: ChainStep; live: { state: string; why?: string; until?: string | null }; index: number; served: boolean; now: number }

const Step: React.FunctionComponent<StepProps> = ({ step: s, live, index, served, now }) => {
  const codes = Object.entries(s.openedBy ?? {}).map(([code, n]) => `${code} ×${n}`).join(', ')
  const resting = live.state === 'open' || live.state === 'half_open' || live.state === 'cooling'
  return (
    <li className={served ? 'step served' : 'step'} data-step={s.step} data-state={live.state} title={live.why}>
      {index + 1}. <span className='mono'>{s.step}</span>{' '}
      <span className={`status s-${live.state}`}>{live.state === 'open' || live.state === 'half_open' ? `circuit ${live.state.replace('_', '-')}` : live.state}</span>
      {resting && (
        <div>
          {live.until ? `until ${clock(live.until)} ${live.state === 'cooling' ? `(${countdown(live.until, now)} left)` : restLeft(live.until, now)}` : 'trial in flight'}
          {codes && <div>opened by <span className='reason'>{codes}</span></div>}
        </div>
      )}
      {served && <div className='muted'>served the last request</div>}
    </li>
  )
}
