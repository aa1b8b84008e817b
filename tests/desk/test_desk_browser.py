"""The desk in a real browser: Debian's headless Chromium, driven through Debian's
chromedriver, against the app on a live HTTP server. Screenshots of the hand-off view and a
flow picture are left in test-artifacts/desk/ for a person to look at."""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import update
from werkzeug.serving import make_server

from voicebot import db
from voicebot.admin.i18n import RU
from voicebot.devtools.emulator import HttpTransport, TextEmulator
from voicebot.jobs import run_due
from voicebot.models import Call, Callback, Conversation, Message, Ticket, Voicemail

from support.desk import PASSWORD, PASSWORD_HASH, add, callback, ticket, wav
from support.records import Dial, stored, the_call
from support.reports import known_calls
from support.twilio_double import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, TwilioDouble

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "desk"
CALLER = "+15035550143"

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
                       reason="no browser: Debian's chromium and chromium-driver are not installed "
                              "(.ci/run installs them)"),
]


@pytest.fixture
def settings(settings: dict[str, Any], request: pytest.FixtureRequest) -> dict[str, Any]:
    """A desk in UTC, unless a test asks for its zone (`indirect` parametrization)."""
    return {**settings, "ADMIN_PASSWORD_HASH": PASSWORD_HASH,
            "DESK_TIMEZONE": getattr(request, "param", "UTC")}


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 f"--user-data-dir={tmp_path / 'chromium-profile'}", "--window-size=1280,1000",
                 "--lang=en-US", "--autoplay-policy=no-user-gesture-required"):
        options.add_argument(flag)
    # The explicit driver path: Selenium then never looks for (or downloads) one of its own.
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.implicitly_wait(5)
    yield driver
    driver.quit()


