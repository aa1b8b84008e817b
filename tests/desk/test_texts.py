"""Two-way SMS on the desk (issue 18 item 5), end to end: the caller's phone is the emulator
posting signed SMS webhooks to a real server over HTTP; staff work the desk over HTTP too
(logged in, CSRF tokens from the pages); the worker sends through the real `twilio` client
to the Twilio double, which checks every request against Twilio's OpenAPI description and
posts the signed delivery reports back. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import html
import re
import threading
from collections.abc import Callable
from typing import Any

import pytest
import requests
from flask import Flask

from voicebot import db
from voicebot.devtools.emulator import HttpTransport, TextEmulator, new_sid
from voicebot.flows.catalog import flow_or_none
from voicebot.jobs import run_due
from voicebot.models import Conversation, Message, MessagePurpose, Ticket
from voicebot.services import messages
from voicebot.services.messages import segments

from support.desk import PASSWORD, PASSWORD_HASH, csrf_token
from support.records import stored
from support.twilio_double import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, TwilioDouble, TwilioError

OMEGA = "+15035550100"
CAR_SERVICE = "+74955550100"
CALLER = "+15035550177"
RU_CALLER = "+79165550177"
QUESTION = "Hi, do you also fix ice makers? Mine stopped making ice."
FORM_KEY = re.compile(r'name="form_key" value="([0-9a-f]{32})"')


@pytest.fixture
def settings(settings: dict[str, Any], twilio_double: TwilioDouble) -> dict[str, Any]:
    return {**settings, "DRY_RUN": False, "TWILIO_API_URL": twilio_double.base_url,
            "ADMIN_PASSWORD_HASH": PASSWORD_HASH, "DESK_TIMEZONE": "UTC"}


class Desk:
    """A member of staff at the desk, in a browser's shoes: a cookie jar, pages over HTTP,
    forms posted with the token their page carries."""

    def __init__(self, base: str) -> None:
        self.base, self.http = base, requests.Session()
        token = csrf_token(self.http.get(f"{base}/admin/login").text)
        answer = self.http.post(f"{base}/admin/login", data={
            "csrf_token": token, "name": "Dana", "password": PASSWORD})
        assert answer.url.startswith(f"{base}/admin/"), answer.url

    def page(self, path: str) -> str:
        answer = self.http.get(self.base + path)
        assert answer.status_code == 200, answer.text
        return answer.text

    def post(self, page: str, action: str, **data: str) -> requests.Response:
        return self.http.post(self.base + action,
                              data={"csrf_token": csrf_token(self.page(page)), **data})

    def reply_form(self, conversation_id: int) -> dict[str, str]:
        """The reply form's hidden fields, as drawn on the thread's page."""
        page = self.page(f"/admin/texts/{conversation_id}")
        found = FORM_KEY.search(page)
        assert found, "the thread has no reply form"
        return {"csrf_token": csrf_token(page), "form_key": found.group(1)}

    def send(self, conversation_id: int, body: str, form: dict[str, str] | None = None
             ) -> requests.Response:
        return self.http.post(f"{self.base}/admin/texts/{conversation_id}/reply",
                              data={**(form or self.reply_form(conversation_id)), "body": body,
                                    "action": "send"})


def shown(page: str) -> str:
    """What a person reads on the page: no tags, spaces collapsed."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def phone(live_server: str, from_: str = CALLER, to: str = OMEGA) -> TextEmulator:
    return TextEmulator(HttpTransport(live_server), auth_token=TEST_AUTH_TOKEN,
                        public_url=live_server, to=to, from_=from_, account_sid=TEST_ACCOUNT_SID)


def conversation(app: Flask, phone_number: str = CALLER) -> Conversation:
    (found,) = stored(app, Conversation, phone=phone_number)
    return found


def sent_to(double: TwilioDouble, number: str) -> list[dict[str, Any]]:
    return [m for m in double.messages if m["to"] == number]


