"""The understanding layer (voicebot/language) on its own: lemmas, negation scope, near
spellings, scoring every candidate, yes/no, and who a word is about."""

from __future__ import annotations

import pytest

from voicebot.language import focus, negation, polarity
from voicebot.language.keys import spoken_key
from voicebot.language.lemmas import Family, analyse
from voicebot.language.scorer import PREFIX_MAX, Menu, pattern


def menu(family: Family, **choices: list[str]) -> Menu[str]:
    return Menu([(key, [pattern(w, family) for w in said]) for key, said in choices.items()],
                family)


TELESPUTNIK = menu(
    "ru",
    outage=["нет сигнала", "не показывает", "пропал"],
    price=["цена", "сколько стоит"],
    connect=["подключение", "договор"],
    cable=["телевизор", "каналы"],
)


@pytest.mark.parametrize(("said", "expected"), [
    # A longer phrase outscores a shorter one, whatever the file order.
    ("сколько стоит подключение", "price"),
    # TS-9: another word order, another form of the words.
    ("сигнала нет во всём подъезде", "outage"),
    ("телевизор ничего не показывает", "outage"),
    ("договора", "connect"),
])
def test_the_best_candidate_wins_not_the_first_listed(said: str, expected: str) -> None:
    assert (best := TELESPUTNIK.hear(said).best) is not None and best.key == expected


def test_a_negated_word_does_not_vote() -> None:
    """TS-7: "это не срочно" does not say "срочно"; OM-3: "not an insurance thing"."""
    urgent = menu("ru", urgent=["срочно", "срочный"])
    assert urgent.hear("это не срочно, перезвоните на неделе").best is None
    assert urgent.hear("ничего срочного").best is None
    assert urgent.hear("очень срочное дело").best is not None
    insurance = menu("en", insurance=["insurance"], repair=["repair"])
    heard = insurance.hear("it's not an insurance thing, I need a repair")
    assert heard.best is not None and heard.best.key == "repair"
    assert "insurance" in heard.negated
    assert insurance.hear("I'm not calling about a repair").best is None


def test_negation_scope_stops_at_the_clause_and_binds_the_next_word() -> None:
    terms = analyse("не могу прийти, работа", "ru")
    assert negation.scope(terms, "ru") == {1, 2}          # "могу прийти", not "работа"
    terms = analyse("нет, запишите другой", "ru")
    assert negation.scope(terms, "ru") == set()            # an answer, not "нет чего-то"
    terms = analyse("нет сигнала", "ru")
    assert negation.scope(terms, "ru") == {1}


def test_a_phrase_with_its_own_negation_matches_as_written() -> None:
    outage = menu("ru", outage=["не работает"], works=["работает"])
    heard = outage.hear("у меня не работает телевизор")
    assert heard.best is not None and heard.best.key == "outage"


def test_near_spellings_and_words_split_or_joined() -> None:
    appliances = menu("en", dishwasher=["dishwasher"], ice_maker=["ice maker"],
                      refrigerator=["refrigerator"])
    for said, expected in [("my dish washer leaks", "dishwasher"),
                           ("the icemaker is broken", "ice_maker"),
                           ("my refridgerator is warm", "refrigerator")]:
        best = appliances.hear(said).best
        assert best is not None and best.key == expected, said


def test_things_named_outweigh_symptoms() -> None:
    """Issue 13: "my dryer's drum won't turn" is a dryer, whatever a washer's symptoms say."""
    services = Menu([("washer", [pattern(w, "en") for w in ("washer", "won't turn", "not spinning")]),
                     ("dryer", [pattern(w, "en") for w in ("dryer", "not drying")])],
                    "en", things_first=True)
    best = services.hear("my dryer's drum won't turn").best
    assert best is not None and best.key == "dryer"


def test_addressed_words_count_only_when_said_to_us() -> None:
    """OM-10: swearing at a broken appliance is not abuse of the dispatcher."""
    abuse = Menu([("abuse", [pattern("useless", "en"), pattern("stupid", "en")])], "en",
                 addressed=["abuse"])
    assert abuse.hear("this stupid washer is useless").best is None
    assert abuse.hear("you are useless").best is not None
    name = Menu([("name", [pattern("фамилия", "ru")])], "ru", addressed=["name"])
    assert name.hear("назовите свою фамилию").best is not None     # HL-1: an imperative
    assert name.hear("моя фамилия Петров").best is None


