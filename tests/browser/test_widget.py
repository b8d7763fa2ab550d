"""Browser tests for the career-chat web widget (web/index.html + rasa-webchat).

Run: .venv/bin/python -m pytest tests/browser -v
Servers: see tests/browser/conftest.py (a `running_servers` fixture, or
CAREERBOT_RASA_URL=http://127.0.0.1:PORT pointing at a running `rasa run` with the
socketio channel and session_persistence: true).
Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest

from actions.school import configured_school_file, load_advising_contact
from tests.knowledge_files import FIGURE_ANSWER, FIGURE_QUESTION, FIGURE_TOPIC, SERVED, asked_by

# What the bot is expected to say, from the knowledge file served.
GREETING_CONTAINS = "Hi!"  # substring of the reply to /greet
QUICK_REPLIES = [topic.button for topic in SERVED.topics.values()]
TOPIC_BUTTON = FIGURE_TOPIC.button  # quick reply to click
TOPIC_REPLY_CONTAINS = FIGURE_ANSWER  # ...and the bot's answer to it
_TYPED_TOPIC = next(t for t in SERVED.topics.values() if t is not FIGURE_TOPIC and t.headline.questions)
TYPED_QUESTION = asked_by(_TYPED_TOPIC.headline)  # question typed into the input
TYPED_ANSWER_CONTAINS = _TYPED_TOPIC.headline.text  # ...and the bot's answer to it
# A second question later in the same conversation (the bot does not repeat an answer word for word).
_SECOND_TOPIC = next(
    t for t in SERVED.topics.values() if t not in (FIGURE_TOPIC, _TYPED_TOPIC) and t.headline.questions
)
SECOND_QUESTION, SECOND_ANSWER_CONTAINS = asked_by(_SECOND_TOPIC.headline), _SECOND_TOPIC.headline.text
XSS_PAYLOAD = "<img src=x onerror=alert(1)>"
PHONE = {"width": 375, "height": 667}
DESKTOP = {"width": 1280, "height": 800}
BOT_TIMEOUT_S = 30  # a reply slower than this fails the test

LAUNCHER = "#rasaWebchatPro .rw-launcher"
CONVERSATION = "#rasaWebchatPro .rw-conversation-container"
INPUT = "#rasaWebchatPro .rw-new-message"
SEND = "#rasaWebchatPro .rw-send"
BOT_MSG = "#rasaWebchatPro .rw-response"
USER_MSG = "#rasaWebchatPro .rw-client"
REPLY_BUTTON = "#rasaWebchatPro .rw-reply"


# ----------------------------- helpers -------------------------------------


def load_page(page, servers):
    page.goto(servers.web_url)
    # the widget stays hidden until its socket has connected and the session is confirmed
    try:
        page.locator(LAUNCHER).first.wait_for(state="visible", timeout=BOT_TIMEOUT_S * 1000)
    except Exception as exc:
        raise AssertionError(
            f"the chat launcher did not appear on {servers.web_url} (Rasa at {servers.rasa_url}); "
            "browser console:\n" + "\n".join(page.console_log[-30:])
        ) from exc


def open_widget(page):
    if page.locator(CONVERSATION).count() == 0:
        page.locator(LAUNCHER).first.click()
    page.locator(CONVERSATION).wait_for(state="visible")


def bot_texts(page) -> list[str]:
    return page.locator(BOT_MSG).all_inner_texts()


def wait_for_greeting(page):
    page.locator(BOT_MSG).first.wait_for(state="visible", timeout=BOT_TIMEOUT_S * 1000)
    if GREETING_CONTAINS:
        page.locator(BOT_MSG, has_text=GREETING_CONTAINS).first.wait_for(timeout=BOT_TIMEOUT_S * 1000)
    for title in QUICK_REPLIES:
        page.locator(REPLY_BUTTON, has_text=title).first.wait_for(state="visible", timeout=BOT_TIMEOUT_S * 1000)


def ask_typed(page, question: str = TYPED_QUESTION, contains: str = TYPED_ANSWER_CONTAINS) -> str:
    """Type a question into the widget, send it with Enter, and wait for the answer."""
    before = len(bot_texts(page))
    page.locator(INPUT).fill(question)
    page.keyboard.press("Enter")
    return wait_for_new_bot_text(page, before, contains)


def wait_for_new_bot_text(page, before: int, contains: str) -> str:
    """Wait until a bot message after the first `before` ones contains `contains`."""
    deadline = time.monotonic() + BOT_TIMEOUT_S
    while time.monotonic() < deadline:
        new = bot_texts(page)[before:]
        for text in new:
            if contains in text:
                return text
        page.wait_for_timeout(100)
    raise AssertionError(f"no new bot message containing {contains!r}; new bot messages: {bot_texts(page)[before:]!r}")


def poll_js(page, expression: str, timeout_s: float = BOT_TIMEOUT_S, what: str = ""):
    """Poll a JS expression until truthy and return its value. (page.wait_for_function
    cannot be used: it evals its predicate, which the page's CSP forbids.)"""
    deadline = time.monotonic() + timeout_s
    while True:
        value = page.evaluate(expression)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s}s waiting for {what or expression}")
        page.wait_for_timeout(20)


