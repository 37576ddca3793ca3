"""Look at HTML pages in a real, headless Chromium, offline.

    screenshot(html_path, png_path) -> dict    load a page, let it settle, save a PNG, report
    dom_check(html_path, expression) -> value  load a page, let it settle, evaluate JavaScript

Chromium is Debian's `chromium` package (`make browser` installs it where it can; any
Chromium or Chrome works: set VG_CHROMIUM=/path/to/it). It is driven over the DevTools
protocol on a pipe (--remote-debugging-pipe), so no port and no extra Python package is
needed. Every run uses a fresh profile and no network: the page and its folder are served
from 127.0.0.1, every host name fails to resolve, so a page that needs the Internet shows
it (its failed requests are reported) instead of hanging.

Maths: nbconvert's HTML loads MathJax 2 from a CDN. `local_mathjax()` finds a MathJax 2
copy on disk (Debian's libjs-mathjax, or VG_MATHJAX_DIR); pages are served with it at
/mathjax/, so export notebooks with `HTMLExporter(mathjax_url=MATHJAX_URL)`.
"""

import base64
import contextlib
import functools
import http.server
import json
import os
import pathlib
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
INSTALL_HINT = (
    "Chromium is needed for the browser tests: `sudo apt-get install -y chromium libjs-mathjax` "
    "(Debian/Ubuntu; `make browser` does it when run as root), or set VG_CHROMIUM to a Chromium "
    "or Chrome executable."
)
MATHJAX_DIRS = ("/usr/share/javascript/mathjax", "/usr/share/mathjax")
MATHJAX_HINT = (
    "MathJax 2 is needed to render maths offline: `sudo apt-get install -y libjs-mathjax` "
    "(or set VG_MATHJAX_DIR to an unpacked MathJax 2.7 folder, e.g. from `npm pack mathjax@2.7.9`)."
)
MATHJAX_MOUNT = "mathjax"
MATHJAX_URL = f"/{MATHJAX_MOUNT}/MathJax.js?config=TeX-AMS_CHTML-full,Safe"  # nbconvert's config, served locally

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",  # runs as root in containers; the pages are our own build's output
    "--disable-gpu",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--mute-audio",
    "--font-render-hinting=none",
    "--force-color-profile=srgb",
    # Offline: every host name fails at once; 127.0.0.1 (our server) is an address, not a name.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--remote-debugging-pipe",
)

# Chromium reads DevTools commands on fd 3 and writes replies on fd 4. This tiny program puts
# the pipes there and execs Chromium (a preexec_fn would not be safe beside the server thread).
WIRE_PIPES = """
import fcntl, os, sys
read_end, write_end = (fcntl.fcntl(int(fd), fcntl.F_DUPFD, 10) for fd in sys.argv[1:3])
os.dup2(read_end, 3)
os.dup2(write_end, 4)
os.execv(sys.argv[3], sys.argv[3:])
"""

# Resolves once the page has settled: MathJax (2 or 3) done, fonts loaded, images decoded.
SETTLE = """
(async () => {
  const mj = window.MathJax;
  if (mj && mj.Hub && mj.Hub.Queue) {
    await new Promise(resolve => mj.Hub.Queue(() => resolve()));
  } else if (mj && mj.startup && mj.startup.promise) {
    await mj.startup.promise;
  }
  if (document.fonts) await document.fonts.ready;
  await Promise.all([...document.images].map(img => img.complete ? null :
      new Promise(resolve => { img.onload = img.onerror = resolve; })));
  await Promise.all([...document.images].map(img => img.decode ? img.decode().catch(() => null) : null));
  await new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  return true;
})()
"""

