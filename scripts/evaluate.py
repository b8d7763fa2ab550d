"""`make evaluate`: how well the bot understands people, measured end to end.

Starts the real servers (as `make run` does) and asks over the REST channel, for the
held-out set (tests/heldout/: written before the work it measures, never trained or tuned
on) and beside it the development sets in the same format (tests/dev/former_heldout/, the
held-out set before it, tests/dev/conversations/ and tests/dev/conversations_2026_12_03/):
- every question, each in a fresh conversation: right when the reply meets its labels (the
  expected fact(s) of the knowledge file, an honest partial answer, the advisors' contact,
  the redirect of a personal bill ...); a clarifying question whose buttons include the right
  topic is followed once, as a student would, and counted apart;
- every turn of the dialogues;
- the near-miss lines and CLINC150's `oos_test` and other-domain `test` lines: wrong when
  the reply holds a career fact (a personal bill: right only with the redirect);
- how long the replies that tell one fact are over REST.
Then runs 5-fold cross-validation of the NLU training data (`rasa test nlu`), and writes
everything to results/evaluation.md (per-intent scores, confusion matrix image beside it).

Usage: python scripts/evaluate.py [--model M] [--clinc150 data_full.json] [--no-cross-validation]
                                  [--development-only]
"""
import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import yaml

from actions.knowledge import Fact, KnowledgeBase, Topic, configured_knowledge_file, load_knowledge
from actions.replies import CLARIFYING_OPENER, decline
from actions.school import AdvisingContact, configured_school_file, load_advising_contact
from scripts.import_clinc150 import HANDLED_BY_BOT
from tests.harness.bot_servers import PATCHED_RASA, PROJECT_ROOT, Bot, running_servers

#: The held-out sets first (every name starting with HELD_OUT), then the development sets reported beside them.
HELD_OUT = "held-out"
EVALUATION_SETS = {
    HELD_OUT: PROJECT_ROOT / "tests" / "heldout",
    f"{HELD_OUT}, dialogues 2026-12-03": PROJECT_ROOT / "tests" / "heldout" / "dialogues_2026_12_03",
    "development": PROJECT_ROOT / "tests" / "dev" / "former_heldout",
    "development, conversations": PROJECT_ROOT / "tests" / "dev" / "conversations",
    "development, conversations 2026-12-03": PROJECT_ROOT / "tests" / "dev" / "conversations_2026_12_03",
}
#: The career-fit quiz's typed answers and (but for development 5) stated situations.
CAREER_FIT_SETS = {
    HELD_OUT: PROJECT_ROOT / "tests" / "heldout" / "career_fit",
    "development": PROJECT_ROOT / "tests" / "dev" / "career_fit",
    "development 2": PROJECT_ROOT / "tests" / "dev" / "career_fit_2",
    "development 3": PROJECT_ROOT / "tests" / "dev" / "career_fit_3",
    "development 4": PROJECT_ROOT / "tests" / "dev" / "career_fit_4",
    "development 5": PROJECT_ROOT / "tests" / "dev" / "career_fit_5",
}
RESULTS = PROJECT_ROOT / "results"
TARGETS = {
    "right": 0.95, "dialogue_right": 0.93, "declined": 0.01, "near_miss_answered": 0.03, "clinc_answered": 0.01,
    "fit_read": 0.95,
}
#: A reply telling one fact should fit a phone's screen: at most this many characters over REST.
SHORT_REPLY_CHARACTERS = 350
#: The knowledge file's limit that a person's own bill or claim is redirected with.
PERSONAL_BILL = "personal_bill"
CONCURRENCY = 4


@dataclass
class Reply:
    text: str
    buttons: List[Dict[str, str]]
    links: List[str] = field(default_factory=list)  # addresses REST gives as data (`custom`)

    @property
    def plain(self) -> str:
        return " ".join(self.text.split())

    def facts(self, knowledge: KnowledgeBase) -> List[Tuple[str, Fact]]:
        plain = self.plain
        return [(t.id, f) for t in knowledge.topics.values() for f in t.facts if f.text in plain]

    def declined(self, knowledge: KnowledgeBase) -> bool:
        return decline(knowledge) in self.text