def test_a_question_by_sms_is_answered_from_the_desk_and_its_delivery_shown(
    app: Flask, live_server: str, twilio_double: TwilioDouble,
) -> None:
    caller = phone(live_server)
    answer = caller.send(QUESTION)
    assert (answer.status, answer.replies) == (200, ())  # no automatic answer to a question

    # The desk: a conversation waiting for a reply, counted in the menu, with its ticket.
    desk = Desk(live_server)
    listing = desk.page("/admin/texts")
    assert re.search(r'id="nav-texts">Texts <span class="nav-count"[^>]*>1</span>', listing)
    assert QUESTION in shown(listing) and "waiting for a reply" in shown(listing)
    talk = conversation(app)
    assert (talk.status, talk.unread, talk.line) == ("needs-reply", 1, OMEGA)
    (ticket,) = stored(app, Ticket, kind="sms")
    assert talk.ticket_id == ticket.id and ticket.phone == CALLER

    # Opening it marks it read; staff reply, and press Send twice (a double click).
    thread = shown(desk.page(f"/admin/texts/{talk.id}"))
    assert f"Texts with {CALLER}" in thread and QUESTION in thread
    assert conversation(app).unread == 0
    form = desk.reply_form(talk.id)
    reply = "Yes, we repair ice makers. A visit is $85; reply with a time that suits you."
    first = desk.send(talk.id, reply, form)
    again = desk.send(talk.id, reply, form)
    assert first.status_code == again.status_code == 200
    assert "Reply queued from +15035550100: Fits in one SMS." in shown(first.text)
    (queued,) = stored(app, Message, purpose="desk")
    assert (queued.status, queued.sent_by, queued.from_number) == ("pending", "Dana", OMEGA)
    assert twilio_double.messages == []  # the worker sends it, not the desk's request

    run_due(app, raise_errors=True)
    (out,) = sent_to(twilio_double, CALLER)
    assert (out["from"], out["body"]) == (OMEGA, reply)  # from the number the caller texted
    assert conversation(app).status == "replied"
    assert "nav-count" not in desk.page("/admin/texts")  # nothing waits any more

    # Twilio reports delivery; a late "sent" does not take it back.
    assert twilio_double.deliver_message_status(out["sid"], "sent").status == 204
    assert twilio_double.deliver_message_status(out["sid"], "delivered").status == 204
    assert twilio_double.deliver_message_status(out["sid"], "sent").status == 204
    page = desk.page(f"/admin/texts/{talk.id}")
    (bubble,) = re.findall(rf'<li class="sms out status-(\w+)" id="sms-{queued.id}">(.*?)</li>',
                           page, re.S)
    assert bubble[0] == "delivered" and "reply by Dana" in shown(bubble[1])
    assert "delivered" in shown(bubble[1])

    # The caller writes back: the same conversation, no second ticket; the thread in order.
    caller.send("Tuesday after 2 pm works.")
    assert len(stored(app, Ticket, kind="sms")) == 1
    assert (conversation(app).status, conversation(app).unread) == ("needs-reply", 1)
    thread = shown(desk.page(f"/admin/texts/{talk.id}"))
    assert thread.index(QUESTION) < thread.index(reply) < thread.index("Tuesday after 2 pm")

    # The thread is in the caller's history and on the ticket.
    history = shown(desk.page(f"/admin/?number={CALLER}"))
    assert f"Texts with {CALLER}" in history and reply in history
    ticket_page = shown(desk.page(f"/admin/tickets/{ticket.id}"))
    assert reply in ticket_page and "Reply by SMS" in ticket_page

    # Done: off the open list, its ticket closed; a new text opens both again.
    desk.post(f"/admin/texts/{talk.id}", f"/admin/texts/{talk.id}/done")
    assert conversation(app).status == "done"
    assert stored(app, Ticket, id=ticket.id)[0].status == "closed"
    assert "No conversation waits for staff." in shown(desk.page("/admin/texts"))
    caller.send("Sorry, one more question: do you bring the parts?")
    assert conversation(app).status == "needs-reply"
    assert len(stored(app, Ticket, kind="sms", status="open")) == 1


