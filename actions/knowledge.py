"""The knowledge file: load it, check it against its schema, and look facts up.

Advising staff edit the YAML file under `data/knowledge/`; everything the bot says
about the career comes from it. A mistake in the file must never reach a student as
a wrong answer, so loading is strict: any problem raises `KnowledgeFileError` naming
the file, the entry and what is wrong, and the action server refuses to start.

Run `python -m actions.knowledge [FILE]` to check a file by hand.
"""
import functools
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Collection, Dict, List, Optional, Sequence, Tuple, Union

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_KNOWLEDGE_FILE = PROJECT_ROOT / "data" / "knowledge" / "medical_billing_coding.yml"

#: Text with a money amount or a percentage is a figure, and a figure needs its year.
FIGURE = re.compile(r"\$\s?\d|\d\s?%")
IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")
URL = re.compile(r"^https?://\S+$")


class KnowledgeFileError(ValueError):
    """A knowledge file that cannot be used, with the entry at fault."""

    def __init__(self, path: Union[str, Path], entry: str, problem: str) -> None:
        self.path, self.entry, self.problem = str(path), entry, problem
        super().__init__(f"{path}: {entry}: {problem}")


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    url: Optional[str] = None
    #: Organisations this source speaks for: a fact naming one of them must cite it.
    names: Tuple[str, ...] = ()
    #: The label under an answer, if shorter than the title; "where does that come from?"
    #: gets the whole title.
    short_title: Optional[str] = None

    @property
    def label(self) -> str:
        return self.short_title or self.title

    def speaks_for(self, organisation: str) -> bool:
        return organisation in self.names or _names_in(self.title, [organisation])


@dataclass(frozen=True)
class Aspect:
    """A detail a student can ask about, such as "the highest pay"."""

    id: str
    label: str
    words: Tuple[str, ...]
    #: Phrases in which one of its words does not name it: "at least" is no question about
    #: the lowest pay ("is the money at least decent?").
    not_in: Tuple[str, ...] = ()

    def named_at(self, text: str, start: int, end: int) -> bool:
        """Whether the word found at text[start:end] names the aspect, not a phrase of `not_in`."""
        lowered = text.lower()
        return not any(
            found.start() <= start and end <= found.end()
            for phrase in self.not_in
            for found in re.finditer(rf"\b{re.escape(phrase)}\b", lowered)
        )


@dataclass(frozen=True)
class Fact:
    """One answer. `questions` are ways people ask for it: they train the topic's
    intent and let the answering code find the fact by meaning. `follow_ups` are ways
    people ask for it in the middle of a conversation about its topic ("and per hour?",
    "who gives it out?"): they make sense only there, so they count only then."""

    id: str
    text: str
    sources: Tuple[Source, ...]
    aspects: Tuple[str, ...] = ()
    year: Optional[str] = None
    questions: Tuple[str, ...] = ()
    follow_ups: Tuple[str, ...] = ()
    #: The id of an older figure this fact updates; it is shown beside this one.
    replaces: Optional[str] = None

    @property
    def source(self) -> Source:
        """The main source (a fact may cite several)."""
        return self.sources[0]


@dataclass(frozen=True)
class Topic:
    id: str
    title: str
    button: str
    next: str
    facts: Tuple[Fact, ...]

    @property
    def intent(self) -> str:
        return f"ask_{self.id}"

    @property
    def headline(self) -> Fact:
        return self.facts[0]

    def fact_for(self, aspect_id: str) -> Optional[Fact]:
        return next((fact for fact in self.facts if aspect_id in fact.aspects), None)


