"""What a caller said is heard the same in every process: Python salts string hashes per
process, so anything the understanding layer takes from a set's order would change with the
worker that happens to take the call."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = """
from pathlib import Path
from voicebot.compiler.loader import load_flow
from voicebot.engine import answers
flow = load_flow(Path("flows/car_service.yaml"))
step = flow.states["purpose"]
for said in ["машина стала плохо тормозить", "после замены колодок скрипит ещё сильнее",
             "стекло водительской двери еле ползёт"]:
    v = answers.menu(flow, step).hear(said)
    print([(s.key, round(s.score, 6)) for s in v.ranking])
"""


def test_a_sentence_is_heard_alike_whatever_the_hash_seed() -> None:
    heard = {subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                            check=True, env={**os.environ, "PYTHONHASHSEED": seed},
                            cwd=Path(__file__).resolve().parents[2]).stdout
             for seed in ("1", "2", "3", "4")}
    assert len(heard) == 1, heard
