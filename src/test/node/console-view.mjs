// The operator console in a real browser (Debian's chromium driven by playwright-core), from ConsoleViewTest:
//   CONSOLE_USER=... CONSOLE_PASSWORD=... node console-view.mjs <management base URL> <screenshot folder>
// It expects the state ConsoleViewTest made: provider `cool` cooling down, the step flaky/model-b with an open
// circuit (http_503), provider `rejected` disabled for its key, provider `steady` serving; chain `main`.
// Prints one JSON line per check ({"check": ..., ...}); exits 1 with {"error": ...} at the first that fails.
import { openConsole, print } from './console-browser.mjs'

const [base, shots] = process.argv.slice(2)
const { browser, page, pageErrors } = await openConsole(base)
const row = id => page.locator(`tr[data-provider="${id}"]`)

try {
  print({ check: 'opens on the 429chain view', navigation: await page.locator('nav a, [class*=nav__link]').allInnerTexts() })

  // a cooling provider with its countdown, which counts down
  const countdown = row('cool').locator('.countdown')
  await countdown.first().waitFor()
  const first = await countdown.first().innerText()
  if (!/\(\d+:\d\d left\)/.test(first)) throw new Error(`cool's countdown reads "${first}"`)
  await page.waitForFunction(([selector, before]) => document.querySelector(selector)?.textContent !== before,
    ['tr[data-provider="cool"] .countdown', first])
  print({ check: 'cooling provider with a live countdown', status: await row('cool').locator('td').nth(1).innerText() })

  // a step with an open circuit and the reason it opened, in the providers and in the chain
  await row('flaky').getByText('circuit open on flaky/model-b').waitFor()
  await row('flaky').getByText('http_503').first().waitFor()
  await page.locator('li[data-step="flaky/model-b"][data-state="open"]').first().waitFor()
  print({ check: 'open circuit and why', status: await row('flaky').locator('td').nth(1).innerText() })

  // a provider whose key was rejected
  await row('rejected').locator('.status', { hasText: 'disabled' }).waitFor()
  await row('rejected').getByText('key_rejected').waitFor()
  print({ check: 'rejected key', status: await row('rejected').locator('td').nth(1).innerText() })

  // where the handled failures happened
  const summary = page.getByRole('status')
  await summary.getByText(/flaky\/model-b http_503 ×\d+/).waitFor()
  print({ check: 'failed attempts and where', summary: await summary.innerText() })

  // how long one refresh takes from asking to drawn (a measurement, not a check)
  print({ check: 'drawn', ms: Number(await page.locator('.c429').getAttribute('data-drawn-ms')) })
  if (shots) await page.screenshot({ path: `${shots}/console-view.png`, fullPage: true })

  // disable steady, confirm, and see it change
  await page.getByRole('button', { name: 'disable steady', exact: true }).click()
  await page.getByRole('dialog').getByRole('button', { name: 'Yes, disable steady' }).click()
  await row('steady').locator('.status', { hasText: 'disabled' }).waitFor()
  await page.getByRole('button', { name: 'enable steady', exact: true }).waitFor()
  print({ check: 'disable steady', status: await row('steady').locator('td').nth(1).innerText() })

  // the chain's route diagram in the Camel view
  await page.getByRole('link', { name: 'Camel' }).click()
  await page.getByText('chain-main', { exact: true }).first().click()
  await page.getByText('Route Diagram', { exact: true }).click()
  const nodes = page.locator('.react-flow__node')
  // the diagram lays its nodes out first and fills in their labels after: wait for the label, not for the boxes
  await nodes.filter({ hasText: 'From direct:chain' }).first().waitFor()
  await nodes.nth(2).waitFor()
  const labels = await nodes.allInnerTexts()
  print({ check: 'chain route diagram', nodes: labels.map(label => label.replace(/\s+/g, ' ').trim()) })

  // the route's source, with the editor served locally
  await page.getByText('Source', { exact: true }).click()
  await page.locator('.monaco-editor .view-lines', { hasText: 'direct:chain-main' }).waitFor()
  print({ check: 'route source' })

  if (pageErrors.length > 0) throw new Error(`page errors: ${pageErrors.join(' | ')}`)
  print({ check: 'no page errors' })
} catch (error) {
  if (shots) await page.screenshot({ path: `${shots}/console-view-failed.png`, fullPage: true }).catch(() => {})
  print({ error: String(error.message ?? error).split('\n')[0], pageErrors })
  process.exitCode = 1
} finally {
  await browser.close()
}