def go(browser: Any, action: Callable[[], None], expected: str) -> str:
    """Click or submit, wait until the browser has left the current page (a click returns
    before the next page loads, and the next page may carry the same heading), then wait for
    the next page's heading."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    page = browser.find_element(By.TAG_NAME, "html")
    action()

    def left(_driver: Any) -> bool:
        try:
            page.is_enabled()
        except WebDriverException:
            # Stale, or (chromedriver, mid-navigation) "node does not belong to the document".
            return True
        return False

    WebDriverWait(browser, 10).until(left, f"still on the page before {expected!r}")

    def heading(driver: Any) -> str | None:
        text = str(driver.find_element(By.TAG_NAME, "h1").text)
        return text if text.startswith(expected) else None

    found: str = WebDriverWait(browser, 10, ignored_exceptions=(StaleElementReferenceException,)
                               ).until(heading, f"no page headed {expected!r}")
    return found


def log_in(browser: Any, live_server: str) -> None:
    from selenium.webdriver.common.by import By

    browser.get(f"{live_server}/admin/")
    assert "/admin/login" in browser.current_url
    browser.find_element(By.NAME, "name").send_keys("Dana")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    go(browser, browser.find_element(By.CSS_SELECTOR, "form.stack button[type=submit]").click,
       "What happened since")


def shot(browser: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    assert browser.save_screenshot(str(path))
    return path


def leave_voicemail(app: Flask, dial: Dial, set_clock: Any) -> int:
    """A real after-hours call over HTTP, then the pipeline's part: the WAV fetched into
    RECORDINGS_DIR and the transcript written."""
    moment = set_clock("2026-11-23T15:10:00-08:00")
    caller = dial("+15035550100", from_=CALLER)
    caller.start()
    caller.record(duration=14, finish="#")
    (vm,) = stored(app, Voicemail, call_id=the_call(app, caller).id)
    name = f"omega/{vm.recording_sid}.wav"
    wav(Path(app.config["RECORDINGS_DIR"]) / name, seconds=2.0)
    with db.session_scope(app) as session:
        session.execute(update(Voicemail).where(Voicemail.id == vm.id).values(
            audio_path=name, status="for-person", created_at=moment,
            transcript="my washer leaks water please call me back"))
    set_clock("2026-11-23T16:00:00-08:00")
    return vm.id


def test_dispatcher_logs_in_finds_a_caller_plays_a_voicemail_closes_a_ticket_cancels_a_callback(
    app: Flask, live_server: str, dial: Dial, set_clock: Any, browser: Any
) -> None:
    from selenium.webdriver.common.by import By

    vm_id = leave_voicemail(app, dial, set_clock)
    ticket_id = ticket(app, flow_id="omega", phone=CALLER, urgent=True, kind="callback",
                       text="Caller asks for a technician visit before Friday.",
                       due_at=dt.datetime(2026, 11, 24, 18, 0, tzinfo=dt.UTC))
    callback_id = callback(app, phone=CALLER,
                           next_at=dt.datetime(2026, 11, 24, 17, 0, tzinfo=dt.UTC))

    # Log in: the desk sends an unknown browser to its login form first.
    log_in(browser, live_server)
    assert "Signed in as Dana" in browser.find_element(By.CSS_SELECTOR, "header.top").text
    shot(browser, "handoff.png")

    # Find the caller by number: their whole history.
    search = browser.find_element(By.NAME, "number")
    search.send_keys("+1 503 555 0143")
    go(browser, search.submit, f"Whole history of {CALLER}")
    assert "my washer leaks water" in browser.find_element(By.ID, f"voicemail-{vm_id}").text

    # Play the voicemail: the audio element loads the WAV through the authenticated route.
    audio = browser.find_element(By.CSS_SELECTOR, f"#voicemail-{vm_id} audio")
    state = browser.execute_async_script("""
        const audio = arguments[0], done = arguments[arguments.length - 1];
        const report = () => done({ready: audio.readyState, duration: audio.duration,
                                   time: audio.currentTime, error: audio.error && audio.error.code,
                                   src: audio.currentSrc});
        audio.addEventListener('error', report);
        audio.play().then(() => setTimeout(report, 600), report);
    """, audio)
    assert state["error"] is None, state
    assert state["src"].endswith(f"/admin/recordings/{stored(app, Voicemail)[0].audio_path}")
    assert state["ready"] >= 2 and abs(state["duration"] - 2.0) < 0.1 and state["time"] > 0, state

    # Close the ticket from its own page.
    go(browser, browser.find_element(By.LINK_TEXT, f"Ticket #{ticket_id}").click,
       f"Ticket #{ticket_id}")
    go(browser, browser.find_element(By.ID, "close-ticket").click, f"Ticket #{ticket_id}")
    assert "Ticket closed." in browser.find_element(By.CSS_SELECTOR, "p.flash").text
    (row,) = stored(app, Ticket)
    assert row.status == "closed" and row.closed_at is not None

    # Cancel the promised call back from the callbacks page.
    go(browser, browser.find_element(By.LINK_TEXT, "Callbacks").click, "Callbacks")
    assert CALLER in browser.find_element(By.ID, f"callback-{callback_id}").text
    go(browser, browser.find_element(By.ID, f"cancel-callback-{callback_id}").click, "Callbacks")
    assert "Callback canceled." in browser.find_element(By.CSS_SELECTOR, "p.flash").text
    browser.implicitly_wait(0)  # an element that must be gone: do not wait for it to appear
    assert not browser.find_elements(By.ID, f"callback-{callback_id}")
    browser.implicitly_wait(5)
    (cb,) = stored(app, Callback)
    assert cb.status == "canceled" and cb.outcome == "canceled by Dana"

    # The flow's picture.
    browser.get(f"{live_server}/admin/flows/omega")
    picture = browser.find_element(By.ID, "flow-picture")
    assert browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth", picture) > 200
    shot(browser, "flow-omega.png")


def test_the_hand_off_view_fits_a_phone_screen(
    app: Flask, live_server: str, dial: Dial, set_clock: Any, browser: Any
) -> None:

    leave_voicemail(app, dial, set_clock)
    # A long unbroken string (a delivery error with Twilio's URL) must wrap, not widen the page.
    add(app, Message(direction="out", purpose="quote", flow_id="omega", from_number="+15035550100",
                     to_number=CALLER, body="Your quote: $85.", status="failed",
                     created_at=dt.datetime(2026, 11, 23, 23, 30, tzinfo=dt.UTC),
                     error="HTTP 400 from https://api.twilio.com/2010-04-01/Accounts/"
                           "AC00000000000000000000000000000000/Messages.json?" + "x" * 120))
    browser.set_window_size(390, 844)
    log_in(browser, live_server)
    overflow = browser.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the phone's screen"
    shot(browser, "handoff-phone.png")



def test_reports_show_charts_with_tables_and_fit_a_phone(
    app: Flask, live_server: str, dial: Dial, set_clock: Any, browser: Any
) -> None:
    """Issue 18 item 7: the dispatcher opens Reports from the menu, picks a period, sees the
    charts beside their tables; the page fits a 390 px phone."""
    from selenium.webdriver.common.by import By

    known_calls(app, dial, set_clock)
    log_in(browser, live_server)
    go(browser, browser.find_element(By.LINK_TEXT, "Reports").click, "Reports")
    browser.get(f"{live_server}/admin/reports?from=2026-11-23&to=2026-11-29&unit=day")
    totals = browser.find_element(By.ID, "totals").text
    assert "Calls\n5" in totals and "Abandoned in the queue\n1 (after 45 s on average)" in totals
    charts = browser.find_elements(By.CSS_SELECTOR, "svg.chart")
    assert len(charts) == 3
    for chart in charts:
        assert chart.size["width"] > 300 and chart.size["height"] > 100
        assert chart.get_attribute("role") == "img" and chart.get_attribute("aria-labelledby")
    bars = browser.find_elements(By.CSS_SELECTOR, "#chart-calls rect.series-ok")
    assert len(bars) == 1 + 2  # the legend's swatch and one bar a day with a picked-up call
    row = browser.find_element(By.XPATH, "//table[@id='table-calls']//tr[th='2026-11-23']").text
    # This desk keeps UTC: the 20:30 Pacific voicemail counts on Tuesday here.
    assert row.split()[1:] == ["3", "1", "1", "45"]
    shot(browser, "reports.png")

    browser.set_window_size(390, 844)
    browser.refresh()
    browser.find_element(By.ID, "chart-calls")
    overflow = browser.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
    wide = browser.execute_script(
        "return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right"
        " > document.documentElement.clientWidth + 1).map(e => e.tagName + '#' + e.id + '.' + e.className)"
        ".slice(0, 8)")
    assert overflow <= 0, f"the page is {overflow}px wider than the phone's screen: {wide}"
    shot(browser, "reports-phone.png")

    # Russian words are longer: the page still fits.
    browser.get(f"{live_server}/admin/reports?from=2026-11-23&to=2026-11-29&unit=day&lang=ru")
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("Отчёты")
    overflow = browser.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the Russian page is {overflow}px wider than the phone's screen"
    shot(browser, "reports-phone-ru.png")
    browser.execute_script("document.getElementById('chart-work').scrollIntoView()")
    shot(browser, "reports-phone-ru-charts.png")


@pytest.fixture
def texting_server(make_app: Callable[..., Flask], twilio_double: TwilioDouble
                   ) -> Iterator[tuple[Flask, str]]:
    """A desk that sends SMS for real, to the Twilio double, behind a live HTTP server."""
    app = make_app(DRY_RUN=False, TWILIO_API_URL=twilio_double.base_url)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def test_staff_answer_a_text_from_the_menu_and_see_it_delivered(
    texting_server: tuple[Flask, str], twilio_double: TwilioDouble, browser: Any
) -> None:
    """Issue 18 item 5: a caller's question by SMS counts in the menu; the dispatcher opens
    it, replies, and sees the reply delivered, beside the caller's text."""
    from selenium.webdriver.common.by import By

    app, server = texting_server
    caller = TextEmulator(HttpTransport(server), auth_token=TEST_AUTH_TOKEN, public_url=server,
                          to="+15035550100", from_=CALLER, account_sid=TEST_ACCOUNT_SID)
    caller.send("Hello, my fridge is buzzing loudly. Can someone look at it this week?")
    log_in(browser, server)
    menu = browser.find_element(By.ID, "nav-texts")
    assert menu.text == "Texts 1"
    go(browser, menu.click, "Texts")
    (talk,) = stored(app, Conversation)
    card = browser.find_element(By.ID, f"conversation-{talk.id}").text
    assert "waiting for a reply" in card and "fridge is buzzing" in card
    go(browser, browser.find_element(By.LINK_TEXT, CALLER).click, f"Texts with {CALLER}")
    reply = ("Hello! Yes, a technician can come on Thursday between 10 and 12. The visit is "
             "$85, parts extra. Reply YES to book it or suggest another time.")
    browser.find_element(By.NAME, "body").send_keys(reply)
    go(browser, browser.find_element(By.ID, "send-reply").click, f"Texts with {CALLER}")
    assert ("Reply queued from +15035550100: Fits in one SMS."
            in browser.find_element(By.CSS_SELECTOR, "p.flash").text)
    assert "nav-count" not in browser.find_element(By.ID, "nav-texts").get_attribute("innerHTML")

    run_due(app, raise_errors=True)  # the worker sends it
    (sent,) = twilio_double.messages
    assert (sent["from"], sent["to"], sent["body"]) == ("+15035550100", CALLER, reply)
    twilio_double.deliver_message_status(sent["sid"], "delivered")
    browser.refresh()
    (ours,) = browser.find_elements(By.CSS_SELECTOR, "li.sms.out")
    assert "reply by Dana" in ours.text and "delivered" in ours.text and reply in ours.text
    assert "fridge is buzzing" in browser.find_element(By.CSS_SELECTOR, "li.sms.in").text
    shot(browser, "texts-thread.png")

    browser.set_window_size(390, 844)
    browser.refresh()
    assert wider_than_the_screen(browser) == []
    shot(browser, "texts-thread-phone.png")


