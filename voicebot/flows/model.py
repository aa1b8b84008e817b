"""The compiled form of a flow file: frozen, typed, built once at load time.

The loader (`voicebot.compiler.loader`) turns YAML into these objects after checking every
node; the engine only ever reads them. Every object that came from the file keeps its
`Source`, so a runtime error can still name `flows/x.yaml:LINE`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable
from zoneinfo import ZoneInfo

from voicebot.language.places import Place
from voicebot.language.scorer import Menu, Pattern
from voicebot.language.tags import language_family

InputMode = Literal["dtmf", "speech"]
Direction = Literal["inbound", "outbound"]
CaptureKind = Literal["text", "digits", "number", "date", "yes_no", "phone", "name", "place"]


SNOWBALL = {"en": "english", "ru": "russian"}
"""Snowball stemmer names by language family."""


@dataclass(frozen=True)
class Source:
    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Text:
    """A prompt or message with `{name}` placeholders, filled from facts and call variables."""

    template: str
    source: Source
    names: frozenset[str] = frozenset()


CONFIRM_BELOW = 0.5
"""Default confidence below which an `ask` confirms its best guess instead of taking it."""


@dataclass(frozen=True)
class Phrase:
    """A spoken keyword or phrase (or a whole example utterance), analysed for the flow's
    language when the flow is loaded."""

    text: str
    stems: tuple[str, ...]
    pattern: Pattern


@dataclass(frozen=True)
class Near:
    """`near: {place: Москва, km: 120}`: every town that close to the place."""

    name: str
    place: Place
    km: float


@dataclass(frozen=True)
class Choice:
    """One way out of an `ask`: by keypad digits and/or spoken phrases."""

    goto: str
    source: Source
    digits: tuple[str, ...] = ()
    words: tuple[Phrase, ...] = ()
    examples: tuple[Phrase, ...] = ()
    """Whole utterances a caller might say for this choice, in the flow author's words."""
    confirm: Text | None = None
    """The question asked when the choice is the best guess but not a sure one."""
    label: str | None = None
    """What the choice is about, for the generated confirmation question."""
    addressed: bool = False
    """Its words count only in a sentence said to us ("you are useless", "вы издеваетесь"),
    not about a thing ("this useless washer"): OM-10 abuse is aimed at a person."""
    near: tuple[Near, ...] = ()
    """Towns it stands for by distance: any town within `km` of the place named."""
    services: tuple[str, ...] = ()
    """Services of the flow's `quotes:` catalogue (by id) it also hears, by their words and
    examples: a booking choice of a business that lists its services once, there."""

    @property
    def patterns(self) -> tuple[Pattern, ...]:
        return tuple(p.pattern for p in self.words + self.examples)


@dataclass(frozen=True)
class VarTest:
    """A test on a captured call variable: `equals` any of the values, just present, or
    `says` one of the phrases somewhere in it (stemmed, as `ask` choices match), or names
    ages: every age named is below `age_below`, or some age is at least `age_at_least`."""

    name: str
    equals: tuple[str, ...] = ()
    present: bool | None = None
    says: tuple[Phrase, ...] = ()
    age_below: int | None = None
    age_at_least: int | None = None
    heard: Menu[str] | None = field(default=None, compare=False, repr=False)
    """`says` compiled for the understanding layer (one candidate)."""


@dataclass(frozen=True)
class When:
    """All given conditions must hold (logical AND). Unset fields are not tested."""

    source: Source
    caller: frozenset[str] | None = None
    """Caller groups: 'staff', 'known' (called before), 'new', or a name from `callers:`."""
    open: bool | None = None
    """True within business hours (hours, weekday, holidays in the flow's time zone)."""
    available: str | None = None
    """A staff role that has at least one available member right now."""
    from_prefix: tuple[str, ...] = ()
    """Caller number starts with one of these, e.g. '+7'."""
    min_previous_calls: int | None = None
    vars: tuple[VarTest, ...] = ()


@dataclass(frozen=True)
class Rule:
    when: When
    goto: str
    source: Source


@dataclass(frozen=True)
class StepBase:
    """What every compiled step has; each kind's dataclass (in `voicebot.engine.steps`)
    adds its own fields."""

    id: str
    source: Source


@runtime_checkable
class RecordsVoicemail(Protocol):
    """A step that records a voicemail, as the voicemail pipeline and the speech checks see
    it: they read these fields without importing the step kind (`voicebot.engine.steps`),
    which sits above them."""

    @property
    def max_length(self) -> int: ...
    @property
    def transcribe(self) -> bool: ...
    @property
    def quote(self) -> bool: ...


VisitStatus = Literal["planned", "confirmed", "moved", "time-open", "canceled"]
VISIT_STATUSES: tuple[VisitStatus, ...] = ("planned", "confirmed", "moved", "time-open", "canceled")


