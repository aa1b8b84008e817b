"""The desk's banner for lines whose voicemails no recognizer transcribes here: the dispatcher
learns that those messages wait for a person to listen to, and the one command that fixes it
(to pass on to whoever runs the server)."""

from __future__ import annotations

from flask import current_app, g, request

from voicebot.admin import i18n, naming
from voicebot.admin.blueprint import bp
from voicebot.flows.catalog import catalog
from voicebot.speech import coverage

TEXT = {
    "en": "Voicemails in {language} (lines: {lines}) are not transcribed: this server has no "
          "speech recognizer for {language}. They are kept on the desk for you to listen to. "
          "The command that fixes it, on the server:",
    "ru": "Сообщения на {language} языке (линии: {lines}) не расшифровываются: на сервере нет "
          "распознавания речи для этого языка. Они сохраняются на пульте, их можно прослушать. "
          "Исправляет это команда на сервере:",
}
LANGUAGES = {
    "en": {"en": "English", "ru": "Russian"},
    "ru": {"en": "английском", "ru": "русском"},
}
"""Language names as the banner's sentence needs them (Russian: prepositional case)."""


@bp.app_context_processor
def _untranscribed() -> dict[str, object]:
    if request.blueprint != "admin" or not g.get("desk_user"):
        return {}
    shown = i18n.language()
    flows = catalog().flows()
    banners = []
    for gap in coverage.missing(current_app.config, flows):
        name = LANGUAGES[shown].get(gap.language, gap.language)
        lines = ", ".join(map(naming.line_name, gap.lines))
        banners.append({"text": TEXT[shown].format(language=name, lines=lines),
                        "command": gap.fix})
    return {"untranscribed": banners}