def test_staff_text_a_number_first_from_the_texts_page_on_a_phone(
    texting_server: tuple[Flask, str], twilio_double: TwilioDouble, browser: Any
) -> None:
    """The new-text form on the Texts page, on a phone's screen: the number typed as it is
    written in the line's country, the SMS sent by the worker, the conversation opened."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    app, server = texting_server
    browser.set_window_size(390, 844)
    log_in(browser, server)
    browser.get(f"{server}/admin/texts")
    browser.find_element(By.CSS_SELECTOR, "#new-text summary").click()
    assert wider_than_the_screen(browser) == []
    Select(browser.find_element(By.NAME, "line")).select_by_value("+15035550100")
    browser.find_element(By.NAME, "phone").send_keys("(503) 555-0143")
    body = "Hello from Omega: the part for your dryer is in. When may we come?"
    browser.find_element(By.NAME, "body").send_keys(body)
    go(browser, browser.find_element(By.ID, "send-new-text").click, f"Texts with {CALLER}")
    assert (f"SMS to {CALLER} queued from +15035550100: Fits in one SMS."
            in browser.find_element(By.CSS_SELECTOR, "p.flash").text)
    run_due(app, raise_errors=True)
    (sent,) = twilio_double.messages
    assert (sent["from"], sent["to"], sent["body"]) == ("+15035550100", CALLER, body)
    browser.refresh()
    (ours,) = browser.find_elements(By.CSS_SELECTOR, "li.sms.out")
    assert "reply by Dana" in ours.text and body in ours.text
    shot(browser, "texts-new-phone.png")


CAR_SERVICE = "+74955550100"
TELESPUTNIK = "+375295550100"
RU_PAGES = {"handoff": "/admin/", "tickets": "/admin/tickets", "callbacks": "/admin/callbacks",
            "flows": "/admin/flows", "reports": "/admin/reports", "texts": "/admin/texts"}
PROPER_NAMES = ("Omega Tech Service", "voicebot", "English", "Europe/Moscow", "Twilio")
"""Latin words a Russian page may show: a line's own name, the product, the language switch
(a language named in itself), the time zone's name."""
DESK_ENGLISH = sorted(k for k, v in RU.items() if "{" not in k and v.lower() != k.lower())
"""The desk's English strings that have a Russian form ("SMS" and "OK" are the same in both)."""


