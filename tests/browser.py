"""Real headless Chromium for browser tests (Debian's chromium and chromium-driver, selenium
from requirements-dev.txt). Without them the `browser` fixture skips and prints why.

Screenshots go to $SCREENSHOT_DIR when set, else to a pytest temporary folder; either way
the folder is printed, and it is never inside the repository.
"""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1400,1800",
)
OPERATOR = ("operator", "pw-123456")


def browser_missing() -> str:
    """Why the browser tests cannot run here ("" when they can)."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -r requirements-dev.txt)"
    if not CHROMIUM or not CHROMEDRIVER:
        return "chromium/chromedriver not found: apt-get install -y chromium chromium-driver"
    return ""


@pytest.fixture
def browser():
    reason = browser_missing()
    if reason:
        print(f"SKIP browser tests: {reason}")
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.implicitly_wait(5)
    yield driver
    driver.quit()


@pytest.fixture
def screenshots(tmp_path_factory) -> Path:
    if os.environ.get("SCREENSHOT_DIR"):
        folder = Path(os.environ["SCREENSHOT_DIR"])
        folder.mkdir(parents=True, exist_ok=True)
    else:
        folder = tmp_path_factory.mktemp("cockpit-screenshots")
    print(f"\ncockpit screenshots: {folder}")
    return folder


@pytest.fixture
def operator(django_user_model):
    username, password = OPERATOR
    return django_user_model.objects.create_superuser(username, "op@example.com", password)


def log_in(browser, live_server, next_url: str = "/admin/") -> None:
    from selenium.webdriver.common.by import By

    username, password = OPERATOR
    browser.get(f"{live_server.url}/admin/login/?next={next_url}")
    browser.find_element(By.NAME, "username").send_keys(username)
    browser.find_element(By.NAME, "password").send_keys(password)
    submit = browser.find_element(By.CSS_SELECTOR, "input[type=submit]")
    submit.click()
    # A click does not wait for the page it leads to, and the next page may read Picqer
    # first: wait for it to load (a loaded machine takes longer than the implicit 5 s).
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.wait import WebDriverWait

    WebDriverWait(browser, 30).until(expected_conditions.staleness_of(submit))
    WebDriverWait(browser, 30).until(
        lambda driver: driver.execute_script("return document.readyState") == "complete"
    )