# What a person would notice about a page; returned by screenshot() as result["page"].
PROBE = r"""
(() => {
  const visible = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const images = [...document.images].map(img => ({
    data_png: img.src.startsWith("data:image/png"),
    src: img.src.startsWith("data:") ? img.src.slice(0, 30) + "..." : img.src,
    complete: img.complete, natural_width: img.naturalWidth, natural_height: img.naturalHeight,
    width: img.width, height: img.height,
  }));
  // MathJax 2 keeps each formula's TeX in a <script type="math/tex"> next to its rendering;
  // MathJax 3 renders into <mjx-container>.
  const sources = document.querySelectorAll('script[type^="math/tex"]').length;
  const rendered = [...document.querySelectorAll(".MathJax_CHTML, .MathJax_SVG, .MathJax, mjx-container")];
  const errors = document.querySelectorAll(
      ".mjx-merror, .mjx-noError, .MathJax_Error, mjx-merror, [data-mjx-error]").length;
  const undefinedMacros = [...document.querySelectorAll('.MathJax_CHTML [style*="color: red"]')].length;
  // TeX still visible as text outside code: maths that did not render.
  const rawTex = [];
  const walker = document.createTreeWalker(document.body || document.documentElement, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest("code, pre, script, style, textarea, .MathJax_CHTML, mjx-container")) continue;
    if (!parent.closest(".jp-RenderedMarkdown, .text_cell_render, .rendered_html, .markdown, main, article")) continue;
    const text = node.textContent;
    if (/\$[^$\s][^$]*\$|\\\(|\\\[|\\(frac|sigma|partial|lVert|operatorname|begin)\b/.test(text)) {
      rawTex.push(text.trim().slice(0, 80));
    }
  }
  const body = document.body;
  return {
    title: document.title,
    url: location.href,
    text_length: body ? body.innerText.trim().length : 0,
    scroll_width: document.documentElement.scrollWidth,
    scroll_height: document.documentElement.scrollHeight,
    images: images,
    math: {
      mathjax: mj_version(),
      sources: sources,
      rendered: rendered.length,
      rendered_visible: rendered.filter(visible).length,
      errors: errors,
      undefined_macros: undefinedMacros,
      raw_tex: rawTex.slice(0, 20),
    },
  };
  function mj_version() {
    const mj = window.MathJax;
    return mj ? (mj.version || (mj.fileversion ? "2." + mj.fileversion : "loaded")) : null;
  }
})()
"""


class BrowserError(RuntimeError):
    """Chromium could not be started, or the page did not load or settle in time."""


# --- finding the browser and MathJax --------------------------------------------------------

def find_chromium():
    """Path of a Chromium/Chrome executable (VG_CHROMIUM first), or None."""
    override = os.environ.get("VG_CHROMIUM")
    if override:
        return override if shutil.which(override) else None
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def local_mathjax():
    """An unpacked MathJax 2 folder (holding MathJax.js) on this machine, or None."""
    candidates = [os.environ.get("VG_MATHJAX_DIR"), *MATHJAX_DIRS]
    for candidate in filter(None, candidates):
        folder = pathlib.Path(candidate)
        if (folder / "MathJax.js").is_file() and (folder / "config" / "TeX-AMS_CHTML-full.js").is_file():
            return folder
    return None


@functools.lru_cache(maxsize=1)
def chromium_version():
    path = find_chromium()
    if path is None:
        return None
    completed = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30, check=False)
    return completed.stdout.strip() or None


# --- a local, read-only web server ----------------------------------------------------------

class _Handler(http.server.SimpleHTTPRequestHandler):
    mounts = {}  # first path segment -> folder; "" is the page's own folder

    def translate_path(self, path):
        path = urllib.parse.unquote(urllib.parse.urlsplit(path).path)
        parts = [p for p in path.split("/") if p and p not in (".", "..")]
        if parts and parts[0] in self.mounts and parts[0]:
            root, parts = self.mounts[parts[0]], parts[1:]
        else:
            root = self.mounts[""]
        return str(pathlib.Path(root, *parts))

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve(folder, mounts=None):
    """Serve folder (and {name: folder} under /name/) at http://127.0.0.1:PORT/."""
    roots = {"": str(folder), **{name: str(path) for name, path in (mounts or {}).items()}}
    handler = type("Handler", (_Handler,), {"mounts": roots})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


# --- Chromium over the DevTools protocol ----------------------------------------------------