def test_examples_count_by_their_meaningful_words() -> None:
    claims = Menu([("insurance", [pattern("my insurance company sent me to you", "en", "example")]),
                   ("price", [pattern("how much does a visit cost", "en", "example")])], "en")
    best = claims.hear("the insurance company sent me").best
    assert best is not None and best.key == "insurance"
    assert claims.hear("my company").best is None           # a coincidence of common words


def test_the_words_of_all_examples_together_are_a_profile() -> None:
    """No single example is half heard, yet the answer's words are the parts choice's own:
    "replacement" and "motor" come from two different examples."""
    parts = Menu([
        ("parts", [pattern("has the replacement part been shipped to you yet", "en", "example"),
                   pattern("the technician ordered a new motor for my washing machine", "en",
                           "example")]),
        ("price", [pattern("how much does a visit from your technician cost", "en", "example")]),
    ], "en")
    best = parts.hear("any word about my replacement motor").best
    assert best is not None and best.key == "parts"
    # One word of a profile alone is still a coincidence.
    assert parts.hear("motor").best is None


@pytest.mark.parametrize(("said", "expected"), [
    ("ищу подработку на лето", "job"),          # под + работка: the root of "работа"
    ("сосед перезвонит позже", None),            # пере + звонит: no root the menu knows
    ("мастер всё починил", "fixed"),
    ("подождите минутку", None),                 # no root the menu knows
])
def test_a_prefixed_russian_word_counts_as_its_root(said: str, expected: str | None) -> None:
    prefixed = menu("ru", job=["работа", "вакансия"], fixed=["функционирует", "починили"])
    best = prefixed.hear(said).best
    assert (best.key if best else None) == expected


@pytest.mark.parametrize(("said", "expected"), [
    ("я по своей заявочке", "request"),      # guessed "заявочко": no near spelling of "заявка"
    ("звоню насчёт справочки", "certificate"),
    ("у меня справка", "certificate"),       # the plain word as before
    ("дочка дома", None),                    # "дочка" is no diminutive of a word here
])
def test_a_russian_diminutive_counts_as_its_plain_word(said: str, expected: str | None) -> None:
    warm = menu("ru", request=["заявка"], certificate=["справка"])
    best = warm.hear(said).best
    assert (best.key if best else None) == expected


@pytest.mark.parametrize(("said", "expected"), [
    # OM-5: "how long" asks a time of whatever it is about: the part that is to come in ...
    ("how long till the motor comes in", "parts"),
    ("when is my part getting delivered", "parts"),
    # ... or the repair.
    ("how long before you guys are finished", "done"),
])
def test_how_long_is_about_what_it_asks_about(said: str, expected: str) -> None:
    desk = menu("en", parts=["part", "motor", "arrive"], done=["finished", "how long"])
    best = desk.hear(said).best
    assert best is not None and best.key == expected


@pytest.mark.parametrize(("said", "expected"), [
    # OM-6: any words of "finished", asked yes or no, outrank the repair they are about.
    ("is the repair on my washer squared away", "done"),
    # OM-8 vs a broken appliance: "not ... again" asks for someone else only of a person.
    ("please don't have that guy come again", "other"),
    ("this rusty old dryer won't start again", "book"),
])
def test_what_is_asked_about_a_job(said: str, expected: str) -> None:
    desk = menu("en", done=["finished"], other=["someone else"],
                book=["repair", "washer", "dryer"])
    best = desk.hear(said).best
    assert best is not None and best.key == expected


@pytest.mark.parametrize(("said", "expected"), [
    # OM-6: a repair's participle asked about is whether the job is finished ...
    ("is my microwave repaired", "done"),
    ("has the dryer been serviced", "done"),
    # ... not a repair wanted done.
    ("is there someone who can get my dryer fixed", "book"),
    ("is it possible to have my oven repaired tomorrow", "book"),
])
def test_a_repairs_participle_in_a_question_asks_if_it_is_done(said: str, expected: str) -> None:
    desk = menu("en", done=["finished"], book=["repair", "fix", "someone", "dryer", "oven"])
    best = desk.hear(said).best
    assert best is not None and best.key == expected


