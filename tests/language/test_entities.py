"""Phone numbers in the line's own country and callers' names, in the forms callers use.

Utterances are written as recognizers return them (lower case, numbers in words or digits)
and as callers speak, in wording of our own; none is taken from a flow file."""

from __future__ import annotations

from pathlib import Path

import pytest

from voicebot.compiler.loader import load_flow
from voicebot.language import entities
from voicebot.language.numbers import tokens
from voicebot.voicemail.understand import understand

FLOWS = Path(__file__).resolve().parents[2] / "flows"


@pytest.mark.parametrize(("lines", "language", "country"), [
    (["+375295550100"], "russian", "375"),
    (["+74955550100"], "russian", "7"),
    (["+15035550100"], "english", "1"),
    ([], "russian", "7"),
    ([], "english", "1"),
])
def test_the_line_says_which_country_its_callers_dial_in(lines: list[str], language: str,
                                                        country: str) -> None:
    assert entities.line_country(lines, language) == country


@pytest.mark.parametrize(("said", "country", "number"), [
    # A Belarusian line (+375): operator code and seven digits, however grouped.
    ("29 555 01 23", "375", "+375295550123"),
    ("двадцать девять пятьсот пятьдесят пять ноль один двадцать три", "375", "+375295550123"),
    ("мой номер восемь ноль двадцать девять пятьсот пятьдесят пять ноль один двадцать три",
     "375", "+375295550123"),
    ("перезвоните на 8 029 555-01-23", "375", "+375295550123"),
    ("плюс триста семьдесят пять сорок четыре пятьсот пятьдесят пять двенадцать тридцать четыре",
     "375", "+375445551234"),
    ("375 33 555 77 88", "375", "+375335557788"),
    # A Russian line (+7): with the trunk 8, without it, with +7.
    ("8 903 555 01 23", "7", "+79035550123"),
    ("903 555 01 23", "7", "+79035550123"),
    ("восемь девятьсот три пятьсот пятьдесят пять ноль один двадцать три", "7", "+79035550123"),
    ("девятьсот шестнадцать три пятёрки ноль ноль сорок два", "7", "+79165550042"),
    ("плюс семь девятьсот пять сто двадцать три сорок пять шестьдесят семь", "7", "+79051234567"),
    ("позвоните после пяти восемь девятьсот три пятьсот пятьдесят пять ноль один двадцать три",
     "7", "+79035550123"),
    # An American line (+1): ten digits, a leading 1, "oh" for zero, "double".
    ("503 555 0143", "1", "+15035550143"),
    ("five oh three five five five oh one four three", "1", "+15035550143"),
    ("reach me at one five oh three five five five oh one four three", "1", "+15035550143"),
    ("call me back at five four one double five five zero one nine nine", "1", "+15415550199"),
    ("my cell is 971-555-0177 thanks", "1", "+19715550177"),
    # Not a phone: too short, or digits kept as said when they fit no country.
    ("apartment twelve on fourth street", "1", None),
    ("квартира сорок два", "375", None),
    ("five five five twelve hundred", "1", "5551200"),
    # Ten digits no US area code has (Whisper on a phone line heard "503 555 0142" so): the
    # dispatcher sees the digits heard, not a number to dial that belongs to nobody.
    ("call me Mac at 53555, 0.0142. Thanks.", "1", "5355500142"),
    ("call me back on two one one five five five oh one four two", "1", "2115550142"),
    ("восемь ноль ноль ноль пятьсот пятьдесят пять ноль один двадцать три", "7", "80005550123"),
])
def test_phone_numbers_in_the_lines_country(said: str, country: str, number: str | None) -> None:
    assert entities.phone_in(said, country) == number


def test_a_written_plus_is_kept() -> None:
    assert entities.phone_in("+375 29 555-01-23", "7") == "+375295550123"


@pytest.mark.parametrize(("said", "name"), [
    ("Robert here, my dryer won't start", "Robert"),
    ("hi, Dana speaking, the oven is dead", "Dana"),
    ("this is Dana from Maple Street, the washer leaks", "Dana"),
    ("hey it's Marcus again about the fridge", "Marcus"),
    ("hello, my name's Priya Shah, please call me", "Priya Shah"),
    ("good afternoon this is mrs okafor", "Mrs Okafor"),
    ("my name is li", "Li"),
    ("hi, i'm Keisha from Oak Street, the fridge is warm", "Keisha"),
    ("hello, Tom calling about the oven", "Tom"),
    ("i'm having trouble with my washer", None),
    ("i'm calling about a dryer", None),
    ("hi, just calling about the quote", None),
    ("it's leaking all over the floor", None),
    ("this is urgent, the freezer is warm", None),
    ("this is about my dishwasher", None),
    ("hi, it's the guy with the broken dryer", None),
    # Recognizers drop the comma: the message proper starts after the name.
    ("hi its maria my oven wont heat", "Maria"),
    ("hi it's cold in here and the furnace is out", None),
    # Whisper wrote a mumbled name as the word itself: nobody is greeted "Hi Name".
    ("Hey, it's name. The dryer won't spin.", None),
])
def test_english_names(said: str, name: str | None) -> None:
    assert entities.name_in(said, "english") == name