def active(page, js: str):
    return page.evaluate(f"(() => {{ const el = document.activeElement; return {js}; }})()")


def tab_until(page, predicate_js: str, max_presses: int = 40) -> None:
    for _ in range(max_presses):
        page.keyboard.press("Tab")
        if active(page, predicate_js):
            return
    raise AssertionError(f"Tab never reached an element matching: {predicate_js}")


def assert_focus_visible(page):
    style = active(
        page, "(() => { const s = getComputedStyle(el); return [s.outlineStyle, s.outlineWidth, s.boxShadow]; })()"
    )
    outline_style, outline_width, box_shadow = style
    outlined = outline_style != "none" and outline_width != "0px"
    assert outlined or box_shadow != "none", f"no visible focus style: {style}"


def assert_only_local_requests(page, servers):
    allowed = {urlsplit(servers.web_url).netloc, urlsplit(servers.rasa_url).netloc}
    external = [u for u in page.requested_urls if not u.startswith("data:") and urlsplit(u).netloc not in allowed]
    assert not external, f"page loaded resources from elsewhere: {external}"


def assert_no_horizontal_scroll(page):
    sizes = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth, window.innerWidth]"
    )
    assert sizes[0] <= sizes[2], f"page scrolls horizontally (scrollWidth, clientWidth, innerWidth) = {sizes}"


def assert_inside_viewport(page, selector: str, width: int, height: int):
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not rendered"
    tol = 0.5
    assert box["x"] >= -tol and box["y"] >= -tol, f"{selector} starts off-screen: {box}"
    assert box["x"] + box["width"] <= width + tol, f"{selector} overflows the {width}px width: {box}"
    assert box["y"] + box["height"] <= height + tol, f"{selector} overflows the {height}px height: {box}"


# ------------------------------ tests --------------------------------------


def test_greeting_quick_replies_and_topic_button(servers, make_page, artifacts_dir):
    page = make_page(**DESKTOP)
    load_page(page, servers)
    open_widget(page)
    wait_for_greeting(page)
    assert bot_texts(page)[0].strip(), "greeting is empty"
    page.screenshot(path=str(artifacts_dir / "widget-desktop.png"))

    before = len(bot_texts(page))
    page.locator(REPLY_BUTTON, has_text=TOPIC_BUTTON).first.click()
    page.locator(USER_MSG, has_text=TOPIC_BUTTON).first.wait_for()  # the choice shows as the user's message
    wait_for_new_bot_text(page, before, TOPIC_REPLY_CONTAINS)
    # the reply's parts are on lines of their own, and its source is a working link
    answer = page.locator(BOT_MSG, has_text=TOPIC_REPLY_CONTAINS).last
    # the newest figure, its source, the offer (the older figure is a button away)
    assert answer.locator("br").count() == 2, answer.inner_html()
    links = answer.locator("a").evaluate_all("links => links.map(link => link.getAttribute('href'))")
    assert links == [FIGURE_TOPIC.headline.source.url], answer.inner_html()

    before = len(bot_texts(page))
    page.locator(INPUT).fill(TYPED_QUESTION)
    page.locator(SEND).click()
    page.locator(USER_MSG, has_text=TYPED_QUESTION).last.wait_for()
    wait_for_new_bot_text(page, before, TYPED_ANSWER_CONTAINS)
    page.screenshot(path=str(artifacts_dir / "widget-desktop-conversation.png"))

    assert_only_local_requests(page, servers)
    assert not page.page_errors, page.page_errors
    csp = [e for e in page.console_errors if "Content Security Policy" in e]
    assert not csp, csp


