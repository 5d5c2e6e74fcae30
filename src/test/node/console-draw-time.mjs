// How long the 429chain view takes to draw, from ConsoleDrawTime (the benchmark, not a test):
//   CONSOLE_USER=... CONSOLE_PASSWORD=... node console-draw-time.mjs <management base URL> <providers> <loads>
// After logging in it loads <base>/hawtio/429chain <loads> times and prints, for each, {"load": n, "ms": ...}: the time
// from the start of the navigation to the first frame with every provider's row in the providers table (the
// browser's own clock, performance.now(), checked every frame), "navigationMs": to the first frame with the console's
// navigation and its 429chain link, and "refreshMs": how long the view's one Jolokia
// bulk read took from asking to drawn on that load. Then it switches <loads> times from the console's JMX page back
// to the view, as an operator moving around the open console does, and prints {"switch": n, "ms": ...}: from the
// click on the 429chain link to the first frame with every provider's row.
import { openConsole, print } from './console-browser.mjs'

const [base, providerCount, loads] = process.argv.slice(2)
const { browser, page, pageErrors } = await openConsole(base)
try {
  for (let load = 1; load <= Number(loads); load++) {
    await page.goto(`${base}/hawtio/429chain`)
    // the console's own part: its navigation drawn with the plugins it discovered, the 429chain link among them
    const shell = await page.waitForFunction(
      () => [...document.querySelectorAll('nav a')].some(a => a.textContent.trim() === '429chain') && performance.now(),
      undefined, { polling: 'raf' })
    const drawn = await page.waitForFunction(
      n => document.querySelectorAll('table[aria-label="providers"] tbody tr').length === n && performance.now(),
      Number(providerCount), { polling: 'raf' })
    const ms = await drawn.jsonValue()
    const refreshMs = Number(await page.locator('.c429').getAttribute('data-drawn-ms'))
    print({ load, ms: Math.round(ms), navigationMs: Math.round(await shell.jsonValue()), refreshMs })
  }
  const link = name => page.getByRole('link', { name, exact: true }).first()
  for (let n = 1; n <= Number(loads); n++) {
    await link('JMX').click()
    await page.getByRole('table', { name: 'providers' }).waitFor({ state: 'detached' })
    const clicked = await page.evaluate(() => performance.now())
    await link('429chain').click()
    const drawn = await page.waitForFunction(
      n => document.querySelectorAll('table[aria-label="providers"] tbody tr').length === n && performance.now(),
      Number(providerCount), { polling: 'raf' })
    print({ switch: n, ms: Math.round(await drawn.jsonValue() - clicked) })
  }
  if (pageErrors.length > 0) throw new Error(`page errors: ${pageErrors.join(' | ')}`)
} catch (error) {
  print({ error: String(error.message ?? error).split('\n')[0], pageErrors })
  process.exitCode = 1
} finally {
  await browser.close()
}