@dataclass(frozen=True)
class TimeRange:
    start: dt.time
    end: dt.time


@dataclass(frozen=True)
class KeepPlace:
    """A `queue` step's offer to keep the caller's place and call them back (issue 18):
    read by the wait loop, by the step, and by the service that retries the call, which
    sits below the step kinds and so finds it here."""

    key: str
    offer_after: int = 0
    """Seconds the caller has waited before the offer is made."""
    min_wait: int = 0
    """Minutes of estimated wait below which the offer is not made (0: always)."""
    attempts: int = 2
    spacing: dt.timedelta = dt.timedelta(minutes=5)
    quiet_hours: TimeRange | None = None
    """A daily span in the flow's zone (it may run past midnight) when nobody is called."""
    offer: tuple[Text, ...] = ()
    say: tuple[Text, ...] = ()
    """Said to the caller when we call them back, before they are connected."""
    assign: str = ""
    """The role whose ticket follows the last unanswered attempt ("" : nobody in particular)."""

    def quiet(self, timezone: str, moment: dt.datetime) -> bool:
        """Whether `moment` falls in the quiet hours, in the line's zone."""
        if self.quiet_hours is None:
            return False
        t = moment.astimezone(ZoneInfo(timezone)).time()
        start, end = self.quiet_hours.start, self.quiet_hours.end
        return start <= t < end if start < end else (t >= start or t < end)

    def after_quiet(self, timezone: str, moment: dt.datetime) -> dt.datetime:
        """`moment`, or the end of the quiet hours it falls in."""
        if self.quiet_hours is None or not self.quiet(timezone, moment):
            return moment
        here = moment.astimezone(ZoneInfo(timezone))
        end = dt.datetime.combine(here.date(), self.quiet_hours.end, here.tzinfo)
        if end <= here:
            end += dt.timedelta(days=1)
        return end.astimezone(dt.UTC)


@dataclass(frozen=True)
class Hours:
    timezone: str
    week: Mapping[int, tuple[TimeRange, ...]]
    """Weekday (Monday=0) to its open ranges; a missing weekday is closed."""
    holidays: frozenset[dt.date] = frozenset()


@dataclass(frozen=True)
class StaffMember:
    id: str
    role: str
    phone: str
    source: Source
    name: str = ""
    available: bool = True
    hours: Hours | None = None
    """When set, the member is available only within these hours."""
    email: str = ""
    """Where `voicemail_email` mails this member's role (issue 18)."""


@dataclass(frozen=True)
class VoicemailEmail:
    """`voicemail_email:` each voicemail, once finished (transcribed, quoted or given to a
    person), is mailed to every member of these roles who has an e-mail address."""

    to: tuple[str, ...]
    source: Source
    attach_audio: bool = True


NotServiceReason = Literal["supplier", "job_seeker", "wrong_number", "spam", "follow_up", "insurance"]
NOT_SERVICE_REASONS: tuple[NotServiceReason, ...] = (
    "supplier", "job_seeker", "wrong_number", "spam", "follow_up", "insurance",
)
"""Kinds of voicemail that name no new job to quote; each goes to a person instead (OM-4)."""


@dataclass(frozen=True)
class Service:
    """A job callers ask for in a voicemail, with the words they use for it (OM-4)."""

    id: str
    name: str
    """Written into the quote as `{service}`."""
    words: tuple[Phrase, ...]
    source: Source
    price: Text | None = None
    """Written into the quote as `{service_price}`; filled from facts (OM-7)."""
    examples: tuple[Phrase, ...] = ()


@dataclass(frozen=True)
class QuoteCatalogue:
    """The `quotes:` section: what a voicemail may ask for, what rules a quote out, the SMS."""

    services: tuple[Service, ...]
    sms: Text
    source: Source
    not_service: Mapping[NotServiceReason, tuple[Phrase, ...]] = field(default_factory=dict)
    """Words that mark a message as not a request for service, by reason; checked in order."""
    urgent: tuple[Phrase, ...] = ()
    """Words that make a request urgent, in addition to the built-in ones of the language."""
    notify: tuple[str, ...] = ()
    """Staff roles told by SMS of approved quotes, urgent requests and messages for a person (OM-9)."""
    not_service_examples: Mapping[NotServiceReason, tuple[Phrase, ...]] = field(default_factory=dict)
    services_heard: Menu[str] | None = field(default=None, compare=False, repr=False)
    """Services by id, compiled for the understanding layer: the thing named outweighs a symptom."""
    reasons_heard: Menu[NotServiceReason] | None = field(default=None, compare=False, repr=False)
    urgent_heard: Menu[str] | None = field(default=None, compare=False, repr=False)


