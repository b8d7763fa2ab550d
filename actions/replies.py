"""Compose the bot's replies from knowledge entries, before they meet a channel.

A `Reply` is the answer's lines (a line may end in a link), the sources it cites
and at most three next steps; actions/rendering.py turns it into markdown for the
widget and plain text for `rasa shell` and REST.
"""
from dataclasses import dataclass
from typing import Collection, Dict, List, Optional, Sequence, Tuple

from actions.answering import DEFAULT_TUNING, FactRef
from actions.career_fit import ANSWERS, BUTTON_TITLES, NO, SORT_OF, YES, grouped, position
from actions.knowledge import Aspect, CareerFit, Fact, FitStatement, KnowledgeBase, Limit, Source, Topic
from actions.school import AdvisingContact

MOST_NEXT_STEPS = DEFAULT_TUNING.most_next_steps
CLARIFYING_OPENER = "I want to get this right: is your question about "
ADVISOR_INTRO = "You can talk to a person at "
#: Added to the reply after too many misunderstood messages in a row.
ADVISOR_OFFER = "Would you rather ask a person?"


@dataclass(frozen=True)
class Link:
    title: str
    url: str


@dataclass(frozen=True)
class Line:
    """Words, optionally followed by a link and more words ("Source: <link>, May 2020.")."""

    text: str
    link: Optional[Link] = None
    tail: str = ""


@dataclass(frozen=True)
class Button:
    title: str
    payload: str = ""
    url: Optional[str] = None  # a link button (the widget opens it) instead of a message


@dataclass(frozen=True)
class Citation:
    """A fact's source, structured for front ends (REST's `custom` payload)."""

    title: str
    url: Optional[str]
    year: Optional[str]


@dataclass(frozen=True)
class QuizStep:
    """Where the career-fit conversation stands, for front ends (REST's `custom` payload):
    the statement asked now (None at the end), its number, how many there are, and how the
    answer to the previous one was read."""

    statement: Optional[str]
    number: int
    of: int
    read_as: Optional[str] = None


@dataclass(frozen=True)
class Reply:
    lines: Tuple[Line, ...]
    next_steps: Tuple[Button, ...] = ()
    citations: Tuple[Citation, ...] = ()
    quiz: Optional[QuizStep] = None


def join_words(items: Sequence[str]) -> str:
    """'a', 'a or b', 'a, b or c'."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} or {items[-1]}"


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def source_line(source: Source, year: Optional[str], label: str = "Source: ", title: Optional[str] = None) -> Line:
    """"Source: <title>, <year>." under an answer, with the source's short title unless
    `title` is given."""
    title = title or source.label
    tail = f", {year}." if year else "."
    if source.url:
        return Line(label, Link(title, source.url), tail)
    return Line(f"{label}{title}{tail}")


def with_sources(fact: Fact, label: str = "") -> List[Line]:
    """The fact's text (after a label such as "Older figure: ") and a line per source."""
    return [Line(f"{label}{fact.text}")] + [source_line(source, fact.year) for source in fact.sources]


def citations(facts: Sequence[Fact]) -> Tuple[Citation, ...]:
    """Every source shown with these facts, for REST's data."""
    return tuple(Citation(s.title, s.url, f.year) for f in facts for s in f.sources)


def untold_details(topic: Topic, facts_told: Collection[str]) -> List[Fact]:
    """Facts of a topic with a detail (aspect) the student has not heard yet."""
    return [fact for fact in topic.facts if fact.aspects and fact.id not in facts_told]


def ask_payload(topic: Topic, aspect: Optional[str] = None) -> str:
    """A button's message: the topic's intent, with the aspect that picks one of its facts."""
    return f'/{topic.intent}{{"aspect": "{aspect}"}}' if aspect else f"/{topic.intent}"


def detail_button(knowledge: KnowledgeBase, topic: Topic, fact: Fact) -> Button:
    """Asks for exactly this fact: the payload names the topic's intent and the fact's aspect."""
    aspect = fact.aspects[0]
    return Button(capitalised(knowledge.aspects[aspect].label), ask_payload(topic, aspect))


def topic_button(topic: Topic) -> Button:
    return Button(topic.button, ask_payload(topic))


