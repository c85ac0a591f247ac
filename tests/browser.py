"""The order flow in a real browser: sign in, order from the catalogue near home, watch the
tracking page until the order is delivered (the dispatch issue's definition of done).

Used by tests/test_browser_order_flow.py against pytest-django's live server, and by hand
against a running `make up` (or any server whose couriers move, e.g. with simulate_couriers):

    uv run --frozen --no-sync python -m tests.browser --base-url http://127.0.0.1:8000 \\
        --mobile 13800000001 --password resident-demo-2025 --screenshots var/screenshots

The browser is Debian's Chromium (/usr/bin/chromium, package `chromium`) driven by Playwright;
Playwright's own browser downloads are never used. What the flow does, as a resident would:

1. signs in through the sign-in page (/accounts/login/);
2. chooses its saved home address as 我的位置 (/circle/location/), which opens the catalogue
   limited to the 15-minute walk;
3. empties the basket (leftovers of an earlier run), opens an in-stock product (`--product`
   names it, else the first goods that come), adds it from the product page;
4. opens the basket from the header, goes to checkout, chooses home delivery as soon as
   possible and cash on delivery, submits; lands on the order page (/accounts/orders/<n>/);
   a merchant without ASAP delivery to this address is left for the next product;
5. opens the tracking page from the order page, then only watches: the page polls the tracking
   API and reloads itself when a status changes. Each status the page shows (the section's
   `data-status`) is recorded, with a screenshot when asked, until delivered.

At the end every delivery status must have appeared in order: shown live, or, when a fast step
fell between two polls, in the page's event list (全部记录). A JavaScript error on any page, a
checkout that does not land on an order, or a page that stops changing fails the flow.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# the statuses a home delivery goes through, in order, as the tracking page names them
DELIVERY_STATUSES = ("created", "point_assigned", "courier_assigned", "picked_up", "delivered")
FINAL_STATUSES = ("delivered", "collected", "rejected", "failed", "cancelled")
PHONE = {"width": 412, "height": 915}  # most residents order on a phone
NAVIGATION_TIMEOUT_MS = 30_000


class FlowError(AssertionError):
    """The flow could not go on, or the tracking page did not show what it must."""


@dataclass
class Seen:
    """A status the tracking page showed, when (seconds since the page opened) and how."""

    status: str
    headline: str
    seconds: float
    screenshot: str | None = None


@dataclass
class FlowResult:
    order_number: str = ""
    product: str = ""
    seen: list[Seen] = field(default_factory=list)
    events: list[str] = field(default_factory=list)  # the statuses of the page's event list, in order
    steps_done: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # step -> seconds
    screenshots: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)


def chromium_problem(executable: str = CHROMIUM) -> str | None:
    """Why the browser cannot run here, or None."""
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the Python package playwright is not installed (uv sync --frozen installs the dev group)"
    if not Path(executable).is_file():
        return f"{executable} is missing (Debian package `chromium`: scripts/install.sh installs it)"
    return None


@contextlib.contextmanager
def browser_page(*, executable: str = CHROMIUM, viewport: dict | None = None, locale: str = "zh-CN"):
    """A page of a fresh headless Chromium (its own user-data-dir, removed afterwards)."""
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="market-chromium-")
    try:
        with sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                profile, executable_path=executable, headless=True, args=CHROMIUM_ARGS,
                viewport=viewport or PHONE, locale=locale, timezone_id="Asia/Shanghai",
            )
            try:
                context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
                context.set_default_timeout(NAVIGATION_TIMEOUT_MS)
                page = context.pages[0] if context.pages else context.new_page()
                yield page
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


class OrderFlow:
    """One resident's order, step by step, in one page. `log` gets a line per step."""

    def __init__(self, page, *, base_url: str, mobile: str, password: str, screenshots: Path | None = None,
                 log=print):
        self.page = page
        self.base_url = base_url.rstrip("/") + "/"
        self.mobile = mobile
        self.password = password
        self.screenshots = Path(screenshots) if screenshots else None
        self.log = log
        self.result = FlowResult()
        self.started = time.monotonic()
        page.on("pageerror", lambda error: self.result.page_errors.append(f"{page.url}: {error}"))
        if self.screenshots:
            self.screenshots.mkdir(parents=True, exist_ok=True)

    # --- helpers ---------------------------------------------------------------------------------

    def url(self, path: str) -> str:
        return urljoin(self.base_url, path.lstrip("/"))

    def path(self) -> str:
        return re.sub(r"^https?://[^/]+", "", self.page.url)

    def shot(self, name: str) -> str | None:
        if not self.screenshots:
            return None
        path = self.screenshots / f"{len(self.result.screenshots) + 1:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        self.result.screenshots.append(str(path))
        return str(path)

    def timed(self, step: str, since: float) -> None:
        self.result.timings[step] = round(time.monotonic() - since, 1)
        self.log(f"[{time.monotonic() - self.started:6.1f}s] {step} ({self.result.timings[step]}s)")

    def fail(self, message: str):
        shot = None
        with contextlib.suppress(Exception):
            shot = self.shot("failure")
        text = ""
        with contextlib.suppress(Exception):
            text = re.sub(r"\s+", " ", self.page.inner_text("main") if self.page.query_selector("main")
                          else self.page.inner_text("body"))[:600]
        raise FlowError(f"{message}\n  at {self.page.url}\n  page says: {text}"
                        + (f"\n  screenshot: {shot}" if shot else "")
                        + (f"\n  JavaScript errors: {self.result.page_errors}" if self.result.page_errors else ""))

    def submit(self, button) -> None:
        """Click a submit button and wait for the page it leads to."""
        with self.page.expect_navigation(wait_until="load"):
            button.click()

    # --- the flow --------------------------------------------------------------------------------

    def run(self, *, product: str | None = None, timeout: float = 300) -> FlowResult:
        self.sign_in()
        self.choose_home()
        self.empty_basket()
        self.order(product=product)
        self.open_tracking()
        self.watch(timeout=timeout)
        self.check()
        return self.result

    def sign_in(self) -> None:
        since = time.monotonic()
        page = self.page
        page.goto(self.url("/accounts/login/"))
        page.fill("#id_login-username", self.mobile)
        page.fill("#id_login-password", self.password)
        self.submit(page.locator("button[name=login_submit]"))
        if self.path().startswith("/accounts/login/"):
            self.fail(f"signing in as {self.mobile} did not work")
        self.timed("signed in", since)

    def choose_home(self) -> None:
        """我的位置 = the first saved address (the default), then the catalogue near it."""
        since = time.monotonic()
        page = self.page
        page.goto(self.url("/circle/location/?next=/catalogue/"))
        form = page.locator("form:has(input[name=kind][value=address])")
        if not form.count():
            self.fail("the location page offers no saved address: the resident needs a home address")
        self.submit(form.locator("button[type=submit]"))
        if not self.path().startswith("/catalogue/"):
            self.fail("choosing the home address did not lead to the catalogue")
        self.catalogue_url = page.url
        self.shot("catalogue")
        self.timed("catalogue near home", since)

    def empty_basket(self) -> None:
        page = self.page
        page.goto(self.url("/basket/"))
        for _ in range(30):
            remove = page.locator("form[action*='/remove'] button[type=submit]")
            if not remove.count():
                return
            self.submit(remove.first)
        self.fail("the basket does not empty")

    def candidates(self, product: str | None) -> list[tuple[str, str]]:
        """(title, url) of in-stock listings on the catalogue near home, `product` first/only."""
        page = self.page
        found = []
        for _ in range(3):  # the first pages of the catalogue are enough
            for card in page.locator("article.listing-card:not(.listing-unavailable):not([data-kind=service])").all():
                if not card.locator(".availability.instock").count():
                    continue
                link = card.locator(".listing-title a")
                title = link.inner_text().strip()
                if product and product not in title:
                    continue
                found.append((title, link.get_attribute("href")))
            following = page.locator("a[rel=next], .pagination .next a, li.next a")
            if len(found) >= 8 or not following.count():
                break
            page.goto(urljoin(page.url, following.first.get_attribute("href")))
        return found

    def order(self, *, product: str | None) -> None:
        page = self.page
        since = time.monotonic()
        catalogue = self.catalogue_url
        page.goto(catalogue)
        candidates = self.candidates(product)
        if not candidates:
            self.fail(f"no product {product!r} in stock on the catalogue near home" if product
                      else "nothing in stock on the catalogue near home")
        for title, href in candidates[:8]:
            page.goto(urljoin(catalogue, href))
            form = page.locator("form.add-listing-form").first
            # goods: a quantity or packs; a home service (slots) is not a delivery
            if not form.count() or not form.locator("input[name=quantity][type=number], select[name=packs]").count():
                continue
            self.shot("product")
            self.submit(form.locator("button[type=submit]"))
            self.timed(f"added {title} from the product page", since)
            if self.checkout():
                self.result.product = title
                return
            self.empty_basket()  # this merchant cannot deliver here now: the next product
        self.fail("no product near home could be delivered as soon as possible")

    def checkout(self) -> bool:
        """Basket → checkout → ASAP home delivery, cash on delivery → the order page.
        False when the merchant offers no ASAP delivery to the address."""
        page = self.page
        since = time.monotonic()
        basket_link = page.locator("a[href$='/basket/']:visible").first
        if basket_link.count():
            with page.expect_navigation():
                basket_link.click()
        else:
            page.goto(self.url("/basket/"))
        if not page.locator(".basket-line, .merchant-group").count():
            self.fail("the basket is empty after adding the product")
        self.shot("basket")
        with page.expect_navigation():
            page.locator("a.btn-go").click()
        if not self.path().startswith("/checkout/"):
            self.fail("去结算 did not open the checkout page")
        asap = page.locator("input[name^=fulfil_][value=asap]")
        if asap.count() != 1:
            self.log("  this merchant does not deliver here as soon as possible now: trying another product")
            return False
        asap.check()
        address = page.locator("input[name=address_id]")
        if not address.count():
            self.fail("the resident has no saved address to deliver to")
        if not page.locator("input[name=address_id]:checked").count():
            address.first.check()
        page.locator("input[name=payment][value=cod]").check()
        self.shot("checkout")
        self.submit(page.locator("button.btn-go[type=submit]"))
        match = re.match(r"^/accounts/orders/([^/]+)/", self.path())
        if not match:
            self.fail("提交订单 did not land on the order page")
        self.result.order_number = match.group(1)
        self.shot("order")
        self.timed(f"order {self.result.order_number} placed (basket → checkout → order page)", since)
        return True

    def open_tracking(self) -> None:
        page = self.page
        link = page.locator(f"a[href*='/orders/{self.result.order_number}/tracking/']").first
        if not link.count():
            self.fail("the order page has no link to the tracking page")
        with page.expect_navigation():
            link.click()
        if not page.locator("#tracking section.tracking-group").count():
            self.fail("the tracking page shows no merchant")

    def read(self) -> dict | None:
        """What the tracking page shows now (None while it reloads)."""
        try:
            return self.page.evaluate("""() => {
                const section = document.querySelector('#tracking section.tracking-group');
                if (!section) return null;
                const text = (el) => el ? el.textContent.replace(/\\s+/g, ' ').trim() : '';
                return {
                    status: section.dataset.status,
                    headline: text(section.querySelector('.tracking-status')),
                    current: text(section.querySelector('li.step.current .step-label')),
                    done: Array.from(section.querySelectorAll('li.step.done .step-label')).map(text),
                    events: Array.from(section.querySelectorAll('.tracking-events li[data-status]'))
                        .map((li) => li.dataset.status),
                };
            }""")
        except Exception:  # the page is reloading: its context is gone for a moment
            return None

    def watch(self, *, timeout: float) -> None:
        """Only watch: the page must update itself. Record every status it shows."""
        page = self.page
        opened = time.monotonic()
        deadline = opened + timeout
        last = None
        while True:
            shown = self.read()
            if shown and shown["status"] != last:
                last = shown["status"]
                seen = Seen(status=last, headline=shown["headline"], seconds=round(time.monotonic() - opened, 1))
                seen.screenshot = self.shot(f"tracking-{last}")
                self.result.seen.append(seen)
                self.log(f"[{time.monotonic() - self.started:6.1f}s] tracking page shows {last}: "
                         f"「{shown['headline']}」" + (f" (step 「{shown['current']}」)" if shown["current"] else ""))
                if last in FINAL_STATUSES:
                    self.result.events = shown["events"]
                    self.result.steps_done = shown["done"]
                    break
            if time.monotonic() > deadline:
                self.fail(f"the tracking page still shows {last!r} after {timeout:.0f}s "
                          f"(seen: {[s.status for s in self.result.seen]}); is it still polling, "
                          "are the Celery worker and the couriers (simulate_couriers) running?")
            page.wait_for_timeout(250)
        with contextlib.suppress(Exception):  # the full history, opened, for the last picture
            page.locator(".tracking-events summary").first.click()
            self.shot("tracking-history")
        self.result.timings["tracking page to delivered"] = round(time.monotonic() - opened, 1)

    def check(self) -> None:
        check_statuses(self.result)
        if self.result.page_errors:
            raise FlowError(f"JavaScript errors on the way: {self.result.page_errors}")


