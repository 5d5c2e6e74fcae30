import { eventService } from '@hawtio/react'
import React, { useState } from 'react'
import { operate, Provider } from './data'

type Operation = { operation: string; label: string; name: (id: string) => string; effect: string }

// Every button's accessible name says what it does to which provider ("disable groq").
const OPERATIONS: Record<string, Operation> = {
  disable: { operation: 'disable', label: 'Disable', name: id => `disable ${id}`, effect: 'Its steps are skipped in every chain until it is enabled again.' },
  enable: { operation: 'enable', label: 'Enable', name: id => `enable ${id}`, effect: 'Its steps are tried again in their chains.' },
  probe: { operation: 'probeNow', label: 'Probe now', name: id => `probe ${id} now`, effect: 'Its key is checked with the provider in the background; a good answer enables it.' },
  reset: { operation: 'resetCooldowns', label: 'Reset cooldowns', name: id => `reset cooldowns of ${id}`, effect: 'Its rate-limit cooldowns end now: its next request may meet the same limit.' },
  close: { operation: 'closeCircuits', label: 'Close circuits', name: id => `close circuits of ${id}`, effect: 'Its failing steps are tried again at once.' },
}

/** The operations that make sense for the provider's state now. */
function applicable(p: Provider): Operation[] {
  const ops: Operation[] = []
  if (p.status === 'disabled') ops.push(OPERATIONS.enable, OPERATIONS.probe)
  else ops.push(OPERATIONS.disable)
  if (p.coolingBuckets.length > 0) ops.push(OPERATIONS.reset)
  if (p.openCircuits.length > 0) ops.push(OPERATIONS.close)
  return ops
}

export const Operations: React.FunctionComponent<{ provider: Provider; done: () => void }> = ({ provider, done }) => {
  const [asking, setAsking] = useState<Operation | null>(null)
  const run = async (op: Operation) => {
    setAsking(null)
    try {
      const answer = await operate(provider.mbean, op.operation)
      eventService.notify({ type: 'success', message: `${op.name(provider.id)}: ${answer}` })
    } catch (e) {
      eventService.notify({ type: 'danger', message: `${op.name(provider.id)} failed: ${String(e)}` })
    }
    done()
  }
  return (
    <div className='actions'>
      {applicable(provider).map(op => (
        <button key={op.operation} type='button' aria-label={op.name(provider.id)} onClick={() => setAsking(op)}>
          {op.label}
        </button>
      ))}
      {asking && (
        <div className='dialog'>
          <div role='dialog' aria-modal='true' aria-labelledby={`ask-${provider.id}`}>
            <h3 id={`ask-${provider.id}`}>
              {asking.label} {provider.id}?
            </h3>
            <p>{asking.effect}</p>
            <div className='actions'>
              <button type='button' className='confirm' autoFocus onClick={() => run(asking)}>
                Yes, {asking.name(provider.id)}
              </button>
              <button type='button' onClick={() => setAsking(null)}>
                Cancel
              </button>
            </div>
          </div>
        </div>
      )}
    </div>
  )
}