def fact_reply(
    knowledge: KnowledgeBase, told: Sequence[FactRef], facts_told: Collection[str], limits: Sequence[Limit] = (),
    again: bool = False,
) -> Reply:
    """Each fact (two when the message asked two things) with its source, what the file
    lacks of what was asked, then the offer of the next topic (not after what the file
    lacks: that reply is long enough, and its buttons offer the next topic) and at most
    three next steps: two untold details of this topic (an older figure among them) and
    the next topic. `facts_told` already includes these facts. Told `again` (the fact just told,
    when its topic has nothing else): "As I said: ...", with its source ("how old is that
    figure?" lands here)."""
    topic = told[-1][0]
    following = knowledge.topics[topic.next]
    # A limit that names facts introduces them ("I don't have pay by employer, only ...").
    lines = [line for limit in limits if limit.facts for line in limit_lines(limit)]
    if again:
        lines += with_sources(told[0][1], "As I said: ")
    else:
        lines += [line for _, fact in told for line in with_sources(fact)]
    lines += [line for limit in limits if not limit.facts for line in limit_lines(limit)]
    if not limits:
        lines.append(Line(f"Shall I tell you about {following.title} next?"))
    details = [detail_button(knowledge, topic, fact) for fact in untold_details(topic, facts_told)]
    steps = details[: MOST_NEXT_STEPS - 1] + [topic_button(following)]
    return Reply(tuple(lines), tuple(steps), citations([fact for _, fact in told]))


def limits_reply(knowledge: KnowledgeBase, limits: Sequence[Limit], facts_told: Collection[str]) -> Reply:
    """What the file lacks and where to look, with no fact that bears on it (a redirect, or
    a limit that names none): then topics not discussed yet."""
    lines = [line for limit in limits for line in limit_lines(limit)]
    return Reply(tuple(lines), buttons_of_topics_not_discussed(knowledge, facts_told))


def limit_lines(limit: Limit) -> List[Line]:
    """What the knowledge file lacks and where to look instead."""
    if limit.url:
        return [Line(limit.missing), Line("For that, see ", Link(limit.look, limit.url), ".")]
    return [Line(f"{limit.missing} For that, try {limit.look}.")]


def clarifying_question(knowledge: KnowledgeBase, options: Sequence[FactRef]) -> Reply:
    """Asks which of two or three facts is meant; each button answers the original question."""
    titles = [option_title(knowledge, topic, fact) for topic, fact in options]
    buttons = [
        Button(capitalised(title), ask_payload(topic, fact.aspects[0] if is_detail(topic, fact) else None))
        for title, (topic, fact) in zip(titles, options, strict=True)
    ]
    return Reply((Line(f"{CLARIFYING_OPENER}{join_words(titles)}?"),), tuple(buttons))


def is_detail(topic: Topic, fact: Fact) -> bool:
    """A fact asked for by its aspect, not the topic's headline."""
    return fact is not topic.headline and bool(fact.aspects)


def option_title(knowledge: KnowledgeBase, topic: Topic, fact: Fact) -> str:
    """'pay' for a topic's headline, 'pay: the highest pay' for one of its details."""
    if not is_detail(topic, fact):
        return topic.title
    return f"{topic.title}: {knowledge.aspects[fact.aspects[0]].label}"


def missing_reply(knowledge: KnowledgeBase, topic: Topic, aspect: Aspect) -> Reply:
    """An honest "I don't know" for a detail the topic does not have, with where that
    detail is known; the buttons ask for it there, or for the topic's own details.
    Aspect labels are noun phrases or wh-clauses ("the highest pay", "how long it
    takes"): both follow "tell you"."""
    lines = [Line(f"About {topic.title}, I can't tell you {aspect.label}.")]
    elsewhere = knowledge.topics_with_aspect(aspect.id)
    if elsewhere:
        lines.append(Line(f"I can for {join_words([t.title for t in elsewhere])}."))
    steps = [detail_button(knowledge, t, t.fact_for(aspect.id)) for t in elsewhere]
    steps += [detail_button(knowledge, topic, fact) for fact in untold_details(topic, ())]
    return Reply(tuple(lines), tuple(steps[:MOST_NEXT_STEPS]))


