"""The system's Chromium under Playwright (never a downloaded browser), and page checks.

``/usr/bin/chromium`` is Debian's package (``.ci/run`` installs it when missing); each launch gets a
fresh profile directory. Screenshots go to ``test-artifacts/browser/`` (gitignored).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import BrowserContext, Locator, Page, sync_playwright

from tests.cli_helpers import ROOT

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def chromium(profile: Path) -> Iterator[BrowserContext]:
    """A headless Chromium with a fresh profile in ``profile``."""
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1100, "height": 760},
        )
        try:
            yield context
        finally:
            context.close()


def shot(page: Page, name: str) -> Path:
    """A full-page screenshot ``test-artifacts/browser/<name>.png``."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def shot_of(part: Locator, name: str) -> Path:
    """A screenshot of one part of the page, ``test-artifacts/browser/<name>.png``."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    part.screenshot(path=str(path))
    return path


UNLABELLED_CONTROLS = """() => {
  const nameOf = (el) => {
    if (el.getAttribute("aria-label")) return el.getAttribute("aria-label").trim();
    if (el.labels && el.labels.length) return el.labels[0].textContent.trim();
    return (el.textContent || "").trim();
  };
  const controls = "button, input:not([type=hidden]), select, textarea, a[href]";
  return [...document.querySelectorAll(controls)]
    .filter((el) => el.offsetParent !== null && !nameOf(el))
    .map((el) => el.outerHTML.slice(0, 120));
}"""

COLOURS_OF = """(selector) => {
  const style = getComputedStyle(document.querySelector(selector));
  return [style.color, style.backgroundColor];
}"""

COLOURS_ON = """(selector) => {
  const element = document.querySelector(selector);
  let holder = element;
  let background = "rgba(0, 0, 0, 0)";
  while (holder) {
    background = getComputedStyle(holder).backgroundColor;
    if (background !== "rgba(0, 0, 0, 0)" && background !== "transparent") break;
    holder = holder.parentElement;
  }
  return [getComputedStyle(element).color, holder ? background : "rgb(255, 255, 255)"];
}"""
"""An element's text colour and the background it is painted on (the first ancestor's)."""


def tab_order(page: Page, presses: int) -> list[str]:
    """The accessible names focus lands on, pressing Tab ``presses`` times from the top."""
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    names = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        names.append(
            page.evaluate(
                "() => { const el = document.activeElement;"
                " return el.getAttribute('aria-label') || el.textContent.trim() || el.id; }"
            )
        )
    return names


def _channel(value: float) -> float:
    value /= 255
    return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4


def luminance(css_rgb: str) -> float:
    """WCAG relative luminance of ``rgb(r, g, b)``."""
    red, green, blue = (float(part) for part in css_rgb[css_rgb.index("(") + 1 : -1].split(",")[:3])
    return 0.2126 * _channel(red) + 0.7152 * _channel(green) + 0.0722 * _channel(blue)


def contrast(first: str, second: str) -> float:
    """WCAG contrast ratio of two CSS ``rgb()`` colours."""
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)