@pytest.mark.parametrize(("said", "name"), [
    ("это Марина, брала у вас холодильник в ремонт", "Марина"),
    ("меня зовут Иван Петрович", "Иван Петрович"),
    ("здравствуйте, это Ольга Кузнецова, по поводу машины", "Ольга Кузнецова"),
    ("алло, вас беспокоит Сергей", "Сергей"),
    ("добрый день, это Анна, звонила вчера", "Анна"),
    ("меня зовут Жасур, у меня стучит подвеска", "Жасур"),
    ("меня зовут Вера", "Вера"),
    ("да, это Павел Сидоренко", "Павел Сидоренко"),
    ("Павел беспокоит, поцарапал бампер", "Павел"),
    ("это по поводу ремонта", None),
    ("это машина соседа", None),
    ("это срочно, не заводится", None),
    ("вера в вас у меня пропала", None),
    ("это опять я", None),
    # The name in the instrumental around a verb of naming comes back in the nominative.
    ("добрый день меня дмитрием зовут у меня глохнет мотор", "Дмитрий"),
    ("Называйте меня Светланой, перезвоните вечером.", "Светлана"),
    ("меня Тимуром звать пробило колесо", "Тимур"),
    ("меня так зовут", None),
    # Unpunctuated, a name after "это" at the end still signs the message.
    ("тормоза скрипят посмотрите пожалуйста это ксения", "Ксения"),
])
def test_russian_names(said: str, name: str | None) -> None:
    assert entities.name_in(said, "russian") == name


def test_the_lines_own_name_is_not_the_callers() -> None:
    assert entities.name_in("это Телеспутник?", "russian", business="Телеспутник") is None


def test_a_voicemail_gets_the_callers_name_and_number() -> None:
    """Issue 13: "это Марина, брала у вас..." is Марина; the number is read as a +7 number."""
    car = load_flow(FLOWS / "car_service.yaml")
    got = understand("это марина брала у вас машину на диагностику опять стучит подвеска "
                     "перезвоните девятьсот шестнадцать пятьсот пятьдесят пять ноль один "
                     "двадцать три", car)
    assert (got.caller_name, got.callback_number) == ("Марина", "+79165550123")


def test_a_voicemail_name_ends_where_the_transcript_ends_a_sentence() -> None:
    """Issue 13, OM-4: "Hi, it's Maria. The oven..." is Maria; the technician asked for is no
    'technician came' (a word alone is not a near spelling of a two-word phrase)."""
    omega = load_flow(FLOWS / "omega.yaml")
    got = understand("Hi, it's Maria. The oven won't heat past about 200 degrees. Can you send "
                     "the technician? Call me at 503 555 0166.", omega)
    assert (got.caller_name, got.service and got.service.id) == ("Maria", "oven")
    assert understand("Hi, it's broken. The oven won't heat.", omega).caller_name is None


@pytest.mark.parametrize(("said", "name"), [
    ("глушитель прогорел, ревёт на всю улицу, это Антон", "Антон"),
    ("амортизаторы стучат, надо менять, Светлана, 8 926 555 01 33", "Светлана"),
    ("пора менять масло, пробег десять тысяч, Дмитрий", "Дмитрий"),
    # A name that is also a word ("роман", "вера"), written as a name; spelt as written.
    ("колодки стёрлись до железа, Роман", "Роман"),
    ("поменять бы колодки, подъехать завтра с утра, Вера", "Вера"),
    ("добрый вечер, Артём, надо переобуться на зиму", "Артём"),
    # A car said alone is no caller.
    ("стучит спереди, машина лада, перезвоните 8 926 555 01 33", None),
    ("колодки скрипят, лада веста, 8 926 555 01 33", None),
    ("колодки скрипят, Лада Веста, 8 926 555 01 33", None),
])
def test_a_voicemail_signed_in_its_middle_or_end(said: str, name: str | None) -> None:
    """A car owner's message is often signed last: "..., это Антон", "..., Светлана, 8 926..."."""
    car = load_flow(FLOWS / "car_service.yaml")
    assert understand(said, car).caller_name == name