@dataclass(frozen=True)
class Limit:
    """Something students ask for that the file does not hold ("pay in Ohio", "CMRS or
    CPC: which is better?"): the words that ask for it, what is missing, where to look
    instead, and the facts that bear on it."""

    id: str
    words: Tuple[str, ...]
    missing: str
    look: str
    url: Optional[str] = None
    #: Also asked when a message names two or more of these ("CMRS or CPC?"); an item may
    #: give other names for the same thing after a slash ("CMRS/AMBA").
    compared: Tuple[str, ...] = ()
    #: Ids of the facts told with it: what is known that bears on the question.
    facts: Tuple[str, ...] = ()
    #: Not a question about the career (a person's own bill): the reply is this alone.
    redirect: bool = False
    #: Messages that ask for it, for the ones its words miss: a message closer to these
    #: than to any fact's questions asks for it too (actions/understanding.py).
    examples: Tuple[str, ...] = ()
    #: Ways people ask for it in the middle of a conversation about one of its `topics`
    #: ("which one would you pick?" about the credentials): like `examples`, but they make
    #: sense only there, so they count only then.
    follow_ups: Tuple[str, ...] = ()
    #: Ids of the topics in whose conversation the follow-ups count: as given in the file
    #: ("how much is it?" about the certification asks its cost), else those of its facts.
    topics: Tuple[str, ...] = ()

    def asked_in(self, text: str) -> bool:
        lowered = text.lower()
        return _names_in(lowered, self.words) or sum(_names_in(lowered, item.split("/")) for item in self.compared) >= 2


@dataclass(frozen=True)
class FitStatement:
    """One step of the career-fit conversation: a quality (or a step of the path) the
    career asks for, the question that asks a student about it (`ask`, and `ask_again` in
    other words when the answer could not be read), the fact that says why it matters, what
    to say when it fits, and how it can be learned (`to_work_on`, from `learn_facts`).
    `situations` are things people say about themselves that touch it ("I'm shy")."""

    id: str
    quality: str
    ask: str
    ask_again: str
    fact: str
    fits: str
    to_work_on: str
    learn_facts: Tuple[str, ...]
    situations: Tuple[str, ...] = ()


@dataclass(frozen=True)
class CareerFit:
    """"Is this career right for me?": the statements asked in turn, and the facts told as
    the next steps at the end (the path: degree, certification, training)."""

    statements: Tuple[FitStatement, ...]
    path: Tuple[str, ...]

    def statement(self, statement_id: str) -> Optional[FitStatement]:
        return next((s for s in self.statements if s.id == statement_id), None)


@dataclass(frozen=True)
class KnowledgeBase:
    career_name: str
    #: Other names people use for the career ("medical coder", "biller").
    career_names: Tuple[str, ...]
    sources: Dict[str, Source]
    aspects: Dict[str, Aspect]
    topics: Dict[str, Topic]
    limits: Dict[str, Limit]
    #: Other occupations people compare it with ("nurse", "pharmacist"): a message about one
    #: of them, not about this career, is declined even inside a conversation about its pay.
    other_occupations: Tuple[str, ...] = ()
    #: The career-fit conversation, if the file has one (without it, it is not offered).
    fit: Optional[CareerFit] = None

    def fact(self, fact_id: str) -> Optional[Tuple[Topic, Fact]]:
        return next(((t, f) for t in self.topics.values() for f in t.facts if f.id == fact_id), None)

    def older_than(self, fact: Fact) -> Optional[Fact]:
        """The older figure this fact updates, if any."""
        found = self.fact(fact.replaces) if fact.replaces else None
        return found[1] if found else None

    def newer_than(self, fact: Fact) -> Optional[Fact]:
        """The fact that updates this one's figure, if any."""
        return next((f for t in self.topics.values() for f in t.facts if f.replaces == fact.id), None)

    def topic_for_intent(self, intent: Optional[str]) -> Optional[Topic]:
        return next((topic for topic in self.topics.values() if topic.intent == intent), None)

    def topics_with_aspect(self, aspect_id: str) -> List[Topic]:
        return [topic for topic in self.topics.values() if topic.fact_for(aspect_id)]


