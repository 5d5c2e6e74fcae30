import React from 'react'
import { RequestLine } from './data'
import { clock } from './format'

export const Recent: React.FunctionComponent<{ lines: RequestLine[] }> = ({ lines }) => (
  <table aria-label='recent requests'>
    <thead>
      <tr>
        <th>Time</th>
        <th>Chain</th>
        <th>Status</th>
        <th>Served by</th>
        <th>Attempts: step, outcome, reason</th>
        <th>ms</th>
      </tr>
    </thead>
    <tbody>
      {lines.map((r, i) => (
        <tr key={r.time + i}>
          <td className='mono'>{clock(r.time)}</td>
          <td>{r.chain}</td>
          <td className={r.status >= 400 ? 'problem' : undefined}>{r.status}</td>
          <td className='mono'>{r.servedBy ?? '—'}</td>
          <td>
            <ol className='attempts'>
              {r.attempts.map((a, j) => (
                <li key={j}>
                  <span className='mono'>{a.step}</span> {a.outcome} <span className='reason'>{a.reason}</span>
                  {!a.sent && <span className='muted'> (not sent)</span>}
                  {a.detail && <span className='muted'> {a.detail}</span>}
                </li>
              ))}
            </ol>
          </td>
          <td>{r.totalMs}</td>
        </tr>
      ))}
    </tbody>
  </table>
)