def source_reply(knowledge: KnowledgeBase, fact: Optional[Fact]) -> Reply:
    """"Where does that come from?", "is that current?": the source, link and year of
    the last fact told, and its newer figure where the file has one."""
    if fact is None:
        return Reply((Line("I haven't told you a fact yet. Every answer I give names its source and year."),))
    lines = [source_line(source, fact.year, "That comes from: ", source.title) for source in fact.sources]
    newer = knowledge.newer_than(fact)
    if newer:
        lines += with_sources(newer, "A newer figure: ")
    elif fact.replaces or (fact.year and fact.source.url):
        lines.append(Line("It is the newest figure I can confirm from that source."))
    return Reply(tuple(lines), citations=citations([fact] + ([newer] if newer else [])))


def advisor_reply(contact: AdvisingContact, intro: str = "") -> Reply:
    """The school's advising contact, from school.yml."""
    lines = [Line(intro or f"{ADVISOR_INTRO}{contact.office}:")]
    lines += [Line(f"Email: {contact.email}"), Line(f"Phone: {contact.phone}"), Line(f"Hours: {contact.hours}")]
    if contact.booking_url:
        lines.append(Line("Book an appointment: ", Link(contact.booking_url, contact.booking_url)))
    steps = (Button("Book an appointment", url=contact.booking_url),) if contact.booking_url else ()
    return Reply(tuple(lines), steps)


def decline(knowledge: KnowledgeBase) -> str:
    """For messages that are not about the career at all: one sentence."""
    return f"Sorry, I can't help with that: I only know about becoming a {knowledge.career_name}."


REPHRASE = "Sorry, I didn't quite understand that. Could you rephrase it?"
WHAT_NEXT = "What would you like to know? Pick a topic or type your own question."
NO_WORDS = "I can only read questions written in words. " + WHAT_NEXT
ENGLISH_ONLY = "Sorry, I can only answer questions written in English."


def topics_not_discussed(knowledge: KnowledgeBase, facts_told: Collection[str]) -> List[Topic]:
    return [t for t in knowledge.topics.values() if not any(f.id in facts_told for f in t.facts)]


def buttons_of_topics_not_discussed(knowledge: KnowledgeBase, facts_told: Collection[str]) -> Tuple[Button, ...]:
    """Three topics not discussed yet (or the first three, once all have been)."""
    topics = topics_not_discussed(knowledge, facts_told) or list(knowledge.topics.values())
    return tuple(topic_button(t) for t in topics[:MOST_NEXT_STEPS])


def decline_reply(knowledge: KnowledgeBase, facts_told: Collection[str], sentence: str) -> Reply:
    """One sentence, then buttons for three topics not discussed yet."""
    return Reply((Line(sentence),), buttons_of_topics_not_discussed(knowledge, facts_told))


def topic_menu(knowledge: KnowledgeBase) -> Reply:
    """Every topic as a button (after the greeting and "what can you do"), and the
    career-fit conversation's, if the knowledge file has one."""
    fit = (FIT_BUTTON,) if knowledge.fit else ()
    return Reply(
        (Line(WHAT_NEXT),),
        tuple(topic_button(t) for t in knowledge.topics.values()) + fit,
    )


# ---------------------------------------------------------------- the career-fit conversation

START_FIT_INTENT = "start_career_fit"
FIT_BUTTON = Button("Is this career right for me?", f"/{START_FIT_INTENT}")
FIT_INTRO = (
    "Let's see how this career fits you: {count} quick questions. Answer Yes, Sort of or No, or in"
    " your own words; ask me anything in between, or type stop to end."
)
FIT_AGAIN = "Sorry, I didn't get that."
FIT_SKIPPED = "Let's leave that one out and go on."
FIT_BACK = "Now, back to the quiz."
FIT_RESUME = "Welcome back: let's pick up where you left off."