@pytest.mark.parametrize(("said", "family", "expected"), [
    ("ну давайте, если дешевле выйдет", "ru", "yes"),
    ("да нет, не надо", "ru", "no"),                # "no" wins a tie
    ("не хочу", "ru", "no"),                        # a negated yes is a no
    ("не откажусь", "ru", "yes"),
    ("почему бы и нет", "ru", "yes"),
    ("мне это не интересно", "ru", "no"),           # an offer declined
    ("гарантия у неё уже вышла", "ru", "no"),        # the state asked about has ended
    ("лучше на домашний", "ru", "no"),             # something else preferred
    ("лучше на этот же", "ru", "yes"),             # ... or the very thing proposed
    ("так будет лучше", "ru", "yes"),              # "лучше" preferring nothing else
    ("а можно на мобильный мужа", "ru", "no"),      # asking for another thing
    ("можно", "ru", "yes"),                        # ... "можно" alone allows
    ("I'd rather you texted me instead", "en", "no"),
    ("not interested, thanks", "en", "no"),
    ("да нет, запишите другой", "ru", "no"),
    ("не знаю", "ru", None),
    ("absolutely, I'm not having him back", "en", "yes"),
    ("I don't think so", "en", "no"),
    ("nope", "en", "no"),
    # A hedge is neither: asked again, never a guessed yes ("not sure" is no "not").
    ("hmm, not sure really", "en", None),
    ("I suppose so, yeah", "en", None),
    ("maybe, I'd have to ask my wife", "en", None),
    ("no idea honestly", "en", None),
    ("probably not, he did fine", "en", "no"),
    ("I guess not", "en", "no"),
    # Unpunctuated: "not" after a verb of opinion is a clause of its own, not "not forget".
    ("i guess not forget it", "en", "no"),
    ("I suppose so go ahead", "en", None),
    # Spoken forms are the words they stand for; "no" before a verb is a bare answer.
    ("nah, leave him on it", "en", "no"),
    ("naw I will pass", "en", "no"),
    ("yup", "en", "yes"),
    ("dunno", "en", None),
    ("not at all, he was fine", "en", "no"),
])
def test_yes_or_no_however_said(said: str, family: Family, expected: str | None) -> None:
    assert polarity.answer(said, family) == expected


WARRANTY_RU = "Техника ещё на гарантии? Скажите «да» или «нет»."
WARRANTY_EN = "Is the appliance still under warranty? Say yes or no."


@pytest.mark.parametrize(("said", "family", "expected"), [
    # HL-3: the question's own words, negated or not, answer it.
    ("она уже не на гарантии, к сожалению", "ru", "no"),
    ("на гарантии пока", "ru", "yes"),
    ("not under warranty anymore", "en", "no"),
    ("under warranty, bought it in May", "en", "yes"),
    # A story of its own is no echo: left for the flow to ask again, not guessed.
    ("гарантия была на год, а купили мы её три года назад", "ru", None),
    # Words in common that name nothing ("ещё", "still") decide nothing.
    ("ещё не знаю", "ru", None),
])
def test_an_answer_in_the_questions_words(said: str, family: Family,
                                          expected: str | None) -> None:
    question = WARRANTY_RU if family == "ru" else WARRANTY_EN
    assert polarity.answer(said, family, question) == expected
    assert polarity.answer(said, family) in (expected, None)  # the echo is what decided


def test_keypad_options_said_aloud() -> None:
    keyed = Menu([("repair", [*spoken_key("1", "ru"), pattern("ремонт", "ru")]),
                  ("consult", [*spoken_key("3", "ru"), pattern("консультация", "ru")])], "ru")
    for said, expected in [("давайте третье", "consult"), ("по первому", "repair"),
                           ("третий, ремонт", "repair"), ("нажимаю один", "repair"),
                           ("вариант три", "consult")]:
        best = keyed.hear(said).best
        assert best is not None and best.key == expected, said
    english = Menu([("parts", [*spoken_key("2", "en"), pattern("parts", "en")]),
                    ("price", [*spoken_key("4", "en"), pattern("price", "en")])], "en")
    for said, expected in [("the fourth one", "price"), ("second option please", "parts"),
                           ("key two", "parts")]:
        best = english.hear(said).best
        assert best is not None and best.key == expected, said
    # An ordinal that names no option is none.
    assert english.hear("second time calling about this").best is None


