"""What voicebot remembers: calls and their journal, messages, tickets, queue places, voicemails,
quotes, e-mails, outbound dials, scheduled callbacks and field visits."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    TypeDecorator,
    Unicode,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from typing_extensions import override


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timestamps are stored in UTC and always come back time-zone aware (SQLite forgets)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    @override
    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored; use an aware one")
        return value.astimezone(dt.UTC)

    @override
    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dt.datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON,
    }


# -- the words stored in status and kind columns -------------------------------------------
# StrEnums: each member is the very string stored (and compares equal to it), so rows written
# before them read the same, and a typo in code is a NameError instead of a silent new value.
class CallOutcome(StrEnum):
    """How a call ended for the business (`Call.outcome`)."""

    IN_PROGRESS = "in-progress"
    QUEUED = "queued"
    COMPLETED = "completed"
    ABANDONED = "abandoned"
    TRANSFERRED = "transferred"
    SERVED = "served"
    KEPT_PLACE = "kept-place"
    VOICEMAIL = "voicemail"
    UNKNOWN_NUMBER = "unknown-number"


class CallStatus(StrEnum):
    """Twilio's call statuses (`Call.status`, `Dial.status`), plus our own outbox states."""

    PENDING = "pending"
    DIALING = "dialing"
    QUEUED = "queued"
    INITIATED = "initiated"
    RINGING = "ringing"
    IN_PROGRESS = "in-progress"
    COMPLETED = "completed"
    BUSY = "busy"
    FAILED = "failed"
    NO_ANSWER = "no-answer"
    CANCELED = "canceled"
    DRY_RUN = "dry-run"


class EventKind(StrEnum):
    """What a line of a call's journal records (`CallEvent.kind`)."""

    START = "start"
    CALL_RECORDING = "call-recording"
    CALL_RECORDED = "call-recorded"
    ENTER = "enter"
    SAY = "say"
    ROUTE = "route"
    INPUT = "input"
    NO_INPUT = "no-input"
    NO_MATCH = "no-match"
    QUESTION = "question"
    """An answer put as a question that no choice took, sent where the ask's `questions:` says."""
    UNDERSTOOD = "understood"
    HEDGED = "hedged"
    """A yes-or-no answer that says the caller cannot tell ("точно не скажу"): the ask's
    `no_match` is taken at once, not asked again."""
    GUESS = "guess"
    CONFIRMED = "confirmed"
    NOT_CONFIRMED = "not-confirmed"
    PASSED_ON = "passed-on"
    CAPTURE = "capture"
    TRANSFER = "transfer"
    DIAL_RESULT = "dial-result"
    QUEUE = "queue"
    QUEUE_RESULT = "queue-result"
    ANSWER_QUEUE = "answer-queue"
    SMS = "sms"
    NOTIFY = "notify"
    TICKET = "ticket"
    VISIT = "visit"
    OFFER = "offer"
    BOOKING = "booking"
    BOOKED = "booked"
    VOICEMAIL = "voicemail"
    RECORDED = "recorded"
    HANGUP = "hangup"
    ERROR = "error"
    STATUS = "status"
    END = "end"
    CALLBACK = "callback"
    TRANSCRIPT = "transcript"
    QUOTE = "quote"
    QUOTE_ANSWER = "quote-answer"
    FOR_PERSON = "for-person"
    EMAIL = "email"
    EMAIL_FAILED = "email-failed"
    PAUSE = "pause"
    HTTP = "http"
    HTTP_FAILED = "http-failed"
    WHISPER = "whisper"
    QUEUE_TOLD = "queue-told"
    QUEUE_MESSAGE = "queue-message"
    QUEUE_KEPT = "queue-kept"
    KEPT_CALL = "kept-call"


class MessageDirection(StrEnum):
    IN = "in"
    OUT = "out"


class MessagePurpose(StrEnum):
    """Why an SMS was sent or what an incoming one was (`Message.purpose`)."""

    CALLER = "caller"
    NOTIFY = "notify"
    QUOTE = "quote"
    REPLY = "reply"
    OPT_OUT = "opt-out"
    OPT_IN = "opt-in"
    DESK = "desk"
    """Typed by staff on the desk, in a conversation (`sent_by` says who)."""
    AUTO_REPLY = "auto-reply"
    """Our TwiML answer to an incoming SMS (a quote approved, declined, an opt-out noted):
    Twilio sends it as the webhook's reply, so it never passes through the outbox."""