def ask(bot: Bot, sender: str, message: str) -> Reply:
    messages = bot.ask(sender, message)
    return Reply(
        text="\n".join(m.get("text", "") for m in messages),
        buttons=[b for m in messages for b in m.get("buttons", [])],
        links=[link["url"] for m in messages for link in (m.get("custom") or {}).get("links", [])],
    )


def resolve(knowledge: KnowledgeBase, label: str) -> Optional[Fact]:
    """'pay' is the topic's headline fact, 'pay:highest' the fact answering that aspect,
    'pay:older' the older figure of the headline where no fact answers "older". None when
    the label names no fact of the knowledge file (a planned fact, or not a fact label)."""
    topic_id, _, aspect_id = label.partition(":")
    topic = knowledge.topics.get(topic_id)
    if topic is None:
        return None
    if not aspect_id:
        return topic.headline
    fact = topic.fact_for(aspect_id) if aspect_id in knowledge.aspects else None
    if fact is None and aspect_id == "older":
        return knowledge.older_than(topic.headline)
    return fact


@dataclass(frozen=True)
class Judge:
    """Whether a reply meets a label, in the conversation it was given in."""

    knowledge: KnowledgeBase
    advising: AdvisingContact

    def met(self, label: str, reply: Reply, last_fact: Optional[Fact] = None) -> bool:
        told = [fact for _, fact in reply.facts(self.knowledge)]
        kind, _, name = label.partition(":")
        if kind in ("limit", "compare"):
            # An honest partial answer: the knowledge file's sentence on what it lacks.
            limit = self.knowledge.limits.get(name)
            return limit is not None and limit.missing in reply.plain
        if label == PERSONAL_BILL:
            limit = self.knowledge.limits.get(PERSONAL_BILL)
            return limit is not None and limit.missing in reply.plain and not told
        if label == "advisor":
            return self.advising.email in reply.text
        if label == "out_of_scope":
            return reply.declined(self.knowledge) and not told
        if label == "none":
            return not told and not reply.declined(self.knowledge)
        if label == "source":
            return last_fact is not None and self.names_source(reply, last_fact)
        return resolve(self.knowledge, label) in told

    def names_source(self, reply: Reply, fact: Fact) -> bool:
        """The source by its title, or by the short title answers show under the fact, and the year."""
        named = fact.source.title in reply.plain or fact.source.label in reply.plain
        return named and (not fact.year or fact.year in reply.plain)

    def all_met(self, item: dict, reply: Reply, last_fact: Optional[Fact] = None) -> bool:
        """`expect`: every label is met; `accept`: any one of them."""
        if item.get("accept"):
            return any(self.met(label, reply, last_fact) for label in item["accept"])
        return all(self.met(label, reply, last_fact) for label in item.get("expect") or ["none"])


def labels_of(item: dict) -> List[str]:
    return list(item.get("expect") or item.get("accept") or [])


def button_topic(knowledge: KnowledgeBase, button: Dict[str, str]) -> Optional[Topic]:
    """The topic a button asks about: its payload is `/ask_<topic>` with optional entities."""
    return knowledge.topic_for_intent(button.get("payload", "").lstrip("/").split("{")[0])


def offered_topic(knowledge: KnowledgeBase, reply: Reply) -> Optional[str]:
    """The topic the bot offered to tell about next, by its button or its words."""
    topic = button_topic(knowledge, reply.buttons[0]) if len(reply.buttons) == 1 else None
    if topic:
        return topic.id
    match = re.search(r"tell you about (.+?)(?: next)?\?", reply.text)
    if match:
        return next((t.id for t in knowledge.topics.values() if t.title == match.group(1)), None)
    return None