def test_a_failed_reply_is_shown_with_its_reason_and_sent_again_once(
    app: Flask, live_server: str, twilio_double: TwilioDouble,
) -> None:
    caller = phone(live_server)
    caller.send(QUESTION)
    talk = conversation(app)
    desk = Desk(live_server)

    # Twilio refuses the first reply outright.
    twilio_double.refuse_messages.append(
        TwilioError(400, 21211, "The 'To' number +15035550177 is not a valid phone number."))
    desk.send(talk.id, "We do. When may we come?")
    run_due(app, raise_errors=True)
    assert twilio_double.messages == []
    (refused,) = stored(app, Message, purpose="desk")
    assert refused.status == "failed"
    page = shown(desk.page(f"/admin/texts/{talk.id}"))
    assert "The number is not a valid phone number. (Twilio error 21211)" in page
    assert conversation(app).opted_out_at is None  # only 21610 says they want no texts

    # Send again: one new SMS however often the button is pressed; the failed one stays.
    for _press in range(2):
        desk.post(f"/admin/texts/{talk.id}", f"/admin/texts/{talk.id}/retry/{refused.id}")
    run_due(app, raise_errors=True)
    (resent,) = sent_to(twilio_double, CALLER)
    assert (resent["from"], resent["body"]) == (OMEGA, "We do. When may we come?")
    assert len(stored(app, Message, purpose="desk")) == 2
    page = shown(desk.page(f"/admin/texts/{talk.id}"))
    assert "Sent again below." in page

    # Accepted, but the handset is off: undelivered, with Twilio's reason, and a retry button.
    twilio_double.deliver_message_status(resent["sid"], "undelivered", error_code=30003)
    page = desk.page(f"/admin/texts/{talk.id}")
    assert "The phone was off or out of reach. (Twilio error 30003)" in shown(page)
    (second,) = stored(app, Message, sid=resent["sid"])
    assert f'id="retry-{second.id}"' in page
    desk.post(f"/admin/texts/{talk.id}", f"/admin/texts/{talk.id}/retry/{second.id}")
    run_due(app, raise_errors=True)
    third = sent_to(twilio_double, CALLER)[-1]
    twilio_double.deliver_message_status(third["sid"], "delivered")
    assert len(sent_to(twilio_double, CALLER)) == 2
    assert [m.status for m in stored(app, Message, purpose="desk")] == [
        "failed", "undelivered", "delivered"]


def test_stop_keeps_the_desk_from_texting_and_start_lets_it_again(
    app: Flask, live_server: str, twilio_double: TwilioDouble,
) -> None:
    caller = phone(live_server)
    caller.send(QUESTION)
    assert caller.send("STOP").replies == ()  # Twilio confirms its own keywords
    talk = conversation(app)
    assert talk.opted_out_at is not None
    desk = Desk(live_server)
    page = shown(desk.page(f"/admin/texts/{talk.id}"))
    assert f"{CALLER} asked for no more texts from {OMEGA}" in page
    assert "until they text START. Call them instead." in page
    assert 'name="body"' not in desk.page(f"/admin/texts/{talk.id}")  # no form to fill in

    # A form left open from before is refused, with the reason, and nothing is stored.
    refused = desk.http.post(f"{live_server}/admin/texts/{talk.id}/reply", data={
        "csrf_token": csrf_token(desk.page("/admin/texts")), "form_key": "0" * 32,
        "body": "Are you sure?", "action": "send"})
    assert refused.status_code == 400 and "asked for no more texts" in shown(refused.text)
    assert stored(app, Message, purpose="desk") == []

    assert caller.send("START").replies == ()
    assert conversation(app).opted_out_at is None
    assert desk.send(talk.id, "Thank you. We repair ice makers.").status_code == 200
    run_due(app, raise_errors=True)
    assert [m["body"] for m in sent_to(twilio_double, CALLER)] == [
        "Thank you. We repair ice makers."]