class MessageStatus(StrEnum):
    """Our outbox states, then Twilio's message statuses (they only move forward)."""

    PENDING = "pending"
    SENDING = "sending"
    DRY_RUN = "dry-run"
    RECEIVED = "received"
    ACCEPTED = "accepted"
    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    READ = "read"


class TicketStatus(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    CLOSED = "closed"


class VoicemailStatus(StrEnum):
    """received -> fetched -> transcribed -> quoted | for-person; or needs-transcription,
    unusable (the audio is empty, silent or broken) or failed (it could not be fetched)."""

    RECEIVED = "received"
    FETCHED = "fetched"
    TRANSCRIBED = "transcribed"
    QUOTED = "quoted"
    FOR_PERSON = "for-person"
    NEEDS_TRANSCRIPTION = "needs-transcription"
    UNUSABLE = "unusable"
    FAILED = "failed"


class CallbackStatus(StrEnum):
    SCHEDULED = "scheduled"
    QUEUED = "queued"
    """Its time came: the clock queued the job that runs it."""
    RUNNING = "running"
    WAITING = "waiting"
    DONE = "done"
    NOT_REACHED = "not-reached"
    SKIPPED = "skipped"
    REPLACED = "replaced"
    CANCELED = "canceled"


class Call(Base):
    """One phone call and where it is in its flow. The engine keeps no call state in memory."""

    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    sid: Mapped[str] = mapped_column(String(64), unique=True)
    flow_id: Mapped[str] = mapped_column(String(64), index=True)
    flow_digest: Mapped[str] = mapped_column(String(64), default="")
    direction: Mapped[str] = mapped_column(String(16), default="inbound")
    from_number: Mapped[str] = mapped_column(String(32), index=True)
    to_number: Mapped[str] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(16), default="in-progress")
    state: Mapped[str] = mapped_column(String(64), default="")
    turn: Mapped[int] = mapped_column(Integer, default=0)
    """Counts webhook exchanges; continuation URLs carry it so replays are recognised."""
    retries: Mapped[int] = mapped_column(Integer, default=0)
    inputs: Mapped[int] = mapped_column(Integer, default=0)
    """Answers the caller gave: a call with none never got past the greeting (HL-9)."""
    vars: Mapped[dict[str, Any]] = mapped_column(default=dict)
    last_twiml: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(String(32), default="in-progress")
    note: Mapped[str] = mapped_column(Text, default="")
    flagged: Mapped[str] = mapped_column(String(200), default="")
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    ended_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    duration: Mapped[int | None] = mapped_column(Integer, default=None)
    recording_sid: Mapped[str | None] = mapped_column(String(64), default=None)
    """The whole-call recording, for lines that record every call (TS-10)."""
    recording_url: Mapped[str] = mapped_column(Text, default="")

    events: Mapped[list[CallEvent]] = relationship(
        back_populates="call", order_by="CallEvent.id", cascade="all, delete-orphan"
    )

    @property
    def ended(self) -> bool:
        return self.ended_at is not None

    @property
    def party(self) -> str:
        """The client's number: who called us, or whom we called."""
        return self.from_number if self.direction == "inbound" else self.to_number


class CallEvent(Base):
    """One line of a call's path: a state entered, an input heard, an effect caused."""

    __tablename__ = "call_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    state: Mapped[str] = mapped_column(String(64), default="")
    kind: Mapped[str] = mapped_column(String(24))
    text: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)

    call: Mapped[Call] = relationship(back_populates="events")


class Message(Base):
    """An SMS in or out. Outbound rows are written before sending: the row is the outbox."""

    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_status_created", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sid: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True, default=None)
    direction: Mapped[str] = mapped_column(String(8))
    purpose: Mapped[str] = mapped_column(String(16), default="caller")
    flow_id: Mapped[str] = mapped_column(String(64), default="")
    from_number: Mapped[str] = mapped_column(String(32), index=True)
    to_number: Mapped[str] = mapped_column(String(32), index=True)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    error: Mapped[str] = mapped_column(Text, default="")
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id"), default=None, index=True)
    sent_by: Mapped[str] = mapped_column(String(64), default="")
    """The desk login that typed it (staff replies); empty for what voicebot sends itself."""
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ConversationStatus(StrEnum):
    """Where a caller's SMS conversation stands for staff (`Conversation.status`)."""

    NEEDS_REPLY = "needs-reply"
    REPLIED = "replied"
    DONE = "done"