def clarifying_buttons(knowledge: KnowledgeBase, reply: Reply) -> List[Tuple[Topic, Dict[str, str]]]:
    """The topic buttons of a clarifying question ("I want to get this right: ...")."""
    if reply.facts(knowledge) or CLARIFYING_OPENER not in reply.text:
        return []
    return [(topic, button) for button in reply.buttons for topic in [button_topic(knowledge, button)] if topic]


# ---------------------------------------------------------------- single questions
@dataclass
class Outcome:
    text: str
    expect: List[str]
    style: List[str]
    verdict: str  # right, right_after_click, declined, clarified, partial, wrong_detail, wrong_topic, no_fact
    got: List[str] = field(default_factory=list)
    one_fact_characters: Optional[int] = None  # the reply's length, if it told exactly one fact


def judge_question(bot: Bot, judge: Judge, question: dict) -> Outcome:
    knowledge = judge.knowledge
    labels = labels_of(question)
    expected = [fact for fact in map(partial(resolve, knowledge), labels) if fact]
    expected_topics = {label.split(":")[0] for label in labels}
    sender = f"eval-{uuid.uuid4().hex[:10]}"
    reply = ask(bot, sender, question["text"])
    told = reply.facts(knowledge)
    got = [f"{topic}:{fact.aspects[0] if fact.aspects else ''}" for topic, fact in told]
    outcome = Outcome(question["text"], labels, question.get("style", []), "", got)
    if len(told) == 1:
        outcome.one_fact_characters = len(reply.text)
    told_facts = [fact for _, fact in told]
    offered = clarifying_buttons(knowledge, reply)
    if judge.all_met(question, reply):
        outcome.verdict = "right"
    elif reply.declined(knowledge):
        outcome.verdict = "declined"
    elif offered:
        outcome.verdict = "clarified"
        button = next((button for topic, button in offered if topic.id in expected_topics), None)
        if button and judge.all_met(question, ask(bot, sender, button["payload"])):
            outcome.verdict = "right_after_click"
        outcome.got = [f"asked: {', '.join(topic.id for topic, _ in offered)}"]
    elif any(fact in told_facts for fact in expected):
        outcome.verdict = "partial"
    elif not told:
        outcome.verdict = "no_fact"
    elif expected_topics & {topic for topic, _ in told}:
        outcome.verdict = "wrong_detail"
    else:
        outcome.verdict = "wrong_topic"
    return outcome


# ---------------------------------------------------------------- dialogues
@dataclass
class Turn:
    text: str
    expect: List[str]
    right: bool
    reply: str


def judge_dialogue(bot: Bot, judge: Judge, dialogue: dict) -> List[Turn]:
    knowledge = judge.knowledge
    sender = f"eval-dlg-{uuid.uuid4().hex[:10]}"
    previous: Optional[Reply] = None
    told_so_far: List[Fact] = []
    topic_under_discussion: Optional[str] = None
    results = []
    for turn in dialogue["turns"]:
        reply = ask(bot, sender, turn["text"])
        told = reply.facts(knowledge)
        labels = labels_of(turn)
        if labels == ["offered"]:
            offered = offered_topic(knowledge, previous) if previous else None
            right = bool(offered) and knowledge.topics[offered].headline in [f for _, f in told]
        elif labels == ["more"]:
            topic = knowledge.topics.get(topic_under_discussion or "")
            untold = [f for f in topic.facts if f not in told_so_far] if topic else []
            new = [f for _, f in told if f not in told_so_far]
            right = bool(new) and (not untold or any(f in untold for f in new))
        else:
            right = judge.all_met(turn, reply, told_so_far[-1] if told_so_far else None)
        for topic_id, fact in told:
            topic_under_discussion = topic_id
            told_so_far.append(fact)
        results.append(Turn(turn["text"], labels, right, " | ".join(reply.text.splitlines()[:1])))
        previous = reply
    return results


