"""Issue 17, "Done when": a newcomer follows the README on a fresh copy of the repository.

The copy is the repository's tracked files (`git ls-files`) in a tmp folder. The README's
first command makes a venv, installs voicebot into it and starts `voicebot serve`; making a
venv and installing takes minutes, so this test uses the `voicebot` of the venv running it
(the same code, installed the same way) and starts `voicebot serve` in the copy's folder, as
that command does. Then, from a DIFFERENT folder with VOICEBOT_HOME naming the copy (as the
README says to do from elsewhere), it runs the tour at the keyboard through pexpect:
`voicebot flows list`, `voicebot call omega --url ...` leaving a voicemail that names an
appliance (typed at the beep, spoken by espeak-ng), then `voicebot journal` until the quote
SMS shows, within 60 s.

`--at` is not used: a server keeps its own clock (`voicebot call --url --at` is refused), so
the call follows whatever the real time says: straight to voicemail after hours, or the menu,
`0` and leaving the queue during Omega's hours (OM-1, OM-2). OM-4, OM-7: the voicemail asks
for a service and gets the quote by SMS.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pexpect
import pytest

from support.processes import free_port, stop, voicebot_command, wait_healthy
from support.speech import require_tools

REPO = Path(__file__).resolve().parents[2]
CALLER = "+15035550177"
MESSAGE = "Hi, this is Pat. Our dishwasher is leaking water all over the floor. Please call me back."
QUOTE_WITHIN = 60.0


def fresh_copy(target: Path) -> Path:
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True,
                             timeout=30).stdout.decode().split("\0")
    for name in filter(None, tracked):
        source = REPO / name
        if source.is_file():  # a file deleted in the working tree is not part of the copy
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def newcomer_env(**extra: str) -> dict[str, str]:
    """A shell with none of the test run's VOICEBOT_ settings: only what the README says."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOICEBOT_")}
    return {**env, "VOICEBOT_LOG_LEVEL": "WARNING", **extra}


def run(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*voicebot_command(), *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=60)


@pytest.mark.slow
@pytest.mark.e2e
def test_a_newcomer_leaves_a_voicemail_in_the_tour_and_sees_its_quote_in_the_journal(
        tmp_path: Path) -> None:
    require_tools()
    home = fresh_copy(tmp_path / "voicebot")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen([*voicebot_command(), "serve", "--port", str(port)], cwd=home,
                                  env=newcomer_env(), stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_healthy(url, server, log, limit=60)
        env = newcomer_env(VOICEBOT_HOME=str(home))

        listed = run("flows", "list", cwd=elsewhere, env=env)
        assert listed.returncode == 0, listed.stderr
        assert "omega" in listed.stdout and "+15035550100" in listed.stdout

        caller = pexpect.spawn(voicebot_command()[0], [*voicebot_command()[1:], "call", "omega",
                               "--url", url, "--from", CALLER], cwd=str(elsewhere), env=env,
                               encoding="utf-8", timeout=30)
        try:
            caller.expect_exact("Thank you for calling Omega Tech Service.")
            if caller.expect([r"\[recording\]", r"\[dtmf or speech"]) == 1:  # Omega is open
                caller.sendline("0")
                caller.expect_exact("[queue]")
                caller.sendline("leave")
                caller.expect(r"\[recording\]")
            assert "cannot be transcribed" not in (caller.before or "")
            caller.expect_exact("type your message (it is spoken)")
            caller.sendline(MESSAGE)
            caller.expect_exact("-- call ended --")
            caller.expect_exact("voicebot journal shows the transcript")
            caller.expect(pexpect.EOF)
        finally:
            caller.close(force=True)
        assert caller.exitstatus == 0, caller.before

        deadline = time.monotonic() + QUOTE_WITHIN
        note = ""
        while time.monotonic() < deadline:
            journal = run("journal", "--number", CALLER, cwd=elsewhere, env=env)
            assert journal.returncode == 0, journal.stderr
            note = journal.stdout
            if "A quote was sent by SMS" in note or "needs a person" in note:
                break
            time.sleep(1)
    finally:
        stop(server)
    assert "A quote was sent by SMS: Hi, this is Omega Tech Service. We got your message " \
           "about dishwasher repair." in note, f"no quote within {QUOTE_WITHIN:.0f} s:\n{note}\n" \
                                               f"{log.read_text()}"
    transcript = note.split("The voicemail says: \u201c", 1)[1].split("\u201d", 1)[0]
    assert "dishwasher" in transcript.lower()
