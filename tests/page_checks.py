"""What the browser tests of every assignment share: notebooks exported as JupyterLab exports them,
screenshots kept in dist/screenshots/ for a person to look at, and the checks of a rendered page."""

import pathlib
import shutil

from nbconvert import HTMLExporter

from . import browser

SCREENSHOTS = pathlib.Path(__file__).resolve().parents[1] / "dist" / "screenshots"
# Links of the page that a static copy cannot follow: downloads of files made while executing.
DOWNLOAD_LINKS = "[...document.links].filter(a => a.hasAttribute('download') || /\\.zip$/.test(a.href)).length"


def to_html(notebook, path, name):
    """The notebook as JupyterLab's "Export to HTML" makes it, with MathJax served locally."""
    exporter = HTMLExporter(template_name="lab", mathjax_url=browser.MATHJAX_URL)
    body, _ = exporter.from_notebook_node(notebook, resources={"metadata": {"name": name}})
    path.write_text(body, encoding="utf-8")
    return path


def look(html_path, name, evaluate=None):
    """Screenshot html_path; keep the PNG in dist/screenshots/<name>.png; the result dict."""
    result = browser.screenshot(html_path, html_path.with_suffix(".png"), evaluate=evaluate)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(result["png"], SCREENSHOTS / f"{name}.png")
    print(f"{name}: {SCREENSHOTS / f'{name}.png'} {result['image']} in {result['seconds']} s")
    return result


def assert_maths_rendered(result):
    math = result["page"]["math"]
    assert math["mathjax"] and math["mathjax"].startswith("2."), f"MathJax did not load: {result['failed_requests']}"
    assert math["sources"] > 20, math
    assert math["rendered"] == math["sources"] == math["rendered_visible"], math
    assert math["errors"] == 0 and math["undefined_macros"] == 0, math
    assert math["raw_tex"] == [], f"TeX left as text: {math['raw_tex']}"


def assert_loaded_cleanly(result):
    """Nothing of our own failed to load (the Internet is off: CDN requests may fail)."""
    local = [f for f in result["failed_requests"] if f["url"].startswith("http://127.0.0.1")]
    assert local == [], local
    assert result["exceptions"] == [], result["exceptions"]


def assert_not_blank(result, min_text=5000):
    assert not result["blank"], result["image"]
    assert result["image"]["colours"] > 64 and result["image"]["non_background"] > 0.02, result["image"]
    assert result["page"]["text_length"] > min_text
    assert result["image"]["height"] == min(result["page"]["scroll_height"], 30000)