def wider_than_the_screen(browser: Any) -> list[str]:
    found: list[str] = browser.execute_script("""
        const width = window.innerWidth, out = [];
        if (document.documentElement.scrollWidth > width)
            out.push('page ' + document.documentElement.scrollWidth + ' > ' + width);
        for (const e of document.querySelectorAll('body *')) {
            const right = e.getBoundingClientRect().right;
            if (right > width + 1) out.push(e.tagName + '#' + e.id + '.' + e.className + ' ' + right);
        }
        return out.slice(0, 10);""")
    return found


def english_on(browser: Any) -> list[str]:
    """The desk's English strings in the page's visible text, each with what surrounds it.
    Commands to type (`<code>`) stay as they are typed."""
    text = str(browser.execute_script("""
        let text = document.body.innerText;
        for (const code of document.querySelectorAll('code')) text = text.replace(code.innerText, ' ');
        return text;"""))
    for name in PROPER_NAMES:
        text = text.replace(name, " ")
    found = []
    for k in DESK_ENGLISH:
        hit = re.search(r"(?<![\w/.@-])" + re.escape(k) + r"(?![\w/.@-])", text, re.IGNORECASE)
        if hit:
            found.append(f"{k!r} in {text[max(0, hit.start() - 40):hit.end() + 40]!r}")
    return found