def check_statuses(result: FlowResult) -> None:
    """Every delivery status appeared in order, live or in the event list when a poll missed it."""
    seen = [s.status for s in result.seen]
    unknown = [s for s in seen if s not in DELIVERY_STATUSES]
    if unknown:
        raise FlowError(f"the tracking page showed {unknown}, not a home delivery's status (seen: {seen})")
    order = [DELIVERY_STATUSES.index(s) for s in seen]
    if order != sorted(set(order)):
        raise FlowError(f"the tracking page showed the statuses out of order: {seen}")
    if not seen or seen[-1] != "delivered":
        raise FlowError(f"the tracking page never showed delivered (seen: {seen})")
    history = [s for s in result.events if s in DELIVERY_STATUSES]
    if history != list(DELIVERY_STATUSES):
        missing = [s for s in DELIVERY_STATUSES if s not in seen and s not in history]
        raise FlowError(f"the event list shows {history}, not every status in order {list(DELIVERY_STATUSES)}"
                        + (f"; never shown at all: {missing}" if missing else ""))
    if len(result.steps_done) != len(DELIVERY_STATUSES):
        raise FlowError(f"the delivered page marks {result.steps_done} done, not all {len(DELIVERY_STATUSES)} steps")


def run_flow(*, base_url: str, mobile: str, password: str, screenshots: Path | None = None,
             product: str | None = None, timeout: float = 300, executable: str = CHROMIUM,
             log=print) -> FlowResult:
    with browser_page(executable=executable) as page:
        return OrderFlow(page, base_url=base_url, mobile=mobile, password=password, screenshots=screenshots,
                         log=log).run(product=product, timeout=timeout)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.browser",
        description="Order as a resident in Chromium and watch the tracking page until delivered.")
    parser.add_argument("--base-url", default="http://127.0.0.1:8000", help="the running shop (default %(default)s)")
    parser.add_argument("--mobile", default="13800000001", help="the resident's mobile number (demo: %(default)s)")
    parser.add_argument("--password", default="resident-demo-2025", help="the resident's password (demo default)")
    parser.add_argument("--screenshots", type=Path, default=None, help="directory for a screenshot per step and status")
    parser.add_argument("--product", default=None, help="order the first in-stock product whose title contains this")
    parser.add_argument("--timeout", type=float, default=300, help="seconds to wait for delivered (default %(default)s)")
    parser.add_argument("--chromium", default=CHROMIUM, help="the browser (default %(default)s)")
    args = parser.parse_args(argv)
    problem = chromium_problem(args.chromium)
    if problem:
        print(f"cannot run: {problem}", file=sys.stderr)
        return 2
    started = time.monotonic()
    try:
        result = run_flow(base_url=args.base_url, mobile=args.mobile, password=args.password,
                          screenshots=args.screenshots, product=args.product, timeout=args.timeout,
                          executable=args.chromium)
    except FlowError as error:
        print(f"FAILED after {time.monotonic() - started:.1f}s: {error}", file=sys.stderr)
        return 1
    print(f"OK in {time.monotonic() - started:.1f}s: order {result.order_number} ({result.product}) delivered; "
          f"the page showed {' → '.join(s.status for s in result.seen)}; "
          f"its event list {' → '.join(result.events)}")
    for path in result.screenshots:
        print(f"  screenshot {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