class Conversation(Base):
    """A caller's texts with one of our numbers, as staff work on them (issue 18 item 5). The
    thread itself is the `Message` rows between the two numbers, in and out, whatever sent
    them (quotes, flow SMS, staff replies); this row holds only what staff need on top: whether
    it waits for a reply, what is unread, the caller's opt-out, the ticket it opened."""

    __tablename__ = "conversations"
    __table_args__ = (Index("ix_conversations_status_last_in", "status", "last_in_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(80), unique=True)
    """`line:phone`: one conversation per caller and number, whatever copies of a webhook do."""
    flow_id: Mapped[str] = mapped_column(String(64), index=True)
    line: Mapped[str] = mapped_column(String(32))
    """Our number the caller texted, which staff replies go out from."""
    phone: Mapped[str] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(16), default="needs-reply")
    unread: Mapped[int] = mapped_column(Integer, default=0)
    """Texts needing a person that no one has opened yet."""
    last_in_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    opted_out_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    """The caller texted STOP (or СТОП) to this number and has not texted START since."""
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), default=None,
                                                 index=True)
    """The ticket the conversation's open question made (kind `sms`)."""
    done_by: Mapped[str] = mapped_column(String(64), default="")
    done_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Ticket(Base):
    """Work for a person: a call back, a message for management, a request, a note."""

    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True, default=None)
    flow_id: Mapped[str] = mapped_column(String(64), index=True)
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id"), default=None, index=True)
    kind: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    assign_role: Mapped[str | None] = mapped_column(String(64), default=None)
    urgent: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    phone: Mapped[str] = mapped_column(String(32), default="", index=True)
    due_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    assigned_to: Mapped[str] = mapped_column(String(64), default="")
    """The person who owns it (a staff id or a desk login); `assign_role` is the role it went to."""
    answer: Mapped[str] = mapped_column(Text, default="")
    """What management answered to a caller's question (TS-4): the call back reads it out."""
    answered_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    closed_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    comments: Mapped[list[TicketComment]] = relationship(
        back_populates="ticket", order_by="TicketComment.id", cascade="all, delete-orphan"
    )


class TicketComment(Base):
    """A line a person added to a ticket on the desk."""

    __tablename__ = "ticket_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    author: Mapped[str] = mapped_column(String(64), default="")
    text: Mapped[str] = mapped_column(Text)

    ticket: Mapped[Ticket] = relationship(back_populates="comments")


class QueueEntry(Base):
    """A caller waiting in a queue. Position is by priority, then arrival (OM-3)."""

    __tablename__ = "queue_entries"
    __table_args__ = (Index("ix_queue_waiting", "flow_id", "queue", "left_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"), unique=True)
    flow_id: Mapped[str] = mapped_column(String(64))
    queue: Mapped[str] = mapped_column(String(64))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    enqueued_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    """Indexed for the reports, which count queue entries by when they joined."""
    left_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    result: Mapped[str] = mapped_column(String(16), default="")
    """Waiting: "", or for a kept place "kept", "calling", "connecting". Left: "answering",
    "bridged", "hangup", "message", "leave", and for a kept place "called-back",
    "not-reached" or "dry-run"."""
    # A kept place (the queue step's `keep_place`): the caller hung up, the row keeps their
    # place (left_at stays empty, so nobody who came later goes ahead), and voicebot calls
    # them back when a staff member takes it (voicebot.services.kept_places).
    kept_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    kept_number: Mapped[str] = mapped_column(String(32), default="")
    kept_state: Mapped[str] = mapped_column(String(64), default="")
    """The queue state whose `keep_place` says how to call back."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_try_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    held_by: Mapped[int | None] = mapped_column(Integer, default=None, index=True)
    """The staff member's call on hold for this callback (their leg waits to be connected)."""


