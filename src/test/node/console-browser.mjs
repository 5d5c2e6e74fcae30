// The browser the console scripts drive: Debian's chromium through playwright-core (never a downloaded browser), with
// Playwright's own fresh profile, logged in to the console of a running 429chain.
import { chromium } from 'playwright-core'

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync']

/** How long a condition may take to become true before a check fails (Playwright's waits). */
export const WAIT = 30000

export const print = line => console.log(JSON.stringify(line))

/**
 * Starts chromium, logs in at <base>/hawtio/login with CONSOLE_USER and CONSOLE_PASSWORD and waits until the console
 * opened on the 429chain view. Page errors are collected in pageErrors. When that fails it prints {"error": ...} and
 * exits 1.
 */
export async function openConsole(base) {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: FLAGS })
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } })
  page.setDefaultTimeout(WAIT)
  const pageErrors = []
  page.on('pageerror', error => pageErrors.push(error.message))
  try {
    await page.goto(`${base}/hawtio/login`)
    await page.getByRole('textbox', { name: 'Username' }).fill(process.env.CONSOLE_USER)
    await page.locator('#pf-login-password-id').fill(process.env.CONSOLE_PASSWORD)
    await page.getByRole('button', { name: 'Log in' }).click()
    // the 429chain view is first in the navigation, so the console opens on it
    await page.waitForURL('**/hawtio/429chain')
    await page.getByRole('table', { name: 'providers' }).waitFor()
  } catch (error) {
    print({ error: `login and the 429chain view: ${String(error.message ?? error).split('\n')[0]}`, pageErrors })
    await browser.close()
    process.exit(1)
  }
  return { browser, page, pageErrors }
}