class Chromium:
    """One headless Chromium with a fresh profile, driven over --remote-debugging-pipe."""

    def __init__(self, executable=None, width=1280, height=4000, timeout=60.0):
        self.executable = executable or find_chromium()
        if self.executable is None:
            raise BrowserError(INSTALL_HINT)
        self.width, self.height, self.timeout = width, height, timeout
        self.events, self.buffer, self.next_id = [], b"", 0
        self.profile = tempfile.mkdtemp(prefix="vg-chromium-")
        self.log = open(os.path.join(self.profile, "chromium.log"), "wb")
        to_browser_read, self.to_browser = os.pipe()
        self.from_browser, from_browser_write = os.pipe()
        command = [
            sys.executable, "-c", WIRE_PIPES, str(to_browser_read), str(from_browser_write),
            self.executable, *CHROMIUM_FLAGS, f"--user-data-dir={self.profile}",
            f"--window-size={width},{height}", "about:blank",
        ]
        self.process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log,
            pass_fds=(to_browser_read, from_browser_write), start_new_session=True,
        )
        os.close(to_browser_read)
        os.close(from_browser_write)
        self.session = None

    # protocol
    def _read_message(self, deadline):
        while b"\0" not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise BrowserError(f"Chromium did not answer within {self.timeout:.0f} s")
            ready, _, _ = select.select([self.from_browser], [], [], remaining)
            if ready:
                chunk = os.read(self.from_browser, 1 << 20)
                if not chunk:
                    raise BrowserError(f"Chromium exited (code {self.process.poll()}): {self.log_tail()}")
                self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def send(self, method, params=None, session=True, timeout=None):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        data = json.dumps(message).encode() + b"\0"
        while data:
            data = data[os.write(self.to_browser, data):]
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error'].get('message')}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for_event(self, method, timeout=None):
        deadline = time.monotonic() + (timeout or self.timeout)
        seen = 0
        while True:
            for event in self.events[seen:]:
                if event.get("method") == method:
                    return event
            seen = len(self.events)
            self.events.append(self._read_message(deadline))

    def evaluate(self, expression, timeout=None):
        """Value of a JavaScript expression in the page (promises are awaited); JSON data only."""
        result = self.send("Runtime.evaluate", {
            "expression": expression, "awaitPromise": True, "returnByValue": True,
            "timeout": int((timeout or self.timeout) * 1000),
        }, timeout=(timeout or self.timeout) + 5)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise BrowserError(f"JavaScript error: {text}")
        return result["result"].get("value")

    def log_tail(self, size=2000):
        self.log.flush()
        with open(self.log.name, "rb") as log:
            log.seek(max(0, os.path.getsize(self.log.name) - size))
            return log.read().decode(errors="replace").strip() or "(nothing on its stderr)"

    # pages
    def open(self, url):
        """Open url in a fresh tab, wait for its load event and for it to settle."""
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True},
                                 session=False)["sessionId"]
        for domain in ("Page", "Runtime", "Network", "Log"):
            self.send(f"{domain}.enable")
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": self.width, "height": self.height, "deviceScaleFactor": 1, "mobile": False})
        self.events.clear()
        navigation = self.send("Page.navigate", {"url": url})
        if navigation.get("errorText"):
            raise BrowserError(f"could not open {url}: {navigation['errorText']}")
        self.wait_for_event("Page.loadEventFired")
        try:
            self.evaluate(SETTLE)
        except BrowserError as error:
            raise BrowserError(f"{url} did not settle (MathJax, fonts, images): {error}") from None

    def problems(self):
        """Failed requests, uncaught exceptions and console errors seen so far."""
        urls = {e["params"]["requestId"]: e["params"]["request"]["url"]
                for e in self.events if e.get("method") == "Network.requestWillBeSent"}
        failed = [{"url": urls.get(e["params"]["requestId"], "?"), "error": e["params"].get("errorText")}
                  for e in self.events if e.get("method") == "Network.loadingFailed"]
        failed += [{"url": e["params"]["response"]["url"], "error": f"HTTP {e['params']['response']['status']}"}
                   for e in self.events if e.get("method") == "Network.responseReceived"
                   and e["params"]["response"]["status"] >= 400]
        failed = [f for f in failed if not f["url"].endswith("/favicon.ico")]  # asked for by every page
        exceptions = [e["params"]["exceptionDetails"].get("exception", {}).get("description")
                      or e["params"]["exceptionDetails"].get("text")
                      for e in self.events if e.get("method") == "Runtime.exceptionThrown"]
        console = [" ".join(str(a.get("value", a.get("description", ""))) for a in e["params"]["args"])
                   for e in self.events if e.get("method") == "Runtime.consoleAPICalled"
                   and e["params"]["type"] in ("error", "assert")]
        console += [e["params"]["entry"]["text"] for e in self.events
                    if e.get("method") == "Log.entryAdded" and e["params"]["entry"]["level"] == "error"
                    and not e["params"]["entry"].get("url", "").endswith("/favicon.ico")]
        return {"failed_requests": failed, "exceptions": exceptions, "console_errors": console}

    def capture(self, png_path, full_page=True, max_height=30000):
        """Save a PNG of the page: the whole page (up to max_height CSS pixels) or the viewport."""
        height = self.height
        if full_page:
            size = self.send("Page.getLayoutMetrics")["cssContentSize"]
            height = max(1, min(int(size["height"] + 0.5), max_height))
        params = {"format": "png", "captureBeyondViewport": full_page, "fromSurface": True}
        if full_page:
            params["clip"] = {"x": 0, "y": 0, "width": self.width, "height": height, "scale": 1}
        data = self.send("Page.captureScreenshot", params, timeout=self.timeout * 2)["data"]
        png_path = pathlib.Path(png_path)
        png_path.parent.mkdir(parents=True, exist_ok=True)
        png_path.write_bytes(base64.b64decode(data))
        return png_path

    def close(self):
        with contextlib.suppress(BrowserError, OSError):
            self.session = None
            self.send("Browser.close", session=False, timeout=5)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)  # the group we started, by its id
            self.process.wait(timeout=10)
        for fd in (self.to_browser, self.from_browser):
            with contextlib.suppress(OSError):
                os.close(fd)
        self.log.close()
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