@pytest.mark.parametrize("settings", ["Europe/Moscow"], indirect=True)
def test_the_russian_desk_is_all_russian_and_fits_a_phone(  # noqa: PLR0915  one tour, page by page
    app: Flask, live_server: str, dial: Dial, set_clock: Any, browser: Any
) -> None:
    """Issue 17 item 6: calls on the Russian lines first (a car-service booking with its
    ticket, CS-3; a question for management on Telesputnik, TS-4, and a voicemail), then every desk page in
    Russian at 1280 px and 390 px: no English word of the desk's, no state or role or
    variable id, one time zone in the header and in the notes, nothing wider than the screen."""
    from selenium.webdriver.common.by import By

    set_clock("2026-11-23T12:00:00+03:00")
    booking = dial(CAR_SERVICE, from_="+79005550177")
    booking.start()
    booking.press("1")
    booking.say("при торможении что-то скрежещет спереди и руль бьёт")
    booking.say("Киа Рио 2017 года")
    booking.say("Дмитрий")
    booking.say("в среду утром")
    assert "вы записаны на среду, 25 ноября, в 10:00" in booking.say("да, подходит").text
    assert booking.silence().ended
    set_clock("2026-11-23T12:20:00+03:00")
    asker = dial(TELESPUTNIK, from_="+375295550178")
    asker.start()
    asker.say("можно ли перенести розетку в другую комнату")
    set_clock("2026-11-23T12:30:00+03:00")
    silent = dial(TELESPUTNIK, from_="+375295550179")
    silent.start()
    heard = silent.silence()
    for _reprompt in range(3):  # the question is asked again before the message is offered
        if "сообщение после сигнала" in heard.text:
            break
        heard = silent.silence()
    assert "сообщение после сигнала" in heard.text
    silent.record(duration=14)
    set_clock("2026-11-23T13:00:00+03:00")
    (request,) = stored(app, Ticket, kind="request")
    (voicemail,) = stored(app, Voicemail)
    (car_call,) = stored(app, Call, flow_id="car_service")

    log_in(browser, live_server)
    browser.get(f"{live_server}/admin/?lang=ru")
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("Что произошло с")
    header = browser.find_element(By.CSS_SELECTOR, "header.top").text
    assert "Время: Europe/Moscow" in header
    assert "Время:" not in browser.find_element(By.TAG_NAME, "main").text  # shown once

    # The booking's note: sentences in Russian, the flow's labels, Moscow time in the card's
    # header and in the note alike; no state ids, no variable names.
    note = browser.find_element(By.ID, f"call-{car_call.id}").text
    assert note.count("2026-11-23 12:00") == 2, note  # header and note: the same local time
    assert "звонок от +79005550177. Линия: автоцентр «Магистраль» (+74955550100)." in note
    assert "Ответы абонента: нажата клавиша 1; «при торможении" in note
    assert "Неисправность: при торможении что-то скрежещет спереди и руль бьёт" in note
    assert "Автомобиль: Киа Рио 2017 года" in note and "Имя клиента: Дмитрий" in note
    assert f"Создана заявка №{request.id} (заявка" in note
    assert "Запись: среда, 25 ноября, в 10:00." in note
    for internal in ("fault", "car =", "client_name", "→", "master_consultant", "greeting"):
        assert internal not in note, internal
    left = browser.find_element(By.ID, f"call-{voicemail.call_id}").text
    assert "Абонент оставил голосовое сообщение (14 с)." in left, left
    assert "Итог: абонент оставил голосовое сообщение" in left
    assert "получено" in browser.find_element(By.ID, f"voicemail-{voicemail.id}").text
    ticket_card = browser.find_element(By.ID, f"ticket-{request.id}").text
    assert "мастер-консультант (пока никто)" in ticket_card

    # The ticket's own page: fields under the flow's labels.
    browser.get(f"{live_server}/admin/tickets/{request.id}")
    facts = browser.find_element(By.CSS_SELECTOR, "dl.facts").text
    for label in ("Роль\nмастер-консультант", "Неисправность", "Автомобиль", "Имя клиента",
                  "Время записи\nсреда, 25 ноября, в 10:00", "Время звонка\n23.11.2026 12:00"):
        assert label in facts, (label, facts)
    for raw in ("fault", "client_name", "slot", "call_time", "master_consultant"):
        assert raw not in facts, raw

    pages = {**RU_PAGES, "ticket": f"/admin/tickets/{request.id}"}
    for width, height in ((1280, 1000), (390, 844)):
        browser.set_window_size(width, height)
        for name, path in pages.items():
            browser.get(live_server + path)
            browser.find_element(By.TAG_NAME, "h1")
            assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ru"
            assert english_on(browser) == [], (name, width)
            assert wider_than_the_screen(browser) == [], (name, width)
            # The whole page in one picture: the window as tall as the page, same width.
            tall = browser.execute_script("return document.documentElement.scrollHeight")
            browser.set_window_size(width, min(int(tall) + 140, 6000))
            shot(browser, f"ru-{name}-{width}.png")
            browser.set_window_size(width, height)