def test_a_number_twilio_refuses_as_unsubscribed_is_opted_out_here_too(
    app: Flask, live_server: str, twilio_double: TwilioDouble,
) -> None:
    """The caller replied STOP to Twilio, not to us (error 21610 on our SMS): we stop trying
    that number from that line, and the desk says why, as if the STOP had reached us."""
    line = flow_or_none("omega", app)
    assert line is not None

    def reminder(key: str) -> int:
        with db.session_scope(app) as session:
            return messages.queue(session, line, to=CALLER, body="Your visit is tomorrow at 10.",
                                  purpose=MessagePurpose.CALLER, key=key).id

    twilio_double.refuse_messages.append(
        TwilioError(400, 21610, "Attempt to send to unsubscribed recipient"))
    first = reminder("reminder-1")
    run_due(app, raise_errors=True)
    (refused,) = stored(app, Message, id=first)
    assert refused.status == "failed" and refused.error.startswith("21610")
    talk = conversation(app)
    assert (talk.line, talk.opted_out_at is not None) == (OMEGA, True)

    desk = Desk(live_server)
    listing = desk.page("/admin/texts?status=all")
    assert re.search(rf'id="conversation-{talk.id}">.*?opted out', listing, re.S)
    page = desk.page(f"/admin/texts/{talk.id}")
    assert f"{CALLER} asked for no more texts from {OMEGA}" in shown(page)
    assert "The caller has opted out of texts from this number (they texted STOP). " \
           "(Twilio error 21610)" in shown(page)
    assert 'name="body"' not in page  # no reply form

    # The next SMS to them from that line is kept, not tried: Twilio hears nothing more.
    tried = len(twilio_double.requests_for("POST", r"/Messages\.json$"))
    second = reminder("reminder-2")
    run_due(app, raise_errors=True)
    assert stored(app, Message, id=second)[0].error == messages.NOT_SENT_OPTED_OUT
    assert len(twilio_double.requests_for("POST", r"/Messages\.json$")) == tried

    # Texting START (to Twilio, which passes it on) lets the desk text them again.
    phone(live_server).send("START")
    assert conversation(app).opted_out_at is None
    assert desk.send(talk.id, "Thank you. See you tomorrow.").status_code == 200
    run_due(app, raise_errors=True)
    assert [m["body"] for m in sent_to(twilio_double, CALLER)] == ["Thank you. See you tomorrow."]


def test_an_unsubscribed_number_reported_in_the_delivery_callback_is_opted_out_once(
    app: Flask, live_server: str, twilio_double: TwilioDouble,
) -> None:
    """Twilio took our SMS and only later, in its status callback, says the number is
    unsubscribed from our line (error 21610): opted out as when Twilio refuses at once. Twilio
    repeating that callback changes nothing, not even after the caller has texted START."""
    phone(live_server).send(QUESTION)
    desk = Desk(live_server)
    talk = conversation(app)
    assert desk.send(talk.id, "Yes, we repair ice makers.").status_code == 200
    run_due(app, raise_errors=True)
    (out,) = sent_to(twilio_double, CALLER)
    assert conversation(app).opted_out_at is None

    assert twilio_double.deliver_message_status(out["sid"], "failed", 21610).status == 204
    opted_out_at = conversation(app).opted_out_at
    assert opted_out_at is not None
    page = desk.page(f"/admin/texts/{talk.id}")
    assert f"{CALLER} asked for no more texts from {OMEGA}" in shown(page)
    assert 'name="body"' not in page  # no reply form
    assert twilio_double.deliver_message_status(out["sid"], "failed", 21610).status == 204
    assert conversation(app).opted_out_at == opted_out_at

    phone(live_server).send("START")
    assert twilio_double.deliver_message_status(out["sid"], "failed", 21610).status == 204
    assert conversation(app).opted_out_at is None
    assert desk.send(talk.id, "See you tomorrow.").status_code == 200


