"""What the understanding layer costs a turn: the old matcher and the new one, same run.

    .venv/bin/python -m bench.understanding [--rounds 20]

Both hear the same answers: every `at:` utterance of flows/eval/*.yaml, at the ask it
answers, with the flow's `anywhere` choices. The old matcher is the one voicebot had before
issue 11 (the first choice, in file order, whose word stems all appear in order), kept here
as the baseline; the new one is `voicebot.engine.answers.hear` (lemmas, negation scope,
rapidfuzz, every choice scored). Prints one JSON line: p50/p99 over the answers of each
one's CPU microseconds (best of the rounds), their ratio, and the new matcher's first
hearing of each answer (words not yet cached), which is what a caller's unusual word costs.
The issue's budget: +2 ms p99 per turn.

No database, no server: the matchers alone, so the figure is the layer's and nothing else's.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from bench.common import REPO, machine, say
from voicebot.compiler.loader import load_flows
from voicebot.engine import answers
from voicebot.engine.steps.ask import Ask
from voicebot.flows import words
from voicebot.flows.model import Choice, Flow
from voicebot.flows.yamlsource import parse_yaml
from voicebot.language import lemmas


def old_match(choices: tuple[Choice, ...], speech: str, language: str) -> str | None:
    """voicebot's matcher before issue 11: first choice, in file order, whose stems appear."""
    said = words.stems(speech, language)
    for choice in choices:
        if any(words.phrase_in(p.stems, said) for p in choice.words):
            return choice.goto
    return None


def answers_to_hear(flows: dict[str, Flow]) -> list[tuple[Flow, Ask, str]]:
    found = []
    for path in sorted((REPO / "flows" / "eval").glob("*.yaml")):
        flow = flows.get(path.stem)
        if flow is None:
            continue
        root = parse_yaml(path.read_text(encoding="utf-8"), str(path))
        for case in root.get("cases") or []:
            step = flow.states.get(str(case.get("at")))
            if isinstance(step, Ask) and isinstance(case.get("say"), str):
                found.append((flow, step, case["say"]))
    return found


def timed(run: Callable[[], object]) -> float:
    """CPU time of `run` on this thread, in microseconds: on a shared, loaded machine wall
    time measures the scheduler; this measures the matcher."""
    start = time.thread_time_ns()
    run()
    return (time.thread_time_ns() - start) / 1000.0


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {"p50_us": round(statistics.median(ordered), 1),
            "p99_us": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 1)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args(argv)
    flows, _problems = load_flows(Path(REPO / "flows"))
    cases = answers_to_hear(flows)
    say(f"{len(cases)} answers from flows/eval, {args.rounds} rounds")

    # First hearing: every word of every answer new to the process (lemma caches emptied).
    lemmas.lexeme.cache_clear()
    for _flow, step, _speech in cases:
        if step.menu is not None:
            step.menu._seen.clear()
    first = [timed(partial(answers.hear, flow, step, "", speech)) for flow, step, speech in cases]

    # Each answer's cost is its best of the rounds; the percentiles are across answers.
    old = [10.0**9] * len(cases)
    new = [10.0**9] * len(cases)
    for _ in range(args.rounds):
        for n, (flow, step, speech) in enumerate(cases):
            offered = answers.offered(flow, step)
            old[n] = min(old[n], timed(partial(old_match, offered, speech, flow.stem_language)))
            new[n] = min(new[n], timed(partial(answers.hear, flow, step, "", speech)))
    old_p, new_p, first_p = percentiles(old), percentiles(new), percentiles(first)
    print(json.dumps({
        "benchmark": "understanding",
        "answers": len(cases),
        "rounds": args.rounds,
        "old_matcher": old_p,
        "new_layer": new_p,
        "new_layer_first_hearing": first_p,
        "added_p99_us": round(new_p["p99_us"] - old_p["p99_us"], 1),
        "added_p99_first_hearing_us": round(first_p["p99_us"] - old_p["p99_us"], 1),
        "ratio_p99": round(new_p["p99_us"] / old_p["p99_us"], 2) if old_p["p99_us"] else None,
        "budget_us": 2000,
        "machine": machine(),
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()