class FileReader:
    """Typed access to a YAML file that reports problems against it (the knowledge
    file, the school's settings)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def parse(self) -> Any:
        """The file's YAML; an unreadable file or bad YAML is reported with its line."""
        try:
            return yaml.safe_load(self.path.read_text(encoding="utf-8"))
        except OSError as error:
            raise self.fail("file", f"cannot be read ({error.strerror})") from error
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "YAML"
            problem = getattr(error, "problem", None) or str(error)
            raise self.fail(where, f"is not valid YAML: {problem}") from error

    def fail(self, entry: str, problem: str) -> KnowledgeFileError:
        return KnowledgeFileError(self.path, entry, problem)

    def mapping(
        self, value: Any, entry: str, required: Tuple[str, ...] = (), optional: Tuple[str, ...] = ()
    ) -> Dict[str, Any]:
        if not isinstance(value, dict) or not value:
            raise self.fail(entry, f"expected a mapping, got {_describe(value)}")
        if required or optional:
            missing = [key for key in required if key not in value]
            if missing:
                raise self.fail(entry, f"missing required key(s): {', '.join(missing)}")
            unknown = [str(key) for key in value if key not in required + optional]
            if unknown:
                allowed = ", ".join(required + optional)
                raise self.fail(entry, f"unknown key(s): {', '.join(unknown)} (allowed: {allowed})")
        return value

    def text(self, value: Any, entry: str) -> str:
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise self.fail(entry, f"expected text, got {_describe(value)}")
        text = " ".join(str(value).split())
        if not text:
            raise self.fail(entry, "is empty")
        return text

    def identifier(self, value: Any, entry: str) -> str:
        if not isinstance(value, str) or not IDENTIFIER.match(value):
            raise self.fail(entry, f"{value!r} is not a valid id (lowercase letters, digits, _)")
        return value

    def url(self, value: Any, entry: str) -> Optional[str]:
        if value is not None and (not isinstance(value, str) or not URL.match(value)):
            raise self.fail(entry, f"url {value!r} is not an http(s) address")
        return value

    def text_list(self, value: Any, entry: str, allow_empty: bool = False) -> Tuple[str, ...]:
        if not isinstance(value, list) or (not value and not allow_empty):
            raise self.fail(entry, f"expected a non-empty list, got {_describe(value)}")
        return tuple(self.text(item, f"{entry} item {number}") for number, item in enumerate(value, 1))


def _describe(value: Any) -> str:
    return "nothing" if value is None else f"{type(value).__name__} {value!r}"[:80]


def configured_knowledge_file() -> Path:
    """The knowledge file this process serves: KNOWLEDGE_FILE (the Makefile's KNOWLEDGE), or
    the project's own."""
    return Path(os.environ.get("KNOWLEDGE_FILE") or DEFAULT_KNOWLEDGE_FILE)


def load_knowledge(path: Union[str, Path] = DEFAULT_KNOWLEDGE_FILE) -> KnowledgeBase:
    """Read and check a knowledge file; raise KnowledgeFileError on any problem."""
    reader = FileReader(Path(path))
    document = reader.parse()

    root = reader.mapping(
        document, "top level", required=("career", "sources", "aspects", "topics"), optional=("limits", "fit")
    )
    career = reader.mapping(root["career"], "career", required=("id", "name", "names"), optional=("other_occupations",))
    reader.identifier(career["id"], "career id")
    sources = _read_sources(reader, root["sources"])
    aspects = _read_aspects(reader, root["aspects"])
    topics = _read_topics(reader, root["topics"], sources, aspects)
    facts = [fact for topic in topics.values() for fact in topic.facts]

    used = {aspect for fact in facts for aspect in fact.aspects}
    for aspect_id in aspects:
        if aspect_id not in used:
            raise reader.fail(f"aspect '{aspect_id}'", "no fact answers it; remove it or add a fact")
    cited = {source.id for fact in facts for source in fact.sources}
    for source_id in sources:
        if source_id not in cited:
            raise reader.fail(f"source '{source_id}'", "no fact cites it; remove it or cite it")
    _check_updates(reader, facts)
    _check_topic_chain(reader, topics)
    return KnowledgeBase(
        career_name=reader.text(career["name"], "career name"),
        career_names=tuple(name.lower() for name in reader.text_list(career["names"], "career names")),
        other_occupations=tuple(
            name.lower() for name in reader.text_list(
                career.get("other_occupations", []), "career other_occupations", allow_empty=True
            )
        ),
        sources=sources,
        aspects=aspects,
        topics=topics,
        limits=_read_limits(reader, root.get("limits") or {}, topics),
        fit=_read_fit(reader, root["fit"], {fact.id for fact in facts}) if "fit" in root else None,
    )


def _names_in(text: str, names: Sequence[str]) -> bool:
    """Whether the text names any of these, as whole words."""
    return bool(names) and _whole_words(tuple(names)).search(text) is not None


@functools.lru_cache(maxsize=1024)
def _whole_words(names: Tuple[str, ...]) -> "re.Pattern[str]":
    """One pattern finding any of the names as whole words, compiled once per set of
    names (the action server asks this of every message)."""
    return re.compile(rf"(?<!\w)(?:{'|'.join(map(re.escape, names))})(?!\w)")