def test_russian_stop_is_confirmed_politely_and_respected(
    app: Flask, live_server: str, twilio_double: TwilioDouble,
) -> None:
    """Twilio knows no Russian keywords: СТОП and СТАРТ are ours to confirm and to keep."""
    caller = phone(live_server, from_=RU_CALLER, to=CAR_SERVICE)
    caller.send("Здравствуйте, а вы меняете масло в субботу?")
    confirmed = ("Хорошо, мы больше не будем присылать вам SMS с этого номера. Чтобы снова "
                 "получать их, отправьте СТАРТ.",)
    assert caller.send("СТОП").replies == confirmed
    assert caller.resend().replies == confirmed  # Twilio retrying gets the same answer
    talk = conversation(app, RU_CALLER)
    (ticket,) = stored(app, Ticket, phone=RU_CALLER)
    assert ticket.text == f"SMS от абонента {RU_CALLER}: Здравствуйте, а вы меняете масло в субботу?"

    # Nor does the line text them by itself (a flow's SMS, a callback rule's, a quote): the
    # SMS is kept as not sent, and a quote so goes to a person.
    line = flow_or_none("car_service", app)
    assert line is not None
    with db.session_scope(app) as session:
        kept = messages.queue(session, line, to=RU_CALLER,
                              body="Напоминаем о записи на завтра, 10:00.",
                              purpose=MessagePurpose.CALLER, key="reminder-1")
        kept_id = kept.id
    run_due(app, raise_errors=True)
    (reminder,) = stored(app, Message, id=kept_id)
    assert (reminder.status, reminder.from_number) == ("failed", CAR_SERVICE)

    desk = Desk(live_server)
    desk.http.get(f"{live_server}/admin/?lang=ru")
    page = shown(desk.page(f"/admin/texts/{talk.id}"))
    assert f"Абонент {RU_CALLER} отказался от SMS с номера {CAR_SERVICE}" in page
    assert "пока он не пришлёт START или СТАРТ" in page
    assert "Не отправлено: абонент отказался от SMS с этого номера." in page
    assert caller.send("старт").replies == (
        "Вы снова будете получать SMS с этого номера. Чтобы отказаться, отправьте СТОП.",)
    assert conversation(app, RU_CALLER).opted_out_at is None
    # The automatic answers are in the thread, as the caller saw them.
    assert len(stored(app, Message, purpose="auto-reply")) == 2
    assert twilio_double.messages == []


def test_empty_and_too_long_replies_are_refused_with_the_reason_and_long_ones_counted(
    app: Flask, live_server: str, twilio_double: TwilioDouble,
) -> None:
    phone(live_server).send(QUESTION)
    talk = conversation(app)
    desk = Desk(live_server)
    empty = desk.send(talk.id, "   ")
    assert empty.status_code == 400
    assert "Write the reply first: an empty SMS is not sent." in shown(empty.text)
    huge = "x" * 1601
    too_long = desk.send(talk.id, huge)
    assert too_long.status_code == 400
    assert "The reply has 1601 characters; an SMS can carry at most 1600." in shown(too_long.text)
    assert huge in too_long.text  # what was typed comes back
    counted = desk.http.post(f"{live_server}/admin/texts/{talk.id}/reply",
                             data={**desk.reply_form(talk.id), "action": "count",
                                   "body": "Здравствуйте! " * 6})
    assert "Goes as 2 SMS, each billed." in shown(counted.text)
    assert stored(app, Message, purpose="desk") == []
    run_due(app, raise_errors=True)
    assert twilio_double.messages == []


@pytest.mark.parametrize(("body", "count"), [
    ("a" * 160, 1), ("a" * 161, 2), ("a" * 306, 2), ("a" * 307, 3),
    ("€" * 80, 1), ("€" * 81, 2),  # an extended GSM character takes two places
    ("я" * 70, 1), ("я" * 71, 2), ("я" * 134, 2), ("я" * 135, 3),
    ("Visit at 10 🙂" + "a" * 56, 1), ("Visit at 10 🙂" + "a" * 57, 2),  # an emoji: 2 units
])
def test_segments_are_counted_as_carriers_bill_them(body: str, count: int) -> None:
    assert segments(body) == count


