"""Write the advisors' report on the last N days of conversations.

`make report DAYS=N` (N defaults to RETENTION_DAYS, 30): reads the conversation store
(CONVERSATIONS_DB_URL, SQLite or PostgreSQL, as `make purge`) and writes, under --results
(default results/): report.html, one self-contained page; report/<table>.csv, the same
tables; suggested_questions.yml, the unanswered questions under the fact each most likely
asks for, for an advisor to review. No sender id is shown; the text of answered messages
never is, the text of unanswered ones unless REPORT_SHOW_TEXT=0. Nothing leaves the machine.
"""
import argparse
import os
import time
from datetime import datetime
from pathlib import Path
from typing import List

import sqlalchemy as sa
import yaml

from actions.knowledge import KnowledgeBase, configured_knowledge_file, load_knowledge
from actions.replies import decline
from actions.understanding import FactIndex, shared_encoder
from channels.checks import MAX_MESSAGE_CHARS
from report import page, tables
from report.conversations import Turn, classify, refused_turns
from report.store import EVENTS, conversations_since
from report.unanswered import Group, grouped, groups_table, suggested_questions, unanswered
from stores.purge import period_and_store
from stores.refusals import refusals_since

SUGGESTIONS_HEADER = """\
# Questions students asked that the bot could not answer, grouped under the fact of
# {knowledge} that each most likely asks for (by meaning; it may be wrong).
# Nothing here is used until an advisor copies it: paste the questions that do ask for
# that fact into its `questions:` list in the knowledge file, then `make train`.
# Written by `make report`; the next run overwrites it.
"""
TOO_LONG_NOTE = (
    f"Messages over {MAX_MESSAGE_CHARS:,} characters are refused by the channel before Rasa sees them: they are "
    "counted here (when, not what nor who), and not in the conversations."
)


def show_text() -> bool:
    return os.environ.get("REPORT_SHOW_TEXT", "1") != "0"


def read_turns(engine: sa.engine.Engine, since: float, knowledge: KnowledgeBase) -> List[List[Turn]]:
    """Every conversation of the period, as its classified turns (none without a message)."""
    sentence = decline(knowledge)
    conversations = (classify(events, sentence) for events in conversations_since(engine, since))
    return [turns for turns in conversations if turns]


def unanswered_groups(turns: List[Turn], knowledge: KnowledgeBase) -> List[Group]:
    """Groups of not-answered questions, with the fact index the action server uses (its
    embeddings cached under models/ by `make train`); the encoder loads only when there are messages."""
    if not turns:
        return []
    encoder = shared_encoder()
    texts = unanswered(turns, encoder)
    return grouped(texts, FactIndex.cached(knowledge, encoder)) if texts else []


def build_page(
    conversations: List[List[Turn]], refused: List[Turn], groups: List[Group], knowledge: KnowledgeBase, days: float
) -> tuple:
    """The page's HTML, and every table on it. `refused`: the messages the channels refused,
    counted in how messages were handled only."""
    turns = [turn for conversation in conversations for turn in conversation]
    shown = show_text()
    t = {
        "per_day": tables.per_day(conversations), "per_hour": tables.per_hour(turns),
        "topics": tables.topics(turns, knowledge), "details": tables.details(turns, knowledge),
        "handling": tables.handling(turns + refused), "handling_per_day": tables.handling_per_day(turns + refused),
        "clarifications": tables.clarifications(turns), "unanswered": groups_table(groups, shown),
        "lengths": tables.lengths(conversations), "returning": tables.returning(conversations),
    }
    summary = (
        f"The last {days:g} days, up to {datetime.now():%Y-%m-%d %H:%M} (this machine's local time): "
        f"{len(conversations)} conversations, {len(turns)} messages. No sender ids are shown, nor the text of "
        "any answered message." + ("" if shown else " The text of unanswered messages is hidden (REPORT_SHOW_TEXT=0).")
    )
    sections = [
        page.section("When students ask", page.chart(t["per_day"], "line"), page.table_html(t["per_day"]),
                     page.chart(t["per_hour"]), page.table_html(t["per_hour"])),
        page.section("What students ask",
                     page.subsection("Topics", page.chart(t["topics"], "barh"), page.table_html(t["topics"])),
                     page.subsection("Facts", page.chart(t["details"], "barh"), page.table_html(t["details"]))),
        page.section("How messages were handled", page.paragraph(TOO_LONG_NOTE),
                     page.chart(t["handling"], "barh"), page.table_html(t["handling"]),
                     page.chart(t["handling_per_day"], "stacked"), page.table_html(t["handling_per_day"]),
                     page.table_html(t["clarifications"])),
        page.section("Questions the bot could not answer", page.paragraph(
            "Messages the bot clarified, declined or asked to rephrase, and those the student followed with a request "
            "for a person or the same question in other words, grouped by meaning. suggested_questions.yml lists "
            "them under their closest fact, for review."), page.table_html(t["unanswered"])),
        page.section("Conversations", page.chart(t["lengths"]), page.table_html(t["lengths"]),
                     page.table_html(t["returning"])),
    ]
    return page.page("What students ask", summary, sections), list(t.values())


def write_suggestions(groups: List[Group], path: Path, knowledge_file: Path) -> None:
    """The suggested questions; with texts hidden, none (an older file is removed)."""
    if not show_text():
        path.unlink(missing_ok=True)
        return
    header = SUGGESTIONS_HEADER.format(knowledge=knowledge_file)
    body = yaml.safe_dump(suggested_questions(groups), sort_keys=False, allow_unicode=True, width=1000)
    path.write_text(header + (body if groups else "[]\n"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=Path("results"))
    args, _, engine = period_and_store(parser)
    knowledge_file = configured_knowledge_file()
    knowledge = load_knowledge(knowledge_file)
    since = time.time() - args.days * 86400
    has_events = sa.inspect(engine).has_table(EVENTS.name)
    conversations = read_turns(engine, since, knowledge) if has_events else []
    groups = unanswered_groups([turn for turns in conversations for turn in turns], knowledge)
    refused = refused_turns(refusals_since(engine, since))
    html, all_tables = build_page(conversations, refused, groups, knowledge, args.days)
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / "report.html").write_text(html)
    page.write_csv_files(all_tables, args.results / "report")
    write_suggestions(groups, args.results / "suggested_questions.yml", knowledge_file)
    print(f"Wrote {args.results / 'report.html'}, its tables under {args.results / 'report'}/ "
          f"and {args.results / 'suggested_questions.yml'}: {len(conversations)} conversations of the last "
          f"{args.days:g} days")


if __name__ == "__main__":
    main()