# ---------------------------------------------------------------- sources, advisors, limits
#: Asked before each source follow-up, alternately; the follow-up asks about its answer.
FIGURE_QUESTIONS = ["how much does medical billing and coding pay?", "what is the job outlook for medical coders?"]
SOURCE_AND_ADVISOR_GROUPS = {
    "source_followups": "asked right after a figure: named its source and year",
    "advisor_requests": "asked for a person: given the school's advising contact",
    "local_questions": "asked for local figures: told they are missing and where to look",
    "not_advisor_requests": "career questions that mention counselors: answered, not handed over",
}


def judge_group_line(bot: Bot, judge: Judge, group: str, line: str, number: int) -> bool:
    knowledge = judge.knowledge
    sender = f"eval-grp-{uuid.uuid4().hex[:10]}"
    if group == "source_followups":
        told = ask(bot, sender, FIGURE_QUESTIONS[number % 2]).facts(knowledge)
        if not told:
            return False
        fact, topic_id = told[0][1], told[0][0]
        reply = ask(bot, sender, line)
        other_topics = {t for t, _ in reply.facts(knowledge)} - {topic_id}
        return judge.names_source(reply, fact) and not other_topics
    reply = ask(bot, sender, line)
    if group == "advisor_requests":
        return judge.met("advisor", reply)
    if group == "local_questions":
        url = knowledge.limits["local_figures"].url
        return url in reply.links or url in reply.text
    return bool(reply.facts(knowledge)) and not judge.met("advisor", reply)


# ---------------------------------------------------------------- out of scope
@dataclass
class NearMiss:
    text: str
    kind: str
    answered_with_fact: bool
    right: bool  # declined without a fact; a personal bill redirected


def judge_near_miss(bot: Bot, judge: Judge, line: dict) -> NearMiss:
    reply = ask(bot, f"eval-oos-{uuid.uuid4().hex[:10]}", line["text"])
    with_fact = bool(reply.facts(judge.knowledge))
    right = judge.met(PERSONAL_BILL, reply) if line["kind"] == PERSONAL_BILL else not with_fact
    return NearMiss(line["text"], line["kind"], with_fact, right)


def answered_with_fact(bot: Bot, knowledge: KnowledgeBase, line: str) -> bool:
    return bool(ask(bot, f"eval-oos-{uuid.uuid4().hex[:10]}", line).facts(knowledge))


def clinc150_lines(path: Path) -> Dict[str, List[str]]:
    data = json.loads(path.read_text())
    return {
        "CLINC150 oos_test": [text for text, _ in data["oos_test"]],
        "CLINC150 test, other domains": [t for t, intent in data["test"] if intent not in HANDLED_BY_BOT],
    }


# ---------------------------------------------------------------- cross-validation
def cross_validate(out: Path) -> Tuple[dict, float]:
    started = time.monotonic()
    shutil.rmtree(out, ignore_errors=True)
    subprocess.run(
        [*PATCHED_RASA, "test", "nlu", "--nlu", "data/nlu",
         "--config", "config.yml", "--cross-validation", "--folds", "5", "--out", str(out)],
        cwd=PROJECT_ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )
    return json.loads((out / "intent_report.json").read_text()), time.monotonic() - started