def _check_updates(reader: FileReader, facts: List[Fact]) -> None:
    ids = {fact.id: fact for fact in facts}
    for fact in facts:
        if fact.replaces is None:
            continue
        older = ids.get(fact.replaces)
        if older is None or older is fact:
            raise reader.fail(f"fact '{fact.id}' replaces", f"'{fact.replaces}' must be the id of another fact")
        if older.replaces is not None or sum(f.replaces == older.id for f in facts) > 1:
            raise reader.fail(f"fact '{fact.id}' replaces", f"'{older.id}' must be updated by one fact only, once")


def _check_topic_chain(reader: FileReader, topics: Dict[str, Topic]) -> None:
    """Following `next` from the first topic must visit every topic once and come back:
    offering "shall I tell you about X next?" then never loops or leaves a topic out."""
    first = next(iter(topics))
    visited = [first]
    while topics[visited[-1]].next != first:
        following = topics[visited[-1]].next
        if following in visited:
            raise reader.fail(
                f"topic '{visited[-1]}' next",
                f"'{following}' closes a loop ({' -> '.join(visited + [following])}); every topic must be reached",
            )
        visited.append(following)
    left_out = [topic_id for topic_id in topics if topic_id not in visited]
    if left_out:
        raise reader.fail(
            f"topic '{visited[-1]}' next",
            f"the chain {' -> '.join(visited + [first])} never reaches {', '.join(left_out)}",
        )


def _read_sources(reader: FileReader, value: Any) -> Dict[str, Source]:
    sources = {}
    for source_id, body in reader.mapping(value, "sources").items():
        entry = f"source '{source_id}'"
        body = reader.mapping(body, entry, required=("title",), optional=("url", "names", "short_title"))
        sources[source_id] = Source(
            id=reader.identifier(source_id, entry),
            title=reader.text(body["title"], entry),
            url=reader.url(body.get("url"), entry),
            names=reader.text_list(body.get("names", []), f"{entry} names", allow_empty=True),
            short_title=reader.text(body["short_title"], entry) if "short_title" in body else None,
        )
    return sources


def _read_limits(reader: FileReader, value: Any, topics: Dict[str, Topic]) -> Dict[str, Limit]:
    topic_of_fact = {fact.id: topic.id for topic in topics.values() for fact in topic.facts}
    limits = {}
    for limit_id, body in (reader.mapping(value, "limits").items() if value else ()):
        entry = f"limit '{limit_id}'"
        body = reader.mapping(
            body, entry, required=("words", "missing", "look"),
            optional=("url", "compared", "facts", "redirect", "examples", "follow_ups", "topics"),
        )
        facts = reader.text_list(body.get("facts", []), f"{entry} facts", allow_empty=True)
        compared = reader.text_list(body.get("compared", []), f"{entry} compared", allow_empty=True)
        for fact_id in facts:
            if fact_id not in topic_of_fact:
                raise reader.fail(f"{entry} facts", f"'{fact_id}' is not the id of a fact")
        follow_up_topics = reader.text_list(body.get("topics", []), f"{entry} topics", allow_empty=True)
        for topic_id in follow_up_topics:
            if topic_id not in topics:
                raise reader.fail(f"{entry} topics", f"'{topic_id}' is not the id of a topic")
        redirect = body.get("redirect", False)
        if not isinstance(redirect, bool):
            raise reader.fail(f"{entry} redirect", f"must be true or false, not {_describe(redirect)}")
        if redirect and facts:
            raise reader.fail(f"{entry} facts", "a redirect is not about the career: it tells no facts")
        follow_ups = reader.text_list(body.get("follow_ups", []), f"{entry} follow_ups", allow_empty=True)
        follow_up_topics = follow_up_topics or tuple(dict.fromkeys(topic_of_fact[fact_id] for fact_id in facts))
        if follow_ups and not follow_up_topics:
            raise reader.fail(
                f"{entry} follow_ups",
                "follow-ups count only in a conversation about one of the limit's topics: give it topics or facts",
            )
        limits[limit_id] = Limit(
            id=reader.identifier(limit_id, entry),
            words=tuple(word.lower() for word in reader.text_list(body["words"], f"{entry} words")),
            missing=reader.text(body["missing"], f"{entry} missing"),
            look=reader.text(body["look"], f"{entry} look"),
            url=reader.url(body.get("url"), entry),
            compared=tuple(name.lower() for name in compared),
            facts=facts,
            redirect=redirect,
            examples=reader.text_list(body.get("examples", []), f"{entry} examples", allow_empty=True),
            follow_ups=follow_ups,
            topics=follow_up_topics,
        )
    return limits


