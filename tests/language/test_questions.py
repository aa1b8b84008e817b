"""What counts as a question when an ask matches no choice (HL-8: a non-typical question gets
the non-typical answer, not the menu again)."""

from __future__ import annotations

import pytest

from voicebot.language.questions import asks


@pytest.mark.parametrize("text", [
    "а где у вас можно забрать заказ",
    "подскажите адрес вашей бухгалтерии",
    "не знаете, кому позвонить насчёт аренды",
    "есть ли у вас парковка для посетителей",
    "мы поставщик упаковки, с кем обсудить условия",
    "вы работаете в субботу?",
    "девушка, а во сколько вы открываетесь",
    # Intonation alone, which a recognizer does not write down (HL-8's "any question").
    "у вас есть места на парковке",
    "принимаете оплату картой",
    "а вы работаете без выходных",
    "where do I send an invoice",
])
def test_a_question_is_heard_as_one(text: str) -> None:
    assert asks(text, "en" if text.isascii() else "ru")


@pytest.mark.parametrize("text", [
    "у меня стиральная машина течёт",
    "я думаю, что это из-за фильтра",
    "холодильник шумит как трактор",
    "что-то сломалось в духовке",
    "перезвоните мне попозже",
    "вы мне вчера звонили по поводу заказа",
    "I need a plumber at home",
])
def test_a_statement_is_not(text: str) -> None:
    assert not asks(text, "en" if text.isascii() else "ru")