class Voicemail(Base):
    """A recorded message; the transcription and quote pipeline picks it up from here."""

    __tablename__ = "voicemails"

    id: Mapped[int] = mapped_column(primary_key=True)
    recording_sid: Mapped[str] = mapped_column(String(64), unique=True)
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id"), default=None, index=True)
    flow_id: Mapped[str] = mapped_column(String(64), default="")
    from_number: Mapped[str] = mapped_column(String(32), default="", index=True)
    recording_url: Mapped[str] = mapped_column(Text, default="")
    duration: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(24), default="received", index=True)
    """received -> fetched -> transcribed -> quoted | for-person; or needs-transcription,
    unusable (the audio is empty, silent or broken) or failed (it could not be fetched)."""
    transcript: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    quote_wanted: Mapped[bool] = mapped_column(default=True)
    """The flow's voicemail step asked for the quote pipeline (`quote: true`)."""
    language: Mapped[str] = mapped_column(String(16), default="")
    fetch_attempts: Mapped[int] = mapped_column(Integer, default=0)
    audio_path: Mapped[str] = mapped_column(Text, default="")
    """Where the fetched WAV is kept, relative to the recordings folder."""
    transcriber: Mapped[str] = mapped_column(String(32), default="")
    words: Mapped[list[Any]] = mapped_column(default=list)
    """Recognised words: [{"word", "conf", "start", "end"}], for a person checking the text."""
    twilio_transcript: Mapped[str] = mapped_column(Text, default="")
    """Twilio's own transcription, when the flow asked for it (`transcribe: true`)."""
    understanding: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str] = mapped_column(Text, default="")
    """Why the message needs a person: shown on the desk and in the journal."""
    processed_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class Quote(Base):
    """The price quote SMS a voicemail earned (OM-4), and the caller's answer to it."""

    __tablename__ = "quotes"

    id: Mapped[int] = mapped_column(primary_key=True)
    voicemail_id: Mapped[int] = mapped_column(ForeignKey("voicemails.id"), unique=True)
    """At most one quote per voicemail, whatever duplicates Twilio delivers."""
    flow_id: Mapped[str] = mapped_column(String(64), index=True)
    phone: Mapped[str] = mapped_column(String(32), index=True)
    service_id: Mapped[str] = mapped_column(String(64))
    service_name: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), default=None)
    status: Mapped[str] = mapped_column(String(16), default="sent")
    """sent, approved, declined, or failed when the SMS could not go out."""
    reply_message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(default=None, index=True)