def _read_fit(reader: FileReader, value: Any, fact_ids: Collection[str]) -> CareerFit:
    body = reader.mapping(value, "fit", required=("statements", "path"))

    def fact_list(value: Any, entry: str) -> Tuple[str, ...]:
        found = reader.text_list(value, entry)
        for fact_id in found:
            if fact_id not in fact_ids:
                raise reader.fail(entry, f"'{fact_id}' is not the id of a fact")
        return found

    path = fact_list(body["path"], "fit path")
    raw = body["statements"]
    if not isinstance(raw, list) or not raw:
        raise reader.fail("fit statements", f"must be a non-empty list, not {_describe(raw)}")
    statements: List[FitStatement] = []
    for number, item in enumerate(raw, start=1):
        entry = f"fit statement {number}"
        item = reader.mapping(
            item, entry, required=("id", "quality", "ask", "ask_again", "fact", "fits", "to_work_on", "learn_facts"),
            optional=("situations",),
        )
        statement_id = reader.identifier(item["id"], f"{entry} id")
        entry = f"fit statement {number} ('{statement_id}')"
        if any(s.id == statement_id for s in statements):
            raise reader.fail(entry, f"id '{statement_id}' is used by another statement")
        statements.append(FitStatement(
            id=statement_id,
            quality=reader.text(item["quality"], f"{entry} quality"),
            ask=reader.text(item["ask"], f"{entry} ask"),
            ask_again=reader.text(item["ask_again"], f"{entry} ask_again"),
            fact=fact_list([item["fact"]], f"{entry} fact")[0],
            fits=reader.text(item["fits"], f"{entry} fits"),
            to_work_on=reader.text(item["to_work_on"], f"{entry} to_work_on"),
            learn_facts=fact_list(item["learn_facts"], f"{entry} learn_facts"),
            situations=reader.text_list(item.get("situations", []), f"{entry} situations", allow_empty=True),
        ))
    return CareerFit(tuple(statements), path)


def _read_aspects(reader: FileReader, value: Any) -> Dict[str, Aspect]:
    aspects: Dict[str, Aspect] = {}
    owner_of_word: Dict[str, str] = {}
    for aspect_id, body in reader.mapping(value, "aspects").items():
        entry = f"aspect '{aspect_id}'"
        body = reader.mapping(body, entry, required=("label", "words"), optional=("not_in",))
        words = tuple(word.lower() for word in reader.text_list(body["words"], f"{entry} words"))
        for word in words:
            if word in owner_of_word:
                raise reader.fail(entry, f"word '{word}' is already used by aspect '{owner_of_word[word]}'")
            owner_of_word[word] = aspect_id
        not_in = tuple(
            phrase.lower() for phrase in reader.text_list(body.get("not_in", []), f"{entry} not_in", allow_empty=True)
        )
        for phrase in not_in:
            if not _names_in(phrase, words):
                raise reader.fail(f"{entry} not_in", f"'{phrase}' holds none of the aspect's words")
        aspects[aspect_id] = Aspect(
            id=reader.identifier(aspect_id, entry),
            label=reader.text(body["label"], f"{entry} label"),
            words=words,
            not_in=not_in,
        )
    return aspects