def test_a_webhook_delivered_again_or_twice_at_once_stores_one_text_and_one_ticket(
    app: Flask, live_server: str,
) -> None:
    caller = phone(live_server)
    caller.send(QUESTION)
    assert caller.resend().status == 200  # Twilio retrying
    barrier = threading.Barrier(4)
    answers: list[int] = []

    def copy() -> None:
        barrier.wait()
        answers.append(caller.resend().status)

    # The same new webhook four times at once, and three different texts at once from a new
    # caller: one message each, one conversation, one ticket, every text counted unread.
    crowd = phone(live_server, from_="+15035550178")
    texts = [new_sid("SM") for _ in range(3)]
    threads = [threading.Thread(target=copy) for _ in range(4)] + [
        threading.Thread(target=crowd.send, args=(f"question {i}",), kwargs={"sid": sid})
        for i, sid in enumerate(texts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert answers == [200] * 4
    assert len(stored(app, Message, direction="in", from_number=CALLER)) == 1
    assert len(stored(app, Ticket, phone=CALLER)) == 1
    assert conversation(app).unread == 1
    assert len(stored(app, Message, direction="in", from_number="+15035550178")) == 3
    busy = conversation(app, "+15035550178")
    assert busy.unread == 3 and len(stored(app, Ticket, phone="+15035550178")) == 1

    # Marked done, then three more at once: the conversation opens again with one new ticket.
    Desk(live_server).post(f"/admin/texts/{busy.id}", f"/admin/texts/{busy.id}/done")
    threads = [threading.Thread(target=crowd.send, args=(f"and {i}",)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert [t.status for t in stored(app, Ticket, phone="+15035550178")] == ["closed", "open"]
    assert conversation(app, "+15035550178").unread == 3


def test_closing_the_ticket_closes_the_conversation(
    app: Flask, live_server: str, set_clock: Callable[[str], dt.datetime],
) -> None:
    set_clock("2026-11-23T10:00:00-08:00")
    phone(live_server).send(QUESTION)
    (ticket,) = stored(app, Ticket, kind="sms")
    desk = Desk(live_server)
    desk.post(f"/admin/tickets/{ticket.id}", f"/admin/tickets/{ticket.id}/close")
    talk = conversation(app)
    assert (talk.status, talk.done_by) == ("done", "Dana")


def test_a_plain_yes_after_stop_lets_the_desk_text_again_as_it_does_twilio(
    app: Flask, live_server: str,
) -> None:
    """Twilio takes YES as an opt-in keyword too; with no quote open it is also a text for a
    person."""
    caller = phone(live_server)
    caller.send("STOP")
    assert conversation(app).opted_out_at is not None
    caller.send("Yes")
    talk = conversation(app)
    assert talk.opted_out_at is None and talk.status == "needs-reply"


def test_one_reply_form_posted_four_times_at_once_sends_one_sms(
    app: Flask, live_server: str, twilio_double: TwilioDouble,
) -> None:
    phone(live_server).send(QUESTION)
    talk = conversation(app)
    desk = Desk(live_server)
    form = desk.reply_form(talk.id)
    barrier = threading.Barrier(4)
    answers: list[int] = []

    def press() -> None:
        barrier.wait()
        answers.append(desk.send(talk.id, "We do; a visit is $85.", form).status_code)

    presses = [threading.Thread(target=press) for _ in range(4)]
    for t in presses:
        t.start()
    for t in presses:
        t.join(timeout=30)
    assert answers == [200] * 4
    run_due(app, raise_errors=True)
    assert len(stored(app, Message, purpose="desk")) == 1
    assert [m["body"] for m in sent_to(twilio_double, CALLER)] == ["We do; a visit is $85."]


NEW_TEXT_KEY = re.compile(r'action="/admin/texts/new".*?name="form_key" value="([0-9a-f]{32})"',
                          re.S)


def new_text_form(desk: Desk) -> dict[str, str]:
    """The Texts page's new-text form's hidden fields, as drawn."""
    page = desk.page("/admin/texts")
    found = NEW_TEXT_KEY.search(page)
    assert found, "the Texts page has no new-text form"
    return {"csrf_token": csrf_token(page), "form_key": found.group(1)}


def test_staff_text_a_number_first_from_the_line_they_choose(
    app: Flask, live_server: str, twilio_double: TwilioDouble,
) -> None:
    """The number is read as the chosen line's country writes it; the SMS goes out through
    the outbox and the worker, from that line, once however often the form is sent; the
    conversation opens on the page."""
    desk = Desk(live_server)
    page = desk.page("/admin/texts")
    assert f'<option value="{OMEGA}"' in page and f'<option value="{CAR_SERVICE}"' in page
    form = new_text_form(desk)
    body = "Hello from Omega Appliance: your new filter is in. Reply to set a time."
    sent = [desk.http.post(f"{live_server}/admin/texts/new", data={
        **form, "line": OMEGA, "phone": "(503) 555-0177", "body": body}) for _ in range(2)]
    assert [a.status_code for a in sent] == [200, 200]
    thread = shown(sent[0].text)
    assert f"Texts with {CALLER}" in thread and body in thread
    assert f"SMS to {CALLER} queued from {OMEGA}: Fits in one SMS." in thread
    (queued,) = stored(app, Message, purpose="desk")
    assert (queued.to_number, queued.from_number, queued.sent_by, queued.status) == (
        CALLER, OMEGA, "Dana", "pending")
    assert twilio_double.messages == []  # the worker sends it, not the desk's request
    run_due(app, raise_errors=True)
    (out,) = sent_to(twilio_double, CALLER)
    assert (out["from"], out["body"]) == (OMEGA, body)
    talk = conversation(app)
    assert (talk.line, talk.flow_id, talk.status) == (OMEGA, "omega", "replied")

    # The caller answers: the same conversation, waiting for staff.
    phone(live_server).send("Thursday morning, please.")
    assert conversation(app).id == talk.id and conversation(app).status == "needs-reply"

    # A Russian line reads a Russian number as written there, with its trunk prefix 8.
    answer = desk.http.post(f"{live_server}/admin/texts/new", data={
        **new_text_form(desk), "line": CAR_SERVICE, "phone": "8 (916) 555-01-77",
        "body": "Ваш автомобиль готов, можно забирать."})
    assert f"Texts with {RU_CALLER}" in shown(answer.text)
    assert conversation(app, RU_CALLER).line == CAR_SERVICE


@pytest.mark.parametrize(("line", "typed", "said"), [
    (OMEGA, "555-01", "555-01 is not a phone number: type it as numbers are written where "
                      f"{OMEGA} is, or with the country code (+...)."),
    (OMEGA, "8 916 555-01-77", "8 916 555-01-77 is not a phone number"),  # Russian, on a US line
    ("+15035550199", "(503) 555-0177", "Choose the line the SMS goes from."),  # not ours
])
def test_a_new_text_to_a_bad_number_or_from_no_line_of_ours_is_refused(
    app: Flask, live_server: str, twilio_double: TwilioDouble, line: str, typed: str, said: str,
) -> None:
    desk = Desk(live_server)
    answer = desk.http.post(f"{live_server}/admin/texts/new", data={
        **new_text_form(desk), "line": line, "phone": typed, "body": "Your part is in."})
    assert answer.status_code == 400 and said in shown(answer.text)
    assert 'value="Your part is in."' not in answer.text and "Your part is in." in answer.text
    run_due(app, raise_errors=True)
    assert stored(app, Message) == [] and stored(app, Conversation) == []
    assert twilio_double.messages == []


def test_a_new_text_to_an_opted_out_number_is_refused_and_a_forged_form_is_not_taken(
    app: Flask, live_server: str, twilio_double: TwilioDouble,
) -> None:
    phone(live_server).send("STOP")
    desk = Desk(live_server)
    refused = desk.http.post(f"{live_server}/admin/texts/new", data={
        **new_text_form(desk), "line": OMEGA, "phone": "503 555 0177", "body": "Still there?"})
    assert refused.status_code == 400
    assert f"{CALLER} asked for no more texts from {OMEGA}" in shown(refused.text)

    # Without the page's CSRF token (another site's form posting with the desk's cookie).
    forged = desk.http.post(f"{live_server}/admin/texts/new", data={
        "form_key": "0" * 32, "line": CAR_SERVICE, "phone": "+79165550177", "body": "Hi"})
    assert forged.status_code == 400 and "The form has expired" in shown(forged.text)
    run_due(app, raise_errors=True)
    assert stored(app, Message, purpose="desk") == [] and twilio_double.messages == []
    assert [c.phone for c in stored(app, Conversation)] == [CALLER]