@contextlib.contextmanager
def page(html_path, width=1280, height=4000, timeout=60.0, mounts=None):
    """A Chromium tab showing html_path (served with its folder), settled; yields the Chromium."""
    html_path = pathlib.Path(html_path).resolve()
    all_mounts = {}
    mathjax = local_mathjax()
    if mathjax is not None:
        all_mounts[MATHJAX_MOUNT] = mathjax
    all_mounts.update(mounts or {})
    with serve(html_path.parent, all_mounts) as origin:
        with Chromium(width=width, height=height, timeout=timeout) as browser:
            browser.open(f"{origin}/{urllib.parse.quote(html_path.name)}")
            yield browser


# --- what tests call --------------------------------------------------------------------------

def image_stats(png_path):
    """Size, number of distinct colours and the share of non-background pixels of a PNG."""
    from PIL import Image

    with Image.open(png_path) as image:
        rgb = image.convert("RGB")
        total = rgb.width * rgb.height
        colours = rgb.getcolors(maxcolors=total)  # [(count, colour)], every colour
        count, background = max(colours)
        return {"width": rgb.width, "height": rgb.height, "colours": len(colours),
                "non_background": round(1 - count / total, 4), "background": background}


def screenshot(html_path, png_path, *, width=1280, height=4000, full_page=True, max_height=30000,
               timeout=60.0, mounts=None, evaluate=None):
    """Open html_path in headless Chromium (offline), wait until it settles, save a PNG.

    Returns a dict:
      png            the PNG's path
      image          {"width", "height", "colours", "non_background", "background"} of the PNG
      blank          True if the PNG looks empty (fewer than 16 colours or under 0.5 % ink)
      page           the page as seen in the browser: title, text_length, scroll size, images
                     (each with complete / natural_width / natural_height), math (MathJax version,
                     formula sources, rendered elements, errors, raw_tex left as text)
      failed_requests, exceptions, console_errors   what went wrong while loading
      evaluated      the value of the JavaScript expression `evaluate` (if given), as dom_check gives it
      seconds        time taken
      browser        the Chromium version
    """
    start = time.monotonic()
    with page(html_path, width=width, height=height, timeout=timeout, mounts=mounts) as browser:
        probe = browser.evaluate(PROBE)
        evaluated = browser.evaluate(evaluate) if evaluate else None
        png = browser.capture(png_path, full_page=full_page, max_height=max_height)
        problems = browser.problems()
    stats = image_stats(png)
    return {
        "png": png,
        "image": stats,
        "blank": stats["colours"] < 16 or stats["non_background"] < 0.005,
        "page": probe,
        **problems,
        "evaluated": evaluated,
        "seconds": round(time.monotonic() - start, 2),
        "browser": chromium_version(),
    }


def dom_check(html_path, expression, *, width=1280, height=4000, timeout=60.0, mounts=None):
    """Open html_path like screenshot() does and return the value of a JavaScript expression
    (evaluated after the page settled; a promise is awaited; the value must be JSON data).

    Example: dom_check(path, "document.querySelectorAll('table tr').length")
    """
    with page(html_path, width=width, height=height, timeout=timeout, mounts=mounts) as browser:
        return browser.evaluate(expression)