def test_next_steps_are_buttons_and_a_person_is_one_question_away(servers, make_page, artifacts_dir):
    page = make_page(**DESKTOP)
    load_page(page, servers)
    open_widget(page)
    wait_for_greeting(page)
    answer = ask_typed(page, FIGURE_QUESTION, TOPIC_REPLY_CONTAINS)
    assert "You can also ask" not in answer
    following = SERVED.topics[FIGURE_TOPIC.next].button
    page.locator(REPLY_BUTTON, has_text=following).first.wait_for(state="visible", timeout=BOT_TIMEOUT_S * 1000)
    assert page.locator(REPLY_BUTTON).count() > 1

    contact = load_advising_contact(configured_school_file())
    ask_typed(page, "can I talk to a real person at the school?", contact.email)
    booking = page.locator(f"a.rw-reply[href='{contact.booking_url}']")
    booking.first.wait_for(state="visible", timeout=BOT_TIMEOUT_S * 1000)
    assert booking.first.inner_text().strip() == "Book an appointment"
    page.screenshot(path=str(artifacts_dir / "widget-advisor.png"))
    assert_only_local_requests(page, servers)


def test_keyboard_only(servers, make_page):
    page = make_page(**DESKTOP)
    load_page(page, servers)

    # Tab to the launcher: it must be a labelled, focus-visible button.
    tab_until(page, "el.classList.contains('rw-launcher')")
    assert active(page, "el.tagName") == "BUTTON"
    assert active(page, "el.getAttribute('aria-label') || ''"), "launcher has no aria-label"
    assert active(page, "el.getAttribute('aria-expanded')") == "false"
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    page.locator(CONVERSATION).wait_for(state="visible")
    wait_for_greeting(page)
    poll_js(  # labels are added by web/app.js right after each render
        page, "document.querySelectorAll('#rasaWebchatPro .rw-reply:not([role=button])').length === 0", 5
    )

    # labels on the widget controls
    for selector in (INPUT, SEND, "#rasaWebchatPro .rw-close-button"):
        assert page.locator(selector).first.get_attribute("aria-label"), f"{selector} has no aria-label"
    assert page.locator(f"{LAUNCHER}[aria-expanded=true]").count() == 1

    # quick reply: Tab to it, Enter
    before = len(bot_texts(page))
    tab_until(page, f"el.classList.contains('rw-reply') && el.textContent.trim() === {TOPIC_BUTTON!r}")
    assert active(page, "el.getAttribute('role') || el.tagName.toLowerCase()") in ("button",)
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    wait_for_new_bot_text(page, before, TOPIC_REPLY_CONTAINS)

    # input: Tab to it, type, Enter
    before = len(bot_texts(page))
    tab_until(page, "el.classList.contains('rw-new-message')")
    assert_focus_visible(page)
    page.keyboard.type(TYPED_QUESTION)
    page.keyboard.press("Enter")
    wait_for_new_bot_text(page, before, TYPED_ANSWER_CONTAINS)

    # send button: type, Tab to the (now enabled) send button, Enter
    before = len(bot_texts(page))
    tab_until(page, "el.classList.contains('rw-new-message')")
    page.keyboard.type(SECOND_QUESTION)
    page.keyboard.press("Tab")
    assert active(page, "el.classList.contains('rw-send')"), "Tab from the input does not reach the send button"
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    wait_for_new_bot_text(page, before, SECOND_ANSWER_CONTAINS)


def test_conversation_survives_reload(servers, make_page):
    page = make_page(**DESKTOP)
    load_page(page, servers)
    open_widget(page)
    wait_for_greeting(page)
    ask_typed(page)
    history = bot_texts(page)
    users = page.locator(USER_MSG).all_inner_texts()

    page.reload()
    page.locator(LAUNCHER).first.wait_for(state="visible", timeout=BOT_TIMEOUT_S * 1000)
    open_widget(page)  # the open/closed state is restored too; open it if it was not
    page.locator(BOT_MSG).nth(len(history) - 1).wait_for()
    page.wait_for_timeout(1000)  # give a (wrong) second greeting time to show up
    assert bot_texts(page) == history, "bot messages changed across the reload (lost or greeted again)"
    assert page.locator(USER_MSG).all_inner_texts() == users

    # the restored session still talks to the same conversation (session_persistence)
    ask_typed(page, SECOND_QUESTION, SECOND_ANSWER_CONTAINS)


