#!/usr/bin/env bash
# Takes a screenshot of the 429chain view of a running 429chain's Hawtio console into docs/console.png.
#
#   CHAIN429_CONSOLE_USER=ops CHAIN429_CONSOLE_PASSWORD=... docs/screenshot.sh [BASE_URL] [OUTPUT]
#
#   BASE_URL  the management server, default http://127.0.0.1:${CHAIN429_MANAGEMENT_PORT:-4291}
#   OUTPUT    default docs/console.png (next to this script)
#   CONSOLE_PAGE  page to capture, default 429chain (e.g. camel/routes)
#   CONSOLE_SELECT  tree node to click once the page is drawn, default none (e.g. routes, on camel/routes)
#   SCREENSHOT_MODE=direct  only run `chromium --screenshot` (no login: captures the login page, see below)
#
# Needs Debian's chromium (`apt-get install -y chromium`) and python3 (standard library only).
#
# Why not just `chromium --headless --screenshot=... URL`: Hawtio 4 logs in with a form (a JSON POST to
# /hawtio/auth/login that starts a session), and chromium's command line can neither fill a form nor be handed a
# cookie or an Authorization header. A direct screenshot therefore only ever shows the login page (the console
# redirects every page to /hawtio/login without a session). Basic auth in the URL (http://user:pw@host/) does not
# help either: the pages never send a Basic challenge, and only Jolokia (/hawtio/jolokia) reads that header.
# Other ways past the login, not used here: puppeteer-core or Playwright from npm pointed at this chromium
# (executablePath) filling the form; or a --remote-debugging-port plus any WebSocket client.
# So, by default, this script drives the same headless chromium over the DevTools protocol
# (--remote-debugging-pipe, no extra package): it opens the login page, posts the credentials from inside the page
# (same origin, so the browser keeps the session cookie), then opens the page, waits for it to render and
# captures it. The password goes from the environment to the page; it is never put on a command line.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
base="${1:-http://127.0.0.1:${CHAIN429_MANAGEMENT_PORT:-4291}}"
base="${base%/}"
out="${2:-$here/console.png}"
page="${CONSOLE_PAGE:-429chain}"
select="${CONSOLE_SELECT-}"
mode="${SCREENSHOT_MODE:-login}"

chromium_bin="$(command -v chromium || command -v chromium-browser || true)"
if [ -z "$chromium_bin" ]; then
  echo "chromium not found: apt-get install -y chromium" >&2
  exit 2
fi
flags=(--headless --no-sandbox --disable-gpu --disable-background-networking --hide-scrollbars
       --window-size=1440,900)

if ! curl -sS -o /dev/null "$base/health"; then  # any answer will do: 503 only means the proxy is DOWN
  echo "no 429chain management server answers at $base/health" >&2
  exit 2
fi

if [ "$mode" = direct ]; then
  "$chromium_bin" "${flags[@]}" --virtual-time-budget=15000 --screenshot="$out" "$base/hawtio/$page"
  echo "wrote $out (direct mode: this is the login page)"
  exit 0
fi

if [ -z "${CHAIN429_CONSOLE_USER:-}" ] || [ -z "${CHAIN429_CONSOLE_PASSWORD:-}" ]; then
  echo "set CHAIN429_CONSOLE_USER and CHAIN429_CONSOLE_PASSWORD (the console's account)" >&2
  exit 2
fi
command -v python3 >/dev/null || { echo "python3 is needed to log in (or use SCREENSHOT_MODE=direct)" >&2; exit 2; }

profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT

CHROMIUM="$chromium_bin" BASE="$base" PAGE="$page" OUT="$out" PROFILE="$profile" SELECT="$select" \
python3 - "${flags[@]}" <<'PY'
import base64, json, os, subprocess, sys, time

flags = sys.argv[1:]
base, page, out = os.environ["BASE"], os.environ["PAGE"], os.environ["OUT"]
select = os.environ.get("SELECT", "")

# DevTools protocol over a pipe: chromium reads commands on fd 3 and writes replies on fd 4, NUL-separated.
to_chrome_r, to_chrome_w = os.pipe()
from_chrome_r, from_chrome_w = os.pipe()

def child_fds():
    # copy both ends out of the way first: a pipe end may itself be fd 3 or 4
    read_end, write_end = os.dup(to_chrome_r), os.dup(from_chrome_w)
    os.dup2(read_end, 3)
    os.dup2(write_end, 4)
    os.set_inheritable(3, True)
    os.set_inheritable(4, True)