def test_a_short_answer_said_wholly_inside_an_example_means_it() -> None:
    """RT-4: "подтверждаю" is the confirming example's act, though it is a third of it."""
    visit = Menu([("waiting", [pattern("да, подтверждаю визит", "ru", "example")]),
                  ("move", [pattern("давайте перенесём на другой день", "ru", "example")])], "ru")
    assert (best := visit.hear("подтверждаю").best) is not None and best.key == "waiting"


def test_dont_do_it_is_not_not_needed() -> None:
    """"не надо ничего переносить" says not to move the visit, not that it is not needed; and
    a negation does not reach across a clause ("..., я буду" is no "не буду")."""
    visit = menu("ru", cancel=["не надо"], away=["не буду"], waiting=["буду"],
                 move=["перенести"])
    assert (best := visit.hear("не надо ничего переносить, я буду").best) is not None \
        and best.key == "waiting"
    assert (best := visit.hear("не надо, всё работает").best) is not None and best.key == "cancel"


@pytest.mark.parametrize(("said", "words"), [
    # A recognizer writes "не" onto the verb; words that begin with "не" stay whole.
    ("меня небудет дома", ["меня", "не", "будет", "дома"]),
    ("небольшой стук", ["небольшой", "стук"]),
    # "что-то" is one word: its particle is not "ТО" (техобслуживание).
    ("что-то скрипит", ["чтото", "скрипит"]),
])
def test_russian_words_as_recognizers_write_them(said: str, words: list[str]) -> None:
    assert [t.text for t in analyse(said, "ru")] == words


def test_something_is_not_a_service() -> None:
    service = menu("ru", oil=["то", "замена масла"], brakes=["тормоза", "скрипят тормоза"])
    assert (best := service.hear("педаль тормоза проваливается и что-то скрипит").best) \
        is not None and best.key == "brakes"


def test_an_example_that_negates_matches_the_same_negation() -> None:
    """OM-8: "I don't want that same technician back" says what the example "I don't want the
    same technician again" means: its negated words count too."""
    change = Menu([("change", [pattern("I don't want the same technician again", "en", "example")])],
                  "en")
    assert (best := change.hear("I don't want that same technician back").best) is not None
    assert best.score >= 0.7


def test_the_one_who_does_a_thing_is_asked_for_by_it() -> None:
    """CS-2: "нужен жестянщик" asks for body work ("жестянка"); "я жестянщик" says who the
    caller is and asks for nothing of the sort."""
    body = Menu([("body", [pattern("жестянка", "ru")]), ("job", [pattern("работа", "ru")])], "ru")
    assert (best := body.hear("мне нужен жестянщик").best) is not None and best.key == "body"
    assert body.hear("я жестянщик").best is None


@pytest.mark.parametrize(("said", "expected"), [
    ("конечно, на этот", "yes"), ("на этот же", "yes"),
    ("лучше на другой", "no"), ("другой номер запишите", "no"), ("нет, не на этот", "no"),
])
def test_this_number_or_another(said: str, expected: str) -> None:
    """CS-6: "Перезвонить вам на номер, с которого вы звоните?" is answered with the number."""
    assert polarity.answer(said, "ru") == expected


# The questions first: a tie goes to the candidate listed first.
SHOP_EN = menu("en", price=["cost", "how much", "price", "repair cost"],
               done=["finished", "ready", "done"],
               book=["repair", "book", "fix", "washer", "dishwasher", "broken"])
SHOP_RU = menu("ru", ask=["сколько стоит", "цена", "готова"],
               book=["ремонт", "записаться", "сцепление"], body=["покраска", "кузов"])