Trigger = Literal[
    "dropped_active", "dropped_early", "ticket_created", "ticket_answered", "quote_approved",
    "visit_scheduled",
]
TRIGGERS: tuple[Trigger, ...] = (
    "dropped_active", "dropped_early", "ticket_created", "ticket_answered", "quote_approved",
    "visit_scheduled",
)
"""What sets a callback rule off. `dropped_active`: an inbound caller hung up after answering at
least one question, outside the rule's `except_in` states (HL-9); `dropped_early`: hung up
before answering anything; the others when a ticket is created or answered, a quote approved
or a visit booked."""
ASSIGNEE = "assignee"
"""In `notify` of a ticket rule: whoever the ticket is assigned to (a role per ticket)."""

ActionKind = Literal["call", "sms", "notify", "ticket"]


@dataclass(frozen=True)
class CallbackAction:
    """What a callback rule does: one of call, sms, notify or ticket."""

    kind: ActionKind
    source: Source
    state: str = ""
    """call: the state of this flow the outbound call starts in."""
    text: Text | None = None
    to: str = "caller"
    """sms: 'caller' (the client) or a staff role."""
    roles: tuple[str, ...] = ()
    """notify: staff roles; `assignee` on a ticket rule is the role the ticket is assigned to."""
    ticket_kind: str = ""
    assign: str | None = None
    urgent: bool = False
    """ticket: created urgent; notify on a ticket rule: the ticket becomes urgent (escalation)."""


@dataclass(frozen=True)
class CallbackRule:
    """A flow's `callbacks:` entry: on an event, do something now, later, or repeatedly."""

    id: str
    source: Source
    on: Trigger
    action: CallbackAction
    kind: str | None = None
    """Ticket triggers: only tickets of this kind."""
    except_in: frozenset[str] = frozenset()
    """dropped_*: states where hanging up ends a finished conversation, not a dropped one."""
    delay: dt.timedelta = dt.timedelta(0)
    at: str | None = None
    """A call variable with the time the caller asked for, in their words ("завтра утром",
    CS-6); the rule runs then, or after `delay` when the words name no time."""
    before: dt.timedelta | None = None
    """visit_scheduled: run this long before the visit window opens, instead of `delay`."""
    attempts: int = 1
    """call: tries before giving up; with `repeat`, how many times at most."""
    spacing: dt.timedelta = dt.timedelta(minutes=10)
    within: Hours | None = None
    """Outbound calls and SMS wait for these hours (in the flow's zone); None: any time."""
    max_late: dt.timedelta | None = None
    """An attempt that runs later than this after its time is replaced by a ticket for a
    person (a redial at 3 a.m. after a night of downtime helps nobody)."""
    repeat: dt.timedelta | None = None
    until: Literal["answered", "closed"] | None = None
    """Ticket rules: stop once the ticket is answered/closed (also: skip if it already is)."""
    then: tuple[CallbackAction, ...] = ()
    """call: what to do once the last attempt has not reached the client (RT-3)."""


@dataclass(frozen=True)
class Flow:
    id: str
    name: str
    file: str
    language: str
    """BCP-47 tag used for <Say> and <Gather>, e.g. 'en-US' or 'ru-RU'."""
    voice: str
    timezone: str
    numbers: tuple[str, ...]
    start: str
    states: Mapping[str, StepBase]
    apology: tuple[Text, ...]
    fallback: str
    """State the caller goes to when a step fails at runtime (normally a voicemail)."""
    hours: Hours
    direction: Direction = "inbound"
    facts: Mapping[str, str] = field(default_factory=dict)
    staff: tuple[StaffMember, ...] = ()
    callers: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """Named caller groups by phone number, e.g. 'insurer'."""
    anywhere: tuple[Choice, ...] = ()
    """Choices that apply in every `ask`, scored with its own (abuse, operator); on a tie
    they win."""
    confirm_below: float = CONFIRM_BELOW
    record_calls: bool = False
    quotes: QuoteCatalogue | None = None
    """Voicemail-to-quote catalogue (OM-4, OM-7); None when the flow sends no quotes."""
    callbacks: tuple[CallbackRule, ...] = ()
    voicemail_email: VoicemailEmail | None = None
    """Mail each voicemail to these roles; None when the flow mails none."""
    digest: str = ""
    """Hash of the source file: the journal records which version served a call."""
    labels: Mapping[str, str] = field(default_factory=dict)
    """What the desk calls each variable (`labels:`), in the line's language."""
    role_names: Mapping[str, str] = field(default_factory=dict)
    """What the desk calls each staff role (`roles:`), in the line's language."""

    @property
    def stem_language(self) -> str:
        return SNOWBALL[language_family(self.language)]

    @property
    def family(self) -> Literal["en", "ru"]:
        return language_family(self.language)

    def members(self, role: str) -> tuple[StaffMember, ...]:
        return tuple(m for m in self.staff if m.role == role)

    def step(self, state: str) -> StepBase:
        return self.states[state]

    def rules(self, trigger: Trigger) -> tuple[CallbackRule, ...]:
        return tuple(r for r in self.callbacks if r.on == trigger)