def fit_question(
    fit: CareerFit, statement: FitStatement, note: Optional[str] = None, read_as: Optional[str] = None
) -> Reply:
    """One statement's question with the answer buttons. `note`: "intro" (the first
    question), "resume", "again" (asked in other words), "skipped", "back" (after an answer)."""
    number, of = position(fit, statement)
    before = {
        "intro": FIT_INTRO.format(count=of), "resume": FIT_RESUME, "again": FIT_AGAIN, "skipped": FIT_SKIPPED,
        "back": FIT_BACK,
    }.get(note or "")
    question = statement.ask_again if note == "again" else statement.ask
    lines = ([Line(before)] if before else []) + [Line(f"Question {number} of {of}: {question}")]
    buttons = tuple(Button(BUTTON_TITLES[label], BUTTON_TITLES[label]) for label in ANSWERS)
    return Reply(tuple(lines), buttons, quiz=QuizStep(statement.id, number, of, read_as))


def _fact_with_source(knowledge: KnowledgeBase, fact_id: str, text: str) -> Tuple[Line, Fact]:
    """The text, then the short source of the fact that backs it ("... Source: BLS ..., 2020.")."""
    fact = knowledge.fact(fact_id)[1]
    return source_line(fact.source, fact.year, f"{text} Source: "), fact


def fit_result(
    knowledge: KnowledgeBase, fit: CareerFit, answers: Dict[str, str], contact: AdvisingContact,
    read_as: Optional[str] = None,
) -> Reply:
    """What fits and what to work on, each with the guide's reason and its source; the path
    as next steps; and the school's advisors last. Never a verdict: what is not there yet
    comes with how it can be learned."""
    groups = grouped(fit, answers)
    lines = [Line(f"Thanks! Here is how becoming a {knowledge.career_name} fits what you told me.")]
    backed: List[Fact] = []

    def add(text: str, fact_id: str) -> None:
        line, fact = _fact_with_source(knowledge, fact_id, text)
        lines.append(line)
        backed.append(fact)

    for statement in groups[YES]:
        add(f"It fits: {statement.fits}", statement.fact)
    for statement in groups[SORT_OF] + groups[NO]:
        partly = " (you're partly there)" if answers.get(statement.id) == SORT_OF else ""
        add(f"To work on, {statement.quality}{partly}: {statement.to_work_on}", statement.learn_facts[0])
    for number, fact_id in enumerate(fit.path, start=1):
        add(f"Next step {number}: {knowledge.fact(fact_id)[1].text}", fact_id)
    advisor = f"talk it over with an advisor at {contact.office}, {contact.email}."
    lines.append(Line(f"Next step {len(fit.path) + 1}: {advisor}"))
    steps = (Button("Book an appointment", url=contact.booking_url),) if contact.booking_url else ()
    if fit.path:  # the topic of the path's first step ("What education do I need?")
        steps += (topic_button(knowledge.fact(fit.path[0])[0]),)
    of = len(fit.statements)
    return Reply(tuple(lines), steps, citations(list(dict.fromkeys(backed))), QuizStep(None, of, of, read_as))


def fit_stopped(
    knowledge: KnowledgeBase, fit: CareerFit, answers: Dict[str, str], facts_told: Collection[str]
) -> Reply:
    """The student stopped: say how far they got and how to pick up again."""
    answered = len([s for s in fit.statements if s.id in answers])
    of = len(fit.statements)
    lines = [Line(
        f"OK, we'll stop the quiz here ({answered} of {of} answered). Say \"take the quiz\" any time to pick up "
        "where you left off. What else would you like to know?"
    )]
    steps = buttons_of_topics_not_discussed(knowledge, facts_told)
    return Reply(tuple(lines), steps, quiz=QuizStep(None, answered, of, "stop"))


def fit_situation_reply(knowledge: KnowledgeBase, statement: FitStatement) -> Reply:
    """"I'm shy", "I hate math": what the guide says about that quality and why, how it can
    be learned, and the offer of the whole career-fit conversation."""
    fact = knowledge.fact(statement.fact)[1]
    lines = [Line(f"About {statement.quality}: {fact.text}")] + [source_line(s, fact.year) for s in fact.sources]
    line, learned = _fact_with_source(knowledge, statement.learn_facts[0], statement.to_work_on)
    lines += [line, Line("Want to see how the rest of the career fits you?")]
    return Reply(tuple(lines), (FIT_BUTTON,), citations([fact, learned]))
