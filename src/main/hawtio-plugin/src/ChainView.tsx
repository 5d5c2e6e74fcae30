import React, { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react'
import { Chains } from './Chains'
import { read, Snapshot } from './data'
import { byStatus, Providers } from './Providers'
import { Recent } from './Recent'
import { css } from './style'
import { Summary } from './Summary'

const REFRESH_MS = 2000

/** The 429chain view: providers, chains and recent requests on one screen, refreshed every 2 s. */
export const ChainView: React.FunctionComponent = () => {
  const [snapshot, setSnapshot] = useState<Snapshot | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [now, setNow] = useState(Date.now())
  const [filter, setFilter] = useState('')
  const [sort, setSort] = useState<'status' | 'id'>('status')
  const root = useRef<HTMLDivElement>(null)
  const asked = useRef(0)

  const refresh = useCallback(async () => {
    asked.current = performance.now()
    try {
      setSnapshot(await read())
      setError(null)
    } catch (e) {
      setError(String(e))
    }
  }, [])

  // one refresh at a time: the next starts 2 s after the previous answered
  useEffect(() => {
    let stopped = false
    let timer: ReturnType<typeof setTimeout>
    const loop = async () => {
      await refresh()
      if (!stopped) timer = setTimeout(loop, REFRESH_MS)
    }
    loop()
    return () => {
      stopped = true
      clearTimeout(timer)
    }
  }, [refresh])

  // countdowns tick every second between refreshes
  useEffect(() => {
    const tick = setInterval(() => setNow(Date.now()), 1000)
    return () => clearInterval(tick)
  }, [])

  // how long a refresh took from asking to drawn, for measurements (data-drawn-ms)
  useLayoutEffect(() => {
    if (snapshot && root.current) root.current.dataset.drawnMs = String(Math.round(performance.now() - asked.current))
  }, [snapshot])

  const shown = useMemo(() => {
    if (!snapshot) return null
    const words = filter.trim().toLowerCase()
    const has = (...texts: (string | null | undefined)[]) => !words || texts.some(t => t?.toLowerCase().includes(words))
    return {
      providers: snapshot.providers
        .filter(p => has(p.id, p.type, p.status, p.lastErrorReason, p.disabledReason, ...p.openCircuits))
        .sort(sort === 'status' ? byStatus : (a, b) => a.id.localeCompare(b.id)),
      chains: snapshot.chains.filter(c => has(c.name, ...c.steps.map(s => s.step))),
      recent: snapshot.recent.filter(r => has(r.chain, r.servedBy, ...r.attempts.map(a => `${a.step} ${a.reason}`))),
    }
  }, [snapshot, filter, sort])

  return (
    <div className='c429' ref={root}>
      <style>{css}</style>
      <div className='toolbar'>
        <input
          type='search'
          aria-label='filter providers, chains and requests'
          placeholder='Filter: provider, chain, step or reason'
          value={filter}
          onChange={e => setFilter(e.target.value)}
        />
        <span className='muted'>
          {snapshot ? `read at ${new Date(snapshot.readAt).toLocaleTimeString([], { hour12: false })}, every 2 s` : 'reading…'}
        </span>
        {error && <span className='problem'>cannot read 429chain: {error}</span>}
        {snapshot?.problems.map(p => (
          <span key={p} className='problem'>
            {p}
          </span>
        ))}
      </div>
      {snapshot && shown && (
        <>
          <Summary snapshot={snapshot} />
          <h2>Providers ({shown.providers.length})</h2>
          <Providers providers={shown.providers} now={now} sort={sort} setSort={setSort} refresh={refresh} />
          <h2>Chains ({shown.chains.length})</h2>
          <Chains chains={shown.chains} providers={snapshot.providers} now={now} />
          <h2>Recent requests ({shown.recent.length})</h2>
          <Recent lines={shown.recent} />
        </>
      )}
    </div>
  )
}