browser = subprocess.Popen(
    [os.environ["CHROMIUM"], *flags, "--remote-debugging-pipe", "--user-data-dir=" + os.environ["PROFILE"],
     "about:blank"],
    preexec_fn=child_fds, close_fds=False,  # os.pipe() ends are close-on-exec; only the dup2'ed 3 and 4 pass
    stdout=subprocess.DEVNULL, stderr=open(os.path.join(os.environ["PROFILE"], "chromium.log"), "wb"))
os.close(to_chrome_r)
os.close(from_chrome_w)
writer = os.fdopen(to_chrome_w, "wb", buffering=0)
reader = os.fdopen(from_chrome_r, "rb", buffering=0)
buffer = b""
next_id = 0
events = []

def receive():
    global buffer
    while b"\0" not in buffer:
        chunk = reader.read(65536)
        if not chunk:
            log = open(os.path.join(os.environ["PROFILE"], "chromium.log"), errors="replace").read()
            raise SystemExit("chromium closed the DevTools pipe:\n" + log[-2000:])
        buffer += chunk
    message, buffer = buffer.split(b"\0", 1)
    return json.loads(message)

def call(method, session=None, **params):
    global next_id
    next_id += 1
    message = {"id": next_id, "method": method, "params": params}
    if session:
        message["sessionId"] = session
    writer.write(json.dumps(message).encode() + b"\0")
    while True:
        reply = receive()
        if reply.get("id") == next_id:
            if "error" in reply:
                raise SystemExit(f"{method} failed: {reply['error']}")
            return reply.get("result", {})
        events.append(reply)

def wait_for_load(session, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        while events:
            if events.pop(0).get("method") == "Page.loadEventFired":
                return
        events.append(receive())
    raise SystemExit("page did not load in time")

def evaluate(session, expression):
    result = call("Runtime.evaluate", session, expression=expression, awaitPromise=True, returnByValue=True)
    return result.get("result", {}).get("value")

try:
    target = call("Target.createTarget", url="about:blank")["targetId"]
    session = call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
    call("Page.enable", session)
    call("Emulation.setDeviceMetricsOverride", session, width=1440, height=900, deviceScaleFactor=1, mobile=False)

    call("Page.navigate", session, url=base + "/hawtio/login")
    wait_for_load(session)
    credentials = json.dumps({"username": os.environ["CHAIN429_CONSOLE_USER"],
                              "password": os.environ["CHAIN429_CONSOLE_PASSWORD"]})
    status = evaluate(session, "fetch('auth/login', {method: 'POST', credentials: 'same-origin', "
                               "headers: {'Content-Type': 'application/json'}, body: JSON.stringify("
                               + credentials + ")}).then(r => r.status)")
    if status != 200:
        raise SystemExit(f"login refused (HTTP {status}): check CHAIN429_CONSOLE_USER / CHAIN429_CONSOLE_PASSWORD")

    events.clear()
    call("Page.navigate", session, url=base + "/hawtio/" + page)
    wait_for_load(session)
    # The console is a single-page app: wait until it has drawn something past its spinners, then let it settle.
    deadline = time.time() + 20
    while time.time() < deadline:
        text = evaluate(session, "document.body ? document.body.innerText : ''") or ""
        if len(text) > 200 and "Loading" not in text:
            break
        time.sleep(0.5)
    if select:
        # Hawtio opens the Camel page on the context; pick the tree node (e.g. "routes") for its table.
        clicked = evaluate(session, "(() => { const want = " + json.dumps(select) + "; "
                           "const node = [...document.querySelectorAll('[class*=tree-view__node-text], "
                           "[class*=tree-view__node] span')].find(e => e.textContent.trim() === want); "
                           "if (!node) return false; (node.closest('button') || node).click(); return true; })()")
        if not clicked:
            print(f"note: no tree node named {select!r} to select", file=sys.stderr)
    time.sleep(4)
    png = call("Page.captureScreenshot", session, format="png")["data"]
    with open(out, "wb") as f:
        f.write(base64.b64decode(png))
    print("wrote " + out)
finally:
    try:
        call("Browser.close")
    except BaseException:
        pass
    try:
        browser.wait(timeout=10)
    except subprocess.TimeoutExpired:
        browser.kill()
PY