# ---------------------------------------------------------------- one set
@dataclass
class EvaluationSet:
    """The lines of one folder of YAML files (tests/heldout/README.md has the format)."""

    name: str
    folder: Path
    questions: List[dict] = field(default_factory=list)
    dialogues: List[dict] = field(default_factory=list)
    near_misses: List[dict] = field(default_factory=list)  # {"text", "kind"}
    groups: Dict[str, List[str]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def load(cls, name: str, folder: Path) -> "EvaluationSet":
        evaluation_set = cls(name, folder)
        for path in sorted(folder.glob("*.yml")):
            document = yaml.safe_load(path.read_text())
            evaluation_set.questions += document.get("questions", [])
            evaluation_set.dialogues += document.get("dialogues", [])
            evaluation_set.near_misses += [
                line if isinstance(line, dict) else {"text": line, "kind": "other"}
                for line in document.get("out_of_scope", [])
            ]
            for group in SOURCE_AND_ADVISOR_GROUPS:
                evaluation_set.groups[group] += document.get(group, [])
        return evaluation_set


@dataclass
class SetResults:
    name: str
    folder: Path
    outcomes: List[Outcome]
    turns: List[Turn]
    near_misses: List[NearMiss]
    groups: Dict[str, List[Tuple[str, bool]]]


def run_set(bot: Bot, judge: Judge, pool: ThreadPoolExecutor, evaluation_set: EvaluationSet) -> SetResults:
    groups = {
        group: list(zip(
            lines, pool.map(partial(judge_group_line, bot, judge, group), lines, range(len(lines))), strict=True
        ))
        for group, lines in evaluation_set.groups.items() if lines
    }
    return SetResults(
        evaluation_set.name,
        evaluation_set.folder,
        outcomes=list(pool.map(partial(judge_question, bot, judge), evaluation_set.questions)),
        turns=[
            turn for turns in pool.map(partial(judge_dialogue, bot, judge), evaluation_set.dialogues) for turn in turns
        ],
        near_misses=list(pool.map(partial(judge_near_miss, bot, judge), evaluation_set.near_misses)),
        groups=groups,
    )


# ---------------------------------------------------------------- the career-fit quiz
#: How the quiz reports its reading of an answer (REST's `custom.quiz.read_as`), by label.
FIT_READINGS = {"yes": "yes", "sort_of": "sort_of", "no": "no", "unreadable": "again", "question": "question",
                "stop": "stop"}


@dataclass
class FitReading:
    text: str
    statement: str
    label: str
    read_as: Optional[str]

    @property
    def right(self) -> bool:
        return FIT_READINGS[self.label] == self.read_as


@dataclass
class Situation:
    text: str
    statement: str  # "none": no statement of the quiz
    answered_by: Optional[str]

    @property
    def right(self) -> bool:
        return (self.answered_by or "none") == self.statement


def quiz_step(messages: List[dict]) -> Optional[dict]:
    return next((m["custom"]["quiz"] for m in messages if "quiz" in (m.get("custom") or {})), None)


def judge_typed_answer(bot: Bot, knowledge: KnowledgeBase, answer: dict) -> FitReading:
    """Start the quiz, answer Yes up to the statement the answer is for, send it, and read
    back how the bot read it."""
    sender = f"eval-fit-{uuid.uuid4().hex[:10]}"
    bot.ask(sender, "/start_career_fit")
    for statement in knowledge.fit.statements:
        if statement.id == answer["question"]:
            break
        bot.ask(sender, "Yes")
    step = quiz_step(bot.ask(sender, answer["text"]))
    return FitReading(answer["text"], answer["question"], answer["label"], step["read_as"] if step else None)


def judge_situation(bot: Bot, knowledge: KnowledgeBase, situation: dict) -> Situation:
    """Said in a new conversation: which statement's reply it got (its way to learn the quality)."""
    text = ask(bot, f"eval-sit-{uuid.uuid4().hex[:10]}", situation["text"]).plain
    answered_by = next((s.id for s in knowledge.fit.statements if " ".join(s.to_work_on.split()) in text), None)
    return Situation(situation["text"], situation["statement"], answered_by)


@dataclass
class FitResults:
    name: str
    readings: List[FitReading]
    situations: List[Situation]


def run_career_fit(bot: Bot, knowledge: KnowledgeBase, pool: ThreadPoolExecutor, name: str, folder: Path) -> FitResults:
    answers = yaml.safe_load((folder / "typed_answers.yml").read_text())["answers"]
    situations_file = folder / "stated_situations.yml"  # a set may hold typed answers only
    situations = yaml.safe_load(situations_file.read_text())["situations"] if situations_file.exists() else []
    return FitResults(
        name,
        list(pool.map(partial(judge_typed_answer, bot, knowledge), answers)),
        list(pool.map(partial(judge_situation, bot, knowledge), situations)),
    )


def _career_fit_tables(results: List[FitResults]) -> List[str]:
    if not results:
        return []
    labels = list(FIT_READINGS)
    lines = ["", "## The career-fit quiz: typed answers read right, stated situations answered by their statement", "",
             f"| measure | {' | '.join(r.name for r in results)} | target |", f"|---|{'---|' * len(results)}---|"]
    cells = [share(sum(x.right for x in r.readings), len(r.readings)) for r in results]
    lines.append(f"| typed answers read right | {' | '.join(cells)} | at least {TARGETS['fit_read']:.0%} |")
    for label in labels:
        cells = [share(sum(x.right for x in r.readings if x.label == label), sum(x.label == label for x in r.readings))
                 for r in results]
        lines.append(f"| ... {label} | {' | '.join(cells)} | |")
    cells = [share(sum(x.right for x in r.situations), len(r.situations)) for r in results]
    lines.append(f"| stated situations answered by their statement (or by none) | {' | '.join(cells)} | |")
    for result in results:
        lines += ["", f"Misses of the {result.name} career-fit set:", ""]
        lines += [f"- answer to {x.statement}: \"{x.text}\" is {x.label}; read as {x.read_as}"
                  for x in result.readings if not x.right]
        lines += [f"- situation: \"{x.text}\" touches {x.statement}; answered by {x.answered_by or 'none'}"
                  for x in result.situations if not x.right]
    return lines


# ---------------------------------------------------------------- report
def share(part: int, whole: int) -> str:
    return f"{part / whole:.1%} ({part}/{whole})" if whole else "n/a"


def write_report(
    results: List[SetResults], clinc: Dict[str, Tuple[int, int]], cv: Optional[Tuple[dict, float]], seconds: float,
    fit: Sequence[FitResults] = (),
) -> str:
    folders = ", ".join(f"{r.name} `{r.folder.relative_to(PROJECT_ROOT)}/`" for r in results)
    lines = [
        "# Understanding, measured end to end",
        "",
        f"Written by `make evaluate` ({time.strftime('%Y-%m-%d %H:%M')}, {seconds:.0f} s). Sets: {folders}"
        " (never trained on). Every line asked over the REST channel of the real servers.",
        "",
        *_summary_table(results, clinc),
        *_career_fit_tables(list(fit)),
        *_group_table(results),
        *_near_miss_table(results),
        *_outcome_tables(results[0]),
        *(_cross_validation_table(*cv) if cv else []),
        *[line for result in results for line in _misses(result)],
    ]
    return "\n".join(lines) + "\n"


def _summary_table(results: List[SetResults], clinc: Dict[str, Tuple[int, int]]) -> List[str]:
    def row(measure: str, cells: List[str], target: str = "") -> str:
        return f"| {measure} | {' | '.join(cells)} | {target} |"

    def per_set(of_set) -> List[str]:
        return [of_set(result) for result in results]

    def verdicts(result: SetResults, *names: str) -> str:
        counts = Counter(o.verdict for o in result.outcomes)
        return share(sum(counts[name] for name in names), len(result.outcomes))

    def short(result: SetResults) -> str:
        lengths = [o.one_fact_characters for o in result.outcomes if o.one_fact_characters is not None]
        under = sum(length <= SHORT_REPLY_CHARACTERS for length in lengths)
        median = f", median {statistics.median(lengths):.0f}" if lengths else ""
        return f"{share(under, len(lengths))}{median}"

    def near_misses(result: SetResults, kinds: Optional[set] = None, answered: bool = True) -> str:
        lines = [m for m in result.near_misses if kinds is None or m.kind in kinds]
        return share(sum(m.answered_with_fact if answered else m.right for m in lines), len(lines))

    lines = [
        f"| measure | {' | '.join(r.name for r in results)} | target |",
        f"|---|{'---|' * len(results)}---|",
        row("questions answered right, first reply", per_set(lambda r: verdicts(r, "right")),
            f"at least {TARGETS['right']:.0%}"),
        row("... or after one click on a clarifying question's button",
            per_set(lambda r: verdicts(r, "right", "right_after_click"))),
        row("in-scope questions declined as out of scope", per_set(lambda r: verdicts(r, "declined")),
            f"under {TARGETS['declined']:.0%}"),
        row("dialogue turns answered right", per_set(lambda r: share(sum(t.right for t in r.turns), len(r.turns))),
            f"at least {TARGETS['dialogue_right']:.0%}"),
        row("near-miss lines answered with a career fact", per_set(near_misses),
            f"under {TARGETS['near_miss_answered']:.0%}"),
        row("personal bills redirected to the billing office or insurer",
            per_set(lambda r: near_misses(r, {PERSONAL_BILL}, answered=False))),
        row(f"replies telling one fact within {SHORT_REPLY_CHARACTERS} characters (REST)", per_set(short), "all"),
    ]
    for name, (answered, total) in clinc.items():
        cells = [share(answered, total)] + [""] * (len(results) - 1)
        lines.append(row(f"{name}: answered with a career fact", cells, f"under {TARGETS['clinc_answered']:.0%}"))
    return lines


def _group_table(results: List[SetResults]) -> List[str]:
    lines = []
    for result in results:
        if result.groups:
            lines += ["", f"## Sources, advisors and what the knowledge file lacks ({result.name})", "",
                      "| measure | right |", "|---|---|"]
        for group, group_results in result.groups.items():
            right = sum(right for _, right in group_results)
            lines.append(f"| {SOURCE_AND_ADVISOR_GROUPS[group]} | {share(right, len(group_results))} |")
    return lines


def _near_miss_table(results: List[SetResults]) -> List[str]:
    kinds = sorted({m.kind for result in results for m in result.near_misses})
    lines = ["", "## Near misses by kind (right: declined without a fact; a personal bill redirected)", "",
             f"| kind | {' | '.join(r.name for r in results)} |", f"|---|{'---|' * len(results)}"]
    for kind in kinds:
        cells = [share(sum(m.right for m in r.near_misses if m.kind == kind),
                       sum(m.kind == kind for m in r.near_misses)) for r in results]
        lines.append(f"| {kind} | {' | '.join(cells)} |")
    return lines


def _outcome_tables(result: SetResults) -> List[str]:
    """Questions by outcome (all, and the long or indirect ones), and by style."""
    outcomes = result.outcomes
    long_ones = [
        o for o in outcomes if len(o.text.split()) >= 12 or {"preamble", "two_part", "indirect"} & set(o.style)
    ]
    verdicts, long_verdicts = Counter(o.verdict for o in outcomes), Counter(o.verdict for o in long_ones)
    lines = ["", f"## Questions by outcome ({result.name})", "",
             "| outcome | all | long, indirect, preamble or two-part |", "|---|---|---|"]
    verdict_names = [
        "right", "right_after_click", "clarified", "declined", "partial", "wrong_detail", "wrong_topic", "no_fact"
    ]
    for verdict in verdict_names:
        of_all, of_long = share(verdicts[verdict], len(outcomes)), share(long_verdicts[verdict], len(long_ones))
        lines.append(f"| {verdict} | {of_all} | {of_long} |")
    lines += ["", f"## Questions by style, right at first reply ({result.name})", "", "| style | right |", "|---|---|"]
    by_style = defaultdict(list)
    for o in outcomes:
        for style in o.style:
            by_style[style].append(o.verdict == "right")
    lines += [f"| {style} | {share(sum(hits), len(hits))} |" for style, hits in sorted(by_style.items())]
    return lines


def _cross_validation_table(report: dict, cv_seconds: float) -> List[str]:
    lines = [
        "", f"## 5-fold cross-validation of the NLU training data ({cv_seconds:.0f} s)", "",
        f"Accuracy {report['accuracy']:.3f}, macro F1 {report['macro avg']['f1-score']:.3f}."
        " Confusion matrix: `results/cross_validation/intent_confusion_matrix.png`.", "",
        "| intent | precision | recall | F1 | examples |", "|---|---|---|---|---|",
    ]
    aggregates = {"macro avg", "weighted avg", "micro avg"}
    for intent, scores in sorted(report.items()):
        if isinstance(scores, dict) and "support" in scores and intent not in aggregates:
            lines.append(
                f"| {intent} | {scores['precision']:.3f} | {scores['recall']:.3f} | {scores['f1-score']:.3f}"
                f" | {scores['support']} |"
            )
    return lines


def _misses(result: SetResults) -> List[str]:
    lines = ["", f"## Misses of the {result.name} set", "", "Questions not right at first reply:", ""]
    lines += [
        f"- {o.verdict}: \"{o.text}\" expected {', '.join(o.expect)}; got {', '.join(o.got) or 'no fact'}"
        for o in result.outcomes if o.verdict != "right"
    ]
    lines += ["", "Dialogue turns answered wrong:", ""]
    lines += [
        f"- \"{turn.text}\" expected {turn.expect or '[]'}; replied \"{turn.reply[:100]}\""
        for turn in result.turns if not turn.right
    ]
    lines += ["", "Near misses answered wrong:", ""]
    lines += [f"- {m.kind}: \"{m.text}\"" for m in result.near_misses if not m.right]
    if result.groups:
        lines += ["", "Source, advisor and local lines answered wrong:", ""]
        lines += [
            f"- {group}: \"{text}\"" for group, lines_ in result.groups.items() for text, right in lines_ if not right
        ]
    return lines


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(PROJECT_ROOT / "models" / "career-assistant.tar.gz"))
    parser.add_argument(
        "--clinc150", default=str(PROJECT_ROOT.parent / "shared" / "datasets" / "clinc150" / "data_full.json")
    )
    parser.add_argument("--no-cross-validation", action="store_true", help="skip the 5 extra trainings")
    parser.add_argument(
        "--development-only", action="store_true",
        help="skip the held-out sets, while working on what they measure (each is scored once, at the end)",
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    judge = Judge(load_knowledge(configured_knowledge_file()), load_advising_contact(configured_school_file()))
    evaluation_sets = [
        EvaluationSet.load(name, folder) for name, folder in EVALUATION_SETS.items()
        if not (args.development_only and name.startswith(HELD_OUT))
    ]
    clinc_sets = clinc150_lines(Path(args.clinc150)) if Path(args.clinc150).exists() else {}
    if not clinc_sets:
        print(f"CLINC150 not found at {args.clinc150}: its lines are skipped", file=sys.stderr)
    RESULTS.mkdir(exist_ok=True)
    with (
        tempfile.TemporaryDirectory() as workdir,
        running_servers(Path(args.model), Path(workdir), with_web_page=False) as servers,
        ThreadPoolExecutor(CONCURRENCY) as pool,
    ):
        results = [run_set(servers.bot, judge, pool, evaluation_set) for evaluation_set in evaluation_sets]
        clinc = {
            name: (sum(pool.map(partial(answered_with_fact, servers.bot, judge.knowledge), lines)), len(lines))
            for name, lines in clinc_sets.items()
        }
        fit = [
            run_career_fit(servers.bot, judge.knowledge, pool, name, folder)
            for name, folder in CAREER_FIT_SETS.items()
            if judge.knowledge.fit and not (args.development_only and name == HELD_OUT)
        ]
    cv = None if args.no_cross_validation else cross_validate(RESULTS / "cross_validation")
    report = write_report(results, clinc, cv, time.monotonic() - started, fit)
    (RESULTS / "evaluation.md").write_text(report)
    # The tables only: the misses (of the held-out sets too) are read in the file, when the work is done.
    print(re.split(r"^Misses of |^## Misses", report, flags=re.M)[0])
    print(f"Full report with every miss: {RESULTS / 'evaluation.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
