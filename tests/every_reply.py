"""Every reply the templates of actions/replies.py can build from a knowledge file, and
what would make a line of one read as no person would write it. Used on the made-up
careers (tests/test_replies.py) and on the guide's file (tests/content/test_answers.py)."""
import itertools
import re
from typing import Iterator, List, Tuple

from actions.career_fit import ANSWERS
from actions.knowledge import KnowledgeBase
from actions.rendering import plain_line
from actions.replies import (
    Reply,
    clarifying_question,
    decline_reply,
    fact_reply,
    fit_question,
    fit_result,
    fit_situation_reply,
    fit_stopped,
    limits_reply,
    missing_reply,
    source_reply,
)
from actions.school import DEFAULT_SCHOOL_FILE, load_advising_contact

SENTENCE_END = re.compile(r"[.?!]$")
SLIPS = re.compile(r"\s{2}|\s[.,?]|\.\.|\?\.|\bNone\b|[{}]|\b(\w+) \1\b", re.I)


def every_reply(knowledge: KnowledgeBase) -> Iterator[Tuple[str, Reply]]:
    """(what it answers, the reply) for each fact alone, with each limit and again; each
    detail a topic lacks; each pair of facts to choose from; each limit alone; each source;
    the career-fit conversation's."""
    refs = [(topic, fact) for topic in knowledge.topics.values() for fact in topic.facts]
    for topic, fact in refs:
        yield f"fact {fact.id}", fact_reply(knowledge, [(topic, fact)], [fact.id])
        yield f"fact {fact.id} again", fact_reply(knowledge, [(topic, fact)], [fact.id], again=True)
        yield f"source of {fact.id}", source_reply(knowledge, fact)
    for limit in knowledge.limits.values():
        told = [knowledge.fact(fact_id) for fact_id in limit.facts] or refs[:1]
        yield f"limit {limit.id} with facts", fact_reply(knowledge, told, [], [limit])
        yield f"limit {limit.id} alone", limits_reply(knowledge, [limit], [])
    for topic, aspect in itertools.product(knowledge.topics.values(), knowledge.aspects.values()):
        if topic.fact_for(aspect.id) is None:
            yield f"{topic.id} lacks {aspect.id}", missing_reply(knowledge, topic, aspect)
    for first, second in itertools.combinations(refs, 2):
        yield f"{first[1].id} or {second[1].id}", clarifying_question(knowledge, [first, second])
    yield "decline", decline_reply(knowledge, [], "Sorry, I can't help with that.")
    yield from _career_fit_replies(knowledge)


def _career_fit_replies(knowledge: KnowledgeBase) -> Iterator[Tuple[str, Reply]]:
    """Each statement's question (first, on resuming, again, after one left out, after an
    answer given in between) and reply to a situation; the result with every answer the
    same, and mixed; the goodbye of a stopped quiz."""
    fit = knowledge.fit
    if fit is None:
        return
    for statement in fit.statements:
        for note in (None, "intro", "resume", "again", "skipped", "back"):
            yield f"fit question {statement.id} ({note})", fit_question(fit, statement, note)
        yield f"situation {statement.id}", fit_situation_reply(knowledge, statement)
    contact = load_advising_contact(DEFAULT_SCHOOL_FILE)
    for label in ANSWERS:
        yield f"fit result, all {label}", fit_result(knowledge, fit, {s.id: label for s in fit.statements}, contact)
    mixed = {s.id: ANSWERS[number % len(ANSWERS)] for number, s in enumerate(fit.statements)}
    yield "fit result, mixed", fit_result(knowledge, fit, mixed, contact)
    yield "fit stopped", fit_stopped(knowledge, fit, mixed, [])


def broken_lines(reply: Reply) -> List[str]:
    """Lines that do not start with a capital (or a figure), do not end a sentence, or hold
    a slip: a doubled word or space, a space before a stop, a leftover placeholder."""
    texts = [plain_line(line) for line in reply.lines]
    return [
        text for text in texts
        if not (text[:1].isupper() or text[:1] in "$0123456789") or not SENTENCE_END.search(text) or SLIPS.search(text)
    ]