class Email(Base):
    """A voicemail mailed to staff (issue 18), written before it is sent: the row is the
    outbox, as for SMS. One per voicemail, whatever retries and sweeps do."""

    __tablename__ = "emails"
    __table_args__ = (Index("ix_emails_status_next", "status", "next_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    voicemail_id: Mapped[int | None] = mapped_column(ForeignKey("voicemails.id"), default=None,
                                                    index=True)
    flow_id: Mapped[str] = mapped_column(String(64), default="")
    to: Mapped[list[Any]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    """pending (waiting for its next try), sending (claimed), sent."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    """Why the last try failed: shown on the desk and in the journal."""
    next_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class Dial(Base):
    """An outbound call, written before it is placed: the row is the outbox, as for SMS."""

    __tablename__ = "dials"

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    flow_id: Mapped[str] = mapped_column(String(64))
    entry: Mapped[str] = mapped_column(String(64))
    """The flow state the call starts in once answered."""
    to_number: Mapped[str] = mapped_column(String(32), index=True)
    from_number: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    """pending, dialing (claimed), then Twilio's call statuses; dry-run without telephony."""
    answered_by: Mapped[str] = mapped_column(String(32), default="")
    call_sid: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    callback_id: Mapped[int | None] = mapped_column(ForeignKey("callbacks.id"), default=None,
                                                   index=True)
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    vars: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """Call variables the flow starts with (the visit window, the ticket's answer...)."""
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Callback(Base):
    """One firing of a flow's callback rule: what to do, for whom, when, and how it went.

    The scheduler's job only says *when* to look at this row; the row is the truth, so a job
    lost in a crash is found again and a job run twice finds the work already claimed.
    """

    __tablename__ = "callbacks"
    __table_args__ = (Index("ix_callbacks_status_next", "status", "next_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    flow_id: Mapped[str] = mapped_column(String(64), index=True)
    rule_id: Mapped[str] = mapped_column(String(64))
    trigger: Mapped[str] = mapped_column(String(32))
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id"), default=None, index=True)
    """The call that caused it; each attempt is written into that call's journal."""
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), default=None,
                                                 index=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"), default=None,
                                                index=True)
    phone: Mapped[str] = mapped_column(String(32), default="", index=True)
    action: Mapped[str] = mapped_column(String(16))
    attempts_made: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    """scheduled, queued (its time came: a job is in the queue), running (claimed by a
    worker), waiting (a call is out), then done,
    not-reached, skipped, replaced (too late: a ticket for a person instead) or canceled."""
    next_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    planned_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    """When the current attempt should run, before any deferral to business hours."""
    outcome: Mapped[str] = mapped_column(Text, default="")
    vars: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(default=None)

    attempts: Mapped[list[CallbackAttempt]] = relationship(
        back_populates="callback", order_by="CallbackAttempt.id", cascade="all, delete-orphan"
    )


class CallbackAttempt(Base):
    """One try of a callback: placed, deferred, sent, or how the call ended."""

    __tablename__ = "callback_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    callback_id: Mapped[int] = mapped_column(ForeignKey("callbacks.id", ondelete="CASCADE"),
                                             index=True)
    number: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    result: Mapped[str] = mapped_column(String(32))
    dial_id: Mapped[int | None] = mapped_column(ForeignKey("dials.id"), default=None)
    note: Mapped[str] = mapped_column(Text, default="")

    callback: Mapped[Callback] = relationship(back_populates="attempts")


class Booking(Base):
    """A pre-booked visit to the workshop: a slot of a calendar (CS-3, CS-9)."""

    __tablename__ = "bookings"
    __table_args__ = (Index("ix_bookings_calendar_start", "flow_id", "calendar", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    """The call, its exchange and the step: a replayed webhook books nothing twice."""
    flow_id: Mapped[str] = mapped_column(String(64))
    calendar: Mapped[str] = mapped_column(String(64))
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id"), default=None, index=True)
    phone: Mapped[str] = mapped_column(String(32), default="", index=True)
    client_name: Mapped[str] = mapped_column(String(200), default="")
    starts_at: Mapped[dt.datetime] = mapped_column()
    ends_at: Mapped[dt.datetime] = mapped_column()
    hours: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16), default="booked")
    """booked or canceled; only booked ones count against the day's capacity."""
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Visit(Base):
    """A technician's visit to a client, confirmed by an outbound call (RT-1..RT-5)."""

    __tablename__ = "visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    flow_id: Mapped[str] = mapped_column(String(64), index=True)
    phone: Mapped[str] = mapped_column(String(32), index=True)
    client_name: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    window_start: Mapped[dt.datetime] = mapped_column()
    window_end: Mapped[dt.datetime] = mapped_column()
    """The interval chosen when the request was made (RT-5)."""
    status: Mapped[str] = mapped_column(String(16), default="planned")
    """planned, confirmed, moved (to `moved_to`), time-open, no-contact or canceled (RT-4)."""
    moved_to: Mapped[dt.datetime | None] = mapped_column(default=None)
    adult_contact: Mapped[str] = mapped_column(Text, default="")
    """Who over 14 the client allows us to deal with when they are out (RT-1)."""
    no_entry: Mapped[bool] = mapped_column(default=False)
    """Only a child under 14 will be home: the technician must not go in (RT-2)."""
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class LoginFailure(Base):
    """A wrong desk password. Counted by every web process alike, by name and by address,
    over the last minutes (voicebot/admin/auth.py); older rows are deleted as new ones come."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_address_at", "address", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)


APSCHEDULER_JOBS = Table(
    # APScheduler's own job store table, created by our migrations rather than by whichever
    # process starts first, so two schedulers never race to create it. Same shape as
    # apscheduler.jobstores.sqlalchemy builds.
    "apscheduler_jobs",
    Base.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)


def ours(name: str | None, type_: str, parent_names: Any) -> bool:
    """Alembic's `include_name`: the schema the models describe, without Procrastinate's
    tables (its own schema file, applied by migration 0008), so autogenerate and the
    models-match-migrations test never propose to drop them."""
    table = name if type_ == "table" else parent_names.get("table_name")
    return not (table or "").startswith("procrastinate_")