def _read_topics(
    reader: FileReader, value: Any, sources: Dict[str, Source], aspects: Dict[str, Aspect]
) -> Dict[str, Topic]:
    bodies = reader.mapping(value, "topics")
    topics = {}
    asked_by: Dict[str, str] = {}
    fact_ids: Dict[str, str] = {}
    for topic_id, body in bodies.items():
        entry = f"topic '{topic_id}'"
        body = reader.mapping(body, entry, required=("title", "button", "next", "facts"))
        next_topic = reader.identifier(body["next"], f"{entry} next")
        if next_topic not in bodies or next_topic == topic_id:
            raise reader.fail(f"{entry} next", f"'{next_topic}' must be another topic of this file")
        if not isinstance(body["facts"], list) or not body["facts"]:
            raise reader.fail(f"{entry} facts", "expected a non-empty list of facts")
        facts = tuple(
            _read_fact(reader, fact, f"{entry} fact {number}", sources, aspects)
            for number, fact in enumerate(body["facts"], 1)
        )
        seen = set()
        for number, fact in enumerate(facts, 1):
            if fact.id in fact_ids:
                raise reader.fail(f"{entry} fact {number}", f"id '{fact.id}' is already used by {fact_ids[fact.id]}")
            fact_ids[fact.id] = f"{entry} fact {number}"
            repeated = seen.intersection(fact.aspects)
            if repeated:
                raise reader.fail(f"{entry} fact {number}", f"aspect '{repeated.pop()}' is answered twice")
            seen.update(fact.aspects)
            for question in (*fact.questions, *fact.follow_ups):
                key = question.lower()
                if key in asked_by:
                    raise reader.fail(
                        f"{entry} fact {number}", f"question {question!r} is already listed under {asked_by[key]}"
                    )
                asked_by[key] = f"{entry} fact {number}"
        topics[topic_id] = Topic(
            id=reader.identifier(topic_id, entry),
            title=reader.text(body["title"], f"{entry} title"),
            button=reader.text(body["button"], f"{entry} button"),
            next=next_topic,
            facts=facts,
        )
    return topics


def _cited_sources(
    reader: FileReader, value: Any, entry: str, text: str, sources: Dict[str, Source]
) -> Tuple[Source, ...]:
    """The sources a fact cites (one id or a list), each listed under `sources`; a fact
    whose text names an organisation with a source of its own must cite that source."""
    source_ids = value if isinstance(value, list) else [value]
    for source_id in source_ids or [None]:
        if source_id not in sources:
            raise reader.fail(entry, f"source '{source_id}' is not listed under sources ({', '.join(sources)})")
    cited = tuple(sources[source_id] for source_id in source_ids)
    for name in (name for other in sources.values() for name in other.names if _names_in(text, [name])):
        if not any(source.speaks_for(name) for source in cited):
            raise reader.fail(
                entry, f"the text names {name}, whose own source is listed, but cites {', '.join(source_ids)}"
            )
    return cited


def _read_fact(
    reader: FileReader, value: Any, entry: str, sources: Dict[str, Source], aspects: Dict[str, Aspect]
) -> Fact:
    body = reader.mapping(
        value, entry, required=("id", "text", "source", "aspects"),
        optional=("year", "questions", "follow_ups", "replaces"),
    )
    fact_id = reader.identifier(body["id"], f"{entry} id")
    entry = f"{entry} ('{fact_id}')"
    text = reader.text(body["text"], f"{entry} text")
    cited = _cited_sources(reader, body["source"], entry, text, sources)
    fact_aspects = reader.text_list(body["aspects"], f"{entry} aspects", allow_empty=True)
    for aspect_id in fact_aspects:
        if aspect_id not in aspects:
            raise reader.fail(entry, f"aspect '{aspect_id}' is not listed under aspects")
    year = reader.text(body["year"], f"{entry} year") if "year" in body else None
    if year is None and FIGURE.search(text):
        raise reader.fail(entry, "the text has a figure, so it needs the year the figure describes")
    questions = reader.text_list(body.get("questions", []), f"{entry} questions", allow_empty=True)
    follow_ups = reader.text_list(body.get("follow_ups", []), f"{entry} follow_ups", allow_empty=True)
    replaces = reader.identifier(body["replaces"], f"{entry} replaces") if "replaces" in body else None
    return Fact(
        id=fact_id, text=text, sources=cited, aspects=fact_aspects, year=year, questions=questions,
        follow_ups=follow_ups, replaces=replaces,
    )


def main(argv: List[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else DEFAULT_KNOWLEDGE_FILE
    try:
        knowledge = load_knowledge(path)
    except KnowledgeFileError as error:
        print(f"Knowledge file error: {error}", file=sys.stderr)
        return 1
    facts = sum(len(topic.facts) for topic in knowledge.topics.values())
    print(f"{path}: OK, {len(knowledge.topics)} topics, {facts} facts, {len(knowledge.sources)} sources")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