def test_user_html_is_rendered_as_text(servers, make_page):
    page = make_page(**DESKTOP)
    load_page(page, servers)
    open_widget(page)
    wait_for_greeting(page)
    before = len(bot_texts(page))
    page.locator(INPUT).fill(XSS_PAYLOAD)
    page.keyboard.press("Enter")
    shown = page.locator(USER_MSG, has_text=XSS_PAYLOAD).first
    shown.wait_for()
    assert shown.inner_text().strip() == XSS_PAYLOAD
    # give the bot time to answer (in case it echoes the text) and any handler time to fire
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(bot_texts(page)) <= before:
        page.wait_for_timeout(100)
    page.wait_for_timeout(1000)
    assert page.locator("#rasaWebchatPro img[src='x']").count() == 0, "user text was turned into an <img>"
    assert page.locator(f"{USER_MSG} img, {BOT_MSG} img").count() == 0
    assert page.dialogs == [], f"a JS dialog fired: {page.dialogs}"
    assert not page.page_errors, page.page_errors


def test_phone_width_layout(servers, make_page, artifacts_dir):
    w, h = PHONE["width"], PHONE["height"]
    page = make_page(w, h, is_mobile=True, has_touch=True, device_scale_factor=2)
    load_page(page, servers)
    assert_no_horizontal_scroll(page)
    assert_inside_viewport(page, LAUNCHER, w, h)
    page.wait_for_timeout(700)  # let the launcher's slide-in animation finish before the screenshot
    page.screenshot(path=str(artifacts_dir / "page-phone-375.png"))

    page.locator(LAUNCHER).first.tap()
    page.locator(CONVERSATION).wait_for(state="visible")
    wait_for_greeting(page)
    # a long unbroken word must wrap, not widen the chat
    before = len(bot_texts(page))
    page.locator(INPUT).fill(TYPED_QUESTION + " medical-billing-and-coding-certificate-programs-near-me-please")
    page.keyboard.press("Enter")
    page.locator(USER_MSG).last.wait_for()
    wait_for_new_bot_text(page, before, "")  # any reply: this checks the layout, not the answer

    for selector in (CONVERSATION, INPUT, SEND, "#rasaWebchatPro .rw-close-button"):
        assert_inside_viewport(page, selector, w, h)
    assert_no_horizontal_scroll(page)
    overflow = page.evaluate(
        "(() => { const m = document.querySelector('#rasaWebchatPro .rw-messages-container');"
        " return [m.scrollWidth, m.clientWidth]; })()"
    )
    assert overflow[0] <= overflow[1], f"chat messages scroll horizontally: {overflow}"
    page.screenshot(path=str(artifacts_dir / "widget-phone-375.png"))

    # and it can be closed again on a phone (the launcher is hidden while open)
    page.locator("#rasaWebchatPro .rw-close-button").tap()
    page.locator(CONVERSATION).wait_for(state="detached")
    page.locator(LAUNCHER).first.wait_for(state="visible")


def test_the_career_fit_quiz_with_buttons_and_a_typed_answer(servers, make_page, artifacts_dir):
    """The greeting's quiz button, each question's Yes / Sort of / No buttons (one answer
    typed), and the result with the advisors' booking link."""
    fit = SERVED.fit
    if fit is None:
        pytest.skip("the knowledge file served has no career-fit section")
    page = make_page(**DESKTOP)
    load_page(page, servers)
    open_widget(page)
    wait_for_greeting(page)
    before = len(bot_texts(page))
    page.locator(REPLY_BUTTON, has_text="Is this career right for me?").first.click()
    of = len(fit.statements)
    wait_for_new_bot_text(page, before, f"Question 1 of {of}")
    for number in range(1, of + 1):
        before = len(bot_texts(page))
        if number == 2:
            page.locator(INPUT).fill("yeah mostly")
            page.keyboard.press("Enter")
        else:
            title = ["Yes", "Sort of", "No"][number % 3]
            page.locator(REPLY_BUTTON, has_text=title).last.click()
        wait_for_new_bot_text(page, before, f"Question {number + 1} of {of}" if number < of else "Next step 1")
    contact = load_advising_contact(configured_school_file())
    page.locator(f"a.rw-reply[href='{contact.booking_url}']").first.wait_for(
        state="visible", timeout=BOT_TIMEOUT_S * 1000
    )
    result = page.locator(BOT_MSG, has_text="Next step 1").last.inner_text()
    assert "It fits:" in result and "To work on" in result and contact.email in result
    page.screenshot(path=str(artifacts_dir / "widget-career-fit.png"), full_page=True)
    assert not page.page_errors, page.page_errors
