// The 429chain view at scale in a real browser, from ConsoleAtScaleTest:
//   CONSOLE_USER=... CONSOLE_PASSWORD=... node console-at-scale.mjs <management base URL> <providers> <chains> <provider id>
// It waits until the view lists every provider and chain, then reports what an operator sees: the providers in order
// sorted by id, then by status; and, with the provider's id typed into the filter box, the providers, chains and
// recent requests left. Prints one JSON line per check ({"check": ..., ...}); exits 1 with {"error": ...} at the
// first that fails.
import { openConsole, print } from './console-browser.mjs'

const [base, providerCount, chainCount, filterId] = process.argv.slice(2)
const { browser, page, pageErrors } = await openConsole(base)
const providerRows = page.locator('table[aria-label="providers"] tbody tr')
const chainRows = page.locator('table[aria-label="chains"] tbody tr')
const recentRows = page.locator('table[aria-label="recent requests"] tbody tr')
const providerIds = () => providerRows.evaluateAll(rows => rows.map(row => row.dataset.provider))
const rowsBecome = (selector, count) =>
  page.waitForFunction(([s, n]) => document.querySelectorAll(s).length === n, [selector, Number(count)])
const firstProvider = () => document.querySelector('table[aria-label="providers"] tbody tr')?.dataset.provider

try {
  await rowsBecome('table[aria-label="providers"] tbody tr', providerCount)
  await rowsBecome('table[aria-label="chains"] tbody tr', chainCount)
  print({ check: 'everything listed', providers: await providerIds(), chains: await chainRows.evaluateAll(rows => rows.map(row => row.dataset.chain)) })

  const header = name => page.getByRole('table', { name: 'providers' }).getByRole('button', { name, exact: true })
  await header('Provider').click()
  const byId = [...await providerIds()].sort()
  await page.waitForFunction(`(${firstProvider})() === ${JSON.stringify(byId[0])}`)
  print({ check: 'sorted by id', providers: await providerIds() })
  await header('Status').click()
  await page.waitForFunction(`(${firstProvider})() !== ${JSON.stringify(byId[0])}`)
  print({ check: 'sorted by status', providers: await providerIds(),
    statuses: await providerRows.evaluateAll(rows => rows.map(row => row.querySelector('.status')?.textContent)) })

  await page.getByRole('searchbox', { name: 'filter providers, chains and requests' }).fill(filterId)
  await page.waitForFunction(n => document.querySelectorAll('table[aria-label="providers"] tbody tr').length < n, Number(providerCount))
  print({ check: 'filtered', providers: await providerIds(),
    chains: await chainRows.evaluateAll(rows => rows.map(row => [...row.querySelectorAll('li[data-step]')].map(li => li.dataset.step))),
    recent: await recentRows.allInnerTexts() })

  if (pageErrors.length > 0) throw new Error(`page errors: ${pageErrors.join(' | ')}`)
  print({ check: 'no page errors' })
} catch (error) {
  print({ error: String(error.message ?? error).split('\n')[0], pageErrors })
  process.exitCode = 1
} finally {
  await browser.close()
}