@pytest.mark.parametrize(("said", "name"), [
    ("my washer bangs on the spin cycle, this is Ann, 503-555-0111", "Ann"),
    ("the disposal is jammed, this is Ray at 503 555 0116", "Ray"),
    # A symptom after "it's" is nobody, even before the number.
    ("the disposal, it's jammed, 503 555 0116", None),
    # A few words of giving the number between the name and it.
    ("the stove won't light, this is Nadia, call me back at 503 555 0117", "Nadia"),
    ("ice maker's dead, it's Theo, you can reach me at 503 555 0118", "Theo"),
    # ... but then a state is nobody, whatever the cue.
    ("the dishwasher is dead, this is ridiculous, my number is 503 555 0119", None),
])
def test_an_english_voicemail_signed_in_its_middle(said: str, name: str | None) -> None:
    """OM-4: the quote SMS greets the caller by the name they signed with."""
    omega = load_flow(FLOWS / "omega.yaml")
    assert understand(said, omega).caller_name == name


def test_a_belarusian_voicemail_gets_a_belarusian_number() -> None:
    """The +375 line reads "29 555 01 23" as a Belarusian mobile, not a broken +7 one."""
    telesputnik = load_flow(FLOWS / "telesputnik.yaml")
    got = understand("здравствуйте это наталья у меня нет сигнала перезвоните двадцать девять "
                     "пятьсот пятьдесят пять ноль один двадцать три", telesputnik)
    assert (got.caller_name, got.callback_number) == ("Наталья", "+375295550123")


def test_names_are_read_from_tokens_with_catalogue_words_taken() -> None:
    said = tokens("this is fridge repair")
    assert entities.person_name(said, "english", taken={2, 3}) is None


@pytest.mark.parametrize(("answer", "language", "name"), [
    # Answers to "Как вас зовут?" / "Кто будет дома?" / "Who am I speaking with?".
    ("Иван", "russian", "Иван"),
    ("Анна Сергеевна Кузнецова", "russian", "Анна Сергеевна Кузнецова"),
    ("меня зовут Иван Петрович", "russian", "Иван Петрович"),
    ("мама моя, Галина Ивановна", "russian", "Галина Ивановна"),
    ("муж, Виктор", "russian", "Виктор"),
    ("Олег, это мой сын, ему семнадцать", "russian", "Олег"),
    ("можно просто Лёша", "russian", "Лёша"),
    ("Сергеем меня зовут", "russian", "Сергей"),
    ("звать меня Ольгой Петровной", "russian", "Ольга Петровна"),
    ("Пётр меня зовут", "russian", "Пётр"),
    ("меня зовут", "russian", None),
    ("а зачем вам", "russian", None),
    ("не скажу", "russian", None),
    ("John Smith", "english", "John Smith"),
    ("um it's Dana", "english", "Dana"),
    ("yeah this is Robert", "english", "Robert"),
    ("no thanks", "english", None),
])
def test_the_name_in_an_answer_to_whats_your_name(answer: str, language: str, name: str | None) -> None:
    assert entities.answered_name(answer, language) == name


@pytest.mark.parametrize(("said", "codes"), [
    ("стиралка пишет е двадцать один", ["Е21"]),
    ("на дисплее эф ноль семь", ["ЭФ07"]),
    ("the dryer is flashing an h 3 code", ["H3"]),
    ("it shows E24", ["E24"]),
    ("код 5C на экране", ["5C"]),
    # Letters that are words, and numbers said alone, are not codes.
    ("приду с двенадцати до трёх", []),
    ("и сорок минут ждала", []),
    ("я в 15 часов буду дома", []),
])
def test_error_codes_however_said(said: str, codes: list[str]) -> None:
    assert entities.error_codes(said) == codes


def test_an_error_code_means_the_word_for_an_error() -> None:
    """HL-3: "выдаёт е двадцать один" is a fault even though no word says "ошибка"."""
    assert entities.with_error_word("машинка выдаёт е двадцать один", "ru").endswith(", ошибка")
    assert entities.with_error_word("the oven shows F9", "en").endswith(", error")
    assert entities.with_error_word("машинка не сливает", "ru") == "машинка не сливает"


@pytest.mark.parametrize(("said", "name"), [("меня зовут Слава", "Слава"),
                                            ("меня зовут Света Ковалёва", "Света Ковалёва")])
def test_cs5_after_a_cue_a_name_the_dictionary_reads_as_a_noun_is_still_a_name(
        said: str, name: str) -> None:
    """CS-5: "Света" is mostly "of light" to the dictionary and "Слава" is "glory"; after
    "меня зовут" they are what the client is called, and the transfer announces them."""
    assert entities.answered_name(said, "russian") == name