@pytest.mark.parametrize(("shop", "said", "expected"), [
    # What is asked decides, though the thing and the job are the booking's words (OM-6, OM-7,
    # CS-4) ...
    (SHOP_EN, "how much would a dishwasher repair set me back", "price"),
    (SHOP_EN, "is the washer repair ready", "done"),
    (SHOP_RU, "какая цена ремонта сцепления", "ask"),
    # ... unless the caller asks for the job to be done: then the price is an aside.
    (SHOP_EN, "book me a washer repair, I don't mind the price", "book"),
    (SHOP_EN, "book it for me, at any price", "book"),
    # The price said beside a booking is an aside even where it names the job as well.
    (SHOP_EN, "please book it, what would the repair cost", "book"),
    (SHOP_EN, "I need someone to fix my dishwasher, the price is no object", "book"),
    # Words of completion that ask nothing: weary of it, willing.
    (SHOP_EN, "I'm done with this washer, it's broken again", "book"),
    (SHOP_EN, "my dishwasher is broken, I'm ready to pay for a repair", "book"),
    (SHOP_RU, "запишите, цена любая", "book"),
    (SHOP_RU, "хочу записаться на ремонт, сколько бы ни стоило", "book"),
    # A booking the price question is about is no request.
    (SHOP_RU, "сколько стоит записаться на ремонт сцепления", "ask"),
])
def test_what_is_asked_outranks_what_it_is_about(shop: Menu[str], said: str,
                                                 expected: str) -> None:
    best = shop.hear(said).best
    assert best is not None and best.key == expected


def test_a_question_is_no_focus_where_no_answer_hears_it() -> None:
    """A menu without a price answer judges "сколько стоит ремонт" as "ремонт": the question
    makes every candidate context alike, so it changes nothing."""
    shop = menu("ru", book=["ремонт"], body=["кузов"])
    assert shop.hear("сколько стоит ремонт").score_of("book") \
        == shop.hear("ремонт").score_of("book")


@pytest.mark.parametrize(("family", "said", "expected"), [
    # Whether a job is finished, asked of a job the business has (a voicemail's follow_up).
    ("en", "is the dryer done yet", True),
    ("en", "hey, have you sorted out my oven yet", True),
    ("en", "is my fridge repair completed", True),
    ("ru", "холодильник уже готов?", True),
    ("ru", "вы доделали мою стиральную машину?", True),
    # A "yet" that tells, a price, a completion wanted done or beside a booking: not asked.
    ("en", "I haven't called anyone yet, my washer leaks", False),
    ("en", "how much to fix a dryer", False),
    ("en", "I need someone to finish the install", False),
    ("ru", "хочу записаться на ремонт, когда будет готово?", False),
    ("ru", "сколько стоит замена колодок", False),
])
def test_a_question_whether_a_job_is_done(family: Family, said: str, expected: bool) -> None:
    terms = analyse(said, family)
    assert focus.done_asked(terms, family, negation.denied(terms, family)) is expected


@pytest.mark.parametrize("family", ["en", "ru"])
def test_an_absurdly_long_word_costs_its_length_not_its_square(family: Family) -> None:
    """A hostile flow file (the loader fuzzer wrote one) or a recognizer may give a "word" of
    tens of thousands of letters: the index of stem starts keeps a bounded number of keys per
    word, so compiling its menu is linear (it was quadratic: 7 s for 100,000 letters), while
    a long real word is still heard by its start."""
    word = "x" * 20_000
    menu = Menu([("junk", [pattern(word, family)]),
                 ("insurance", [pattern("страхование" if family == "ru" else "insurance",
                                        family)])], family)
    assert sum(len(k) for k in menu._by_prefix) < 40 * PREFIX_MAX ** 2
    said = "страховой" if family == "ru" else "insurances"
    assert menu.hear(said).best is not None


@pytest.mark.parametrize(("said", "expected"), [
    ("the tech was here tuesday is there anything left to do",
     [["the", "tech", "was", "here", "tuesday"], ["is", "there", "anything", "left", "to", "do"]]),
    ("your guy came out monday did he finish the job",
     [["your", "guy", "came", "out", "monday"], ["did", "he", "finish", "the", "job"]]),
    ("i guess not forget it", [["i", "guess", "not"], ["forget", "it"]]),
    # One clause: a question word of its own, "have" after "not", a subject before its verb.
    ("what time is it", [["what", "time", "is", "it"]]),
    ("i would rather not have the same guy come out",
     [["i", "would", "rather", "not", "have", "the", "same", "guy", "come", "out"]]),
    ("my washer is broken", [["my", "washer", "is", "broken"]]),
])
def test_english_clauses_a_recognizer_ran_together_are_found(said: str,
                                                            expected: list[list[str]]) -> None:
    """OM-6, OM-8: a question put after a statement, or a "not" standing for a clause, begins
    or ends a clause though no comma was written."""
    found: dict[int, list[str]] = {}
    for t in analyse(said, "en"):
        found.setdefault(t.clause, []).append(t.text)
    assert list(found.values()) == expected
