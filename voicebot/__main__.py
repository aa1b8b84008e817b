"""`python -m voicebot`: the `voicebot` command, for a caller that knows only its interpreter
(the desk runs `flows test` this way, in the interpreter it runs in)."""

from voicebot.cli import main

main()
