import { jolokiaService } from '@hawtio/react'

// What the view reads, in one Jolokia bulk request per refresh (see read()).
export const PROVIDERS = 'io.chain429:type=Provider,name=*'
export const QUOTA_KEYS = 'io.chain429:type=QuotaKey,*'
export const USAGE = 'io.chain429:type=Usage'
export const CHAINS = 'io.chain429:type=Chains'

export type QuotaKey = {
  provider: string
  bucket: string
  cooldownUntil: string | null
  cooldownReason: string | null
  dimensions: string[]
  inFlight: number
}

export type Provider = {
  mbean: string
  id: string
  type: string
  status: string
  disabledReason: string | null
  keyMasked: string
  quotaScope: string
  limits: Record<string, number>
  openCircuits: string[]
  circuitDetails: string[]
  coolingBuckets: string[]
  lastErrorReason: string | null
  lastErrorDetail: string | null
  lastErrorStep: string | null
  lastErrorTime: string | null
  inFlight: number
  requestsToday: number
  tokensToday: number
  quotaKeys: QuotaKey[]
  errorsToday: number
}

export type ChainStep = {
  step: string
  state: 'closed' | 'open' | 'half_open'
  since?: string
  until?: string | null
  openedBy?: Record<string, number>
  failedAttempts?: number
  attempts?: number
}

export type Attempt = { step: string; outcome: string; reason: string; detail?: string; sent: boolean }

export type RequestLine = {
  time: string
  chain: string
  servedBy: string | null
  attempts: Attempt[]
  status: number
  stream: boolean
  totalMs: number
  client: string
}

export type Chain = {
  name: string
  isDefault: boolean
  steps: ChainStep[]
  last?: RequestLine
  requestsToday: number
  errorsToday: number
}

export type Snapshot = {
  providers: Provider[]
  chains: Chain[]
  recent: RequestLine[]
  readAt: number
  problems: string[]
}

type Row = { name: string; today: { requests: number; errors: number } }
type Attributes = Record<string, unknown>

/** Every MBean the view shows, read in ONE bulk request (one HTTP POST to Jolokia). */
export async function read(): Promise<Snapshot> {
  const responses = await jolokiaService.bulkRequest([
    { type: 'read', mbean: PROVIDERS },
    { type: 'read', mbean: QUOTA_KEYS },
    { type: 'read', mbean: USAGE, attribute: ['RecentRequests', 'Providers', 'Chains'] },
    { type: 'read', mbean: CHAINS, attribute: ['Chains'] },
  ])
  const problems: string[] = []
  // answers come in the order asked; a wildcard with no match (no quota key yet) is an error answer meaning "none"
  const value = (i: number): unknown => {
    const response = responses[i] as { value?: unknown; error?: string; status?: number } | undefined
    if (!response || response.status !== 200) {
      if (response?.status !== 404) problems.push(`${['providers', 'quota keys', 'usage', 'chains'][i]}: ${response?.error ?? 'no answer'}`)
      return undefined
    }
    return response.value
  }

  const usage = (value(2) ?? {}) as Attributes
  const recent = ((usage.RecentRequests ?? []) as string[]).map(line => JSON.parse(line) as RequestLine)
  const providerRows = new Map(((usage.Providers ?? []) as Row[]).map(row => [row.name, row]))
  const chainRows = new Map(((usage.Chains ?? []) as Row[]).map(row => [row.name, row]))

  const keys = Object.values((value(1) ?? {}) as Record<string, Attributes>).map(quotaKey)
  const providers = Object.entries((value(0) ?? {}) as Record<string, Attributes>)
    .map(([mbean, a]) => provider(mbean, a, keys, providerRows.get(String(a.Id))?.today.errors ?? 0))
    .sort((a, b) => a.id.localeCompare(b.id))

  const lastByChain = new Map<string, RequestLine>()
  for (const line of recent) if (!lastByChain.has(line.chain)) lastByChain.set(line.chain, line) // newest first
  const chainLines = (((value(3) ?? {}) as Attributes).Chains ?? []) as string[]
  const chains = chainLines.map(line => {
    const c = JSON.parse(line) as { name: string; default: boolean; steps: ChainStep[] }
    const today = chainRows.get(c.name)?.today
    return {
      name: c.name,
      isDefault: c.default,
      steps: c.steps,
      last: lastByChain.get(c.name),
      requestsToday: today?.requests ?? 0,
      errorsToday: today?.errors ?? 0,
    }
  })
  return { providers, chains, recent, readAt: Date.now(), problems }
}

function quotaKey(a: Attributes): QuotaKey {
  return {
    provider: String(a.Provider),
    bucket: String(a.Bucket),
    cooldownUntil: (a.CooldownUntil as string) ?? null,
    cooldownReason: (a.CooldownReason as string) ?? null,
    dimensions: (a.Dimensions as string[]) ?? [],
    inFlight: Number(a.InFlight ?? 0),
  }
}

function provider(mbean: string, a: Attributes, keys: QuotaKey[], errorsToday: number): Provider {
  const id = String(a.Id)
  return {
    mbean,
    id,
    type: String(a.Type ?? ''),
    status: String(a.Status ?? ''),
    disabledReason: (a.DisabledReason as string) ?? null,
    keyMasked: String(a.KeyMasked ?? ''),
    quotaScope: String(a.QuotaScope ?? ''),
    limits: parseLimits(String(a.ConfiguredLimits ?? '')),
    openCircuits: (a.OpenCircuits as string[]) ?? [],
    circuitDetails: (a.CircuitDetails as string[]) ?? [],
    coolingBuckets: (a.CoolingBuckets as string[]) ?? [],
    lastErrorReason: (a.LastErrorReason as string) ?? null,
    lastErrorDetail: (a.LastErrorDetail as string) ?? null,
    lastErrorStep: (a.LastErrorStep as string) ?? null,
    lastErrorTime: (a.LastErrorTime as string) ?? null,
    inFlight: Number(a.InFlight ?? 0),
    requestsToday: Number(a.RequestsToday ?? 0),
    tokensToday: Number(a.TokensToday ?? 0),
    quotaKeys: keys.filter(k => k.provider === id),
    errorsToday,
  }
}

/** "rpm=30 tpd=500000 concurrency=4" (ConfiguredLimits) → {rpm: 30, ...}; "none" → {}. */
export function parseLimits(text: string): Record<string, number> {
  const limits: Record<string, number> = {}
  for (const part of text.split(/[\s,]+/)) {
    const [name, number] = part.split('=')
    if (name && number && !Number.isNaN(Number(number))) limits[name] = Number(number)
  }
  return limits
}

/** Runs an operation of a provider's MBean (disable(), enable(), ...); resolves to its answer in words. */
export async function operate(mbean: string, operation: string): Promise<string> {
  return String(await jolokiaService.execute(mbean, `${operation}()`))
}
