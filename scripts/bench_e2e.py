"""End-to-end benchmark: the real ``python -m bot`` process long-polling the Bot API emulator.

Simulated people type like people: each sends a message, waits for the answer, reads it and types
the next one (ratings, title look-ups, button presses on the look-up card, /recommend); all of them
at once. The emulator runs in this process on loopback, so the measured latency is the bot's plus one
local HTTP hop each way — and this process's CPU share, which on a 2-core machine is not negligible.

Telegram allows a bot about 30 messages per second overall, and python-telegram-bot's AIORateLimiter
(which the bot uses) keeps to it. So the load is measured twice: *paced* (people take a few seconds
to read and type, ``think_s``: the latency people feel, which the target is about) and *saturated*
(no pause at all: the bot's capacity in messages per second; latency there is the queue in front of
Telegram's limit — by Little's law, users ÷ throughput — not computation).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bot.matching import TitleMatcher
from bot.understanding import MessageUnderstanding, Rated, TitleOnly
from db import access
from db.engine import make_engine, make_session_factory
from movierec.data import schema
from scripts.bench_stats import peak_rss_mb, summarise, target
from tests.emulator import BotApiEmulator, TgUser

REPO = Path(__file__).resolve().parents[1]
REPLY_TIMEOUT_S = 90.0
RECOMMEND_PICKS = 3  # /recommend 3 answers header + 3 cards + "Want more?"
FIRST_USER_ID = 500_000


@dataclass
class Tally:
    first_reply_s: list[float] = field(default_factory=list)
    full_reply_s: list[float] = field(default_factory=list)
    acknowledged: dict[int, dict[int, float]] = field(default_factory=dict)
    missing: int = 0
    messages: int = 0


def usable_titles(movies: pd.DataFrame, limit: int = 400) -> list[tuple[int, str]]:
    """(movie_id, name) of popular movies whose bare name the bot reads as exactly that movie."""
    matcher = TitleMatcher(movies)
    understanding = MessageUnderstanding(matcher)
    chosen = []
    for row in movies.sort_values(schema.RATING_COUNT, ascending=False).head(limit).itertuples(index=False):
        name, movie_id = str(getattr(row, schema.NAME)), int(getattr(row, schema.MOVIE_ID))
        rated, looked_up = understanding.understand(f"{name} 4"), understanding.understand(name)
        if (len(rated) == 1 and isinstance(rated[0], Rated) and rated[0].movie_id == movie_id
                and len(looked_up) == 1 and isinstance(looked_up[0], TitleOnly)):
            chosen.append((movie_id, name))
    return chosen


def user_script(titles: list[tuple[int, str]], messages: int, rng: np.random.Generator) -> list[tuple[str, Any]]:
    """A person's session. Every ten messages: five ratings, two look-ups each followed by a star press
    on the card, one /recommend, in a random order per person (so people do not ask for picks in step)."""
    picks = [titles[i] for i in rng.choice(len(titles), min(messages, len(titles)), replace=False)]
    steps: list[tuple[str, Any]] = []
    while len(steps) < messages:
        blocks = ["rate"] * 5 + ["lookup"] * 2 + ["recommend"]
        rng.shuffle(blocks)
        for block in blocks:
            if len(steps) >= messages:
                break
            if block == "lookup":
                movie = picks.pop()
                steps += [("lookup", movie), ("press", (movie[0], int(rng.integers(1, 6))))]
            elif block == "recommend":
                steps.append(("recommend", RECOMMEND_PICKS))
            else:
                movie_id, name = picks.pop()
                steps.append(("rate", (movie_id, name, int(rng.integers(1, 6)))))
    return steps[:messages]


async def _simulate(emulator: BotApiEmulator, user: TgUser, steps: list[tuple[str, Any]], tally: Tally,
                    think_s: float, rng: np.random.Generator) -> None:
    card = None
    acknowledged = tally.acknowledged.setdefault(user.id, {})
    await asyncio.sleep(rng.uniform(0.0, think_s))  # people do not all start in the same instant
    for kind, arg in steps:
        await asyncio.sleep(rng.uniform(0.5, 1.5) * think_s)  # reading the last answer, typing this one
        started = time.perf_counter()
        try:
            if kind == "press":
                if card is None:
                    continue
                movie_id, stars = arg
                query = await emulator.press_button(user, card, card.button(f"{stars}★"))
                answer = await emulator.wait_for_callback_answer(query, REPLY_TIMEOUT_S)
                first = time.perf_counter()
                await emulator.wait_for_replies(user.id, 1, REPLY_TIMEOUT_S)  # the card edited into "✓ …"
                if answer and answer.startswith("Saved"):
                    acknowledged[movie_id] = float(stars)
            else:
                text = {"rate": lambda: f"{arg[1]} {arg[2]}", "lookup": lambda: arg[1],
                        "recommend": lambda: f"/recommend {arg}"}[kind]()
                await emulator.send_text(user, text)
                reply, = await emulator.wait_for_replies(user.id, 1, REPLY_TIMEOUT_S)
                first = time.perf_counter()
                if kind == "recommend":
                    await emulator.wait_for_replies(user.id, arg + 1, REPLY_TIMEOUT_S)
                elif kind == "lookup":
                    card = reply
                elif reply.text.startswith("✓"):
                    acknowledged[arg[0]] = float(arg[2])
        except TimeoutError:
            tally.missing += 1
            continue
        finally:
            tally.messages += 1
        tally.first_reply_s.append(first - started)
        tally.full_reply_s.append(time.perf_counter() - started)
        extra = emulator.pending(user.id)  # a milestone hint or similar: not part of the next answer
        if extra:
            await emulator.wait_for_replies(user.id, len(extra), 1.0)


async def _load(emulator: BotApiEmulator, people: list[TgUser], scripts: list[list[tuple[str, Any]]],
                think_s: float = 0.0, seed: int = 0) -> tuple[Tally, float]:
    """Every person runs their script at once; returns the tally and the wall seconds."""
    tally = Tally()
    rngs = [np.random.default_rng([seed, p.id]) for p in people]
    started = time.perf_counter()
    await asyncio.gather(*(_simulate(emulator, p, s, tally, think_s, r)
                           for p, s, r in zip(people, scripts, rngs, strict=False)))
    return tally, time.perf_counter() - started


def _figures(emulator: BotApiEmulator, people: list[TgUser], tally: Tally, wall: float) -> dict[str, Any]:
    return {"users": len(people), "wall_s": round(wall, 2), "messages_sent": tally.messages,
            "messages_per_s": round(tally.messages / wall, 1),
            "outputs_per_s": round(sum(len(emulator.outputs(p.id)) for p in people) / wall, 1),
            "first_reply": summarise(tally.first_reply_s), "full_reply": summarise(tally.full_reply_s)}


def _stored_ratings(database_url: str, user_ids: list[int]) -> dict[int, dict[int, float]]:
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine).begin() as session:
            return {u: access.get_ratings(session, u) for u in user_ids}
    finally:
        engine.dispose()


async def run_e2e(movies: pd.DataFrame, artifacts_dir: Path, data_dir: Path, workdir: Path, *,
                  users: int, messages: int, think_s: float, light_users: int = 0, saturated_messages: int = 0,
                  seed: int = 0) -> dict[str, Any]:
    """Start the bot process, time start-up to the first reply, then run the loads: a few users alone
    (``light_users``), everyone paced by ``think_s``, and everyone at once without pauses
    (``saturated_messages`` each; 0 skips it)."""
    titles = usable_titles(movies)
    rng = np.random.default_rng(seed)
    scripts = [user_script(titles, messages, rng) for _ in range(users)]
    database_url = f"sqlite:///{workdir / 'bench.sqlite3'}"
    emulator = BotApiEmulator()
    await emulator.start()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_"))}
    env.update(DATABASE_URL=database_url, MOVIEREC_DATA_DIR=str(data_dir), MOVIEREC_ARTIFACTS_DIR=str(artifacts_dir),
               TELEGRAM_BOT_TOKEN=emulator.token, TELEGRAM_API_URL=emulator.url, LOG_LEVEL="WARNING",
               PYTHONPATH=str(REPO))
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", cwd=workdir, env=env,
                                                   stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    result: dict[str, Any] = {"users": users, "messages_per_user": messages, "think_s": think_s,
                              "usable_titles": len(titles)}
    tallies: list[Tally] = []
    everyone: list[TgUser] = []
    try:
        probe = TgUser(id=FIRST_USER_ID - 1, first_name="Probe")
        await emulator.send_text(probe, "/start")
        await emulator.wait_for_replies(probe.id, 1, timeout=300)
        result["startup_s"] = round(time.perf_counter() - started, 2)
        result["startup_target"] = target(result["startup_s"], 15.0, "s")
        if light_users:  # a few people alone first: the latency of the work itself, without queueing
            light = [TgUser(id=FIRST_USER_ID - 100 - i, first_name=f"Light{i}") for i in range(light_users)]
            light_tally, _ = await _load(emulator, light, scripts)
            result["light_load"] = {"users": light_users, "first_reply": summarise(light_tally.first_reply_s),
                                    "full_reply": summarise(light_tally.full_reply_s)}
        people = [TgUser(id=FIRST_USER_ID + i, first_name=f"User{i}") for i in range(users)]
        tally, wall = await _load(emulator, people, scripts, think_s, seed)
        result.update(_figures(emulator, people, tally, wall))
        tallies.append(tally)
        everyone += people
        if saturated_messages:
            rushed = [TgUser(id=FIRST_USER_ID + users + i, first_name=f"Rushed{i}") for i in range(users)]
            rushed_tally, rushed_wall = await _load(emulator, rushed, [s[:saturated_messages] for s in scripts])
            result["saturated"] = {"messages_per_user": saturated_messages,
                                   **_figures(emulator, rushed, rushed_tally, rushed_wall)}
            tallies.append(rushed_tally)
            everyone += rushed
        result["bot_peak_rss_mb"] = peak_rss_mb(process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        await emulator.wake_pollers()
        _, stderr = await asyncio.wait_for(process.communicate(), 120)
        await emulator.stop()
    stored = _stored_ratings(database_url, [p.id for p in everyone])
    acknowledged = {u: a for t in tallies for u, a in t.acknowledged.items()}
    lost = sum(1 for u, acked in acknowledged.items() for m, s in acked.items() if stored[u].get(m) != s)
    missing = sum(t.missing for t in tallies)
    result.update(
        replies_missing=missing, ratings_acknowledged=sum(len(a) for a in acknowledged.values()), ratings_lost=lost,
        exit_code=process.returncode, stderr_tail=stderr.decode(errors="replace")[-1500:],
        targets={"p95_ms": target(result["first_reply"].get("p95_ms"), 250.0, "ms"),
                 "lost": target(float(lost + missing), 0.0, "count")})
    if "bot_peak_rss_mb" in result:
        result["targets"]["bot_rss_mb"] = target(result["bot_peak_rss_mb"], 1536.0, "MB")
    return result
