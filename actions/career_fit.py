"""The career-fit conversation ("is this career right for me?"): how a typed answer to one of
its questions is read, and where the conversation stands.

The questions come from the knowledge file (`fit`); how people answer a yes-or-no question
about themselves does not depend on the career, so the cue words and example answers are
in `data/career_fit_answers.yml`. A button sends "Yes", "Sort of" or "No"; a typed answer
is read by its cue words ("yeah mostly", "not really", "idk"), and without one by its
meaning, as the nearest of the example answers (a logistic regression over their sentence
embeddings, as the fact classifier does for questions).
"""
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Tuple

import numpy as np
import yaml

from actions.knowledge import PROJECT_ROOT, CareerFit, FitStatement, KnowledgeFileError
from actions.understanding import cached_arrays, fit_fact_classifier
from nlu_components.minilm import MiniLMEncoder

ANSWERS_FILE = PROJECT_ROOT / "data" / "career_fit_answers.yml"
#: The example answers' embeddings and the classifier fitted on them, kept between starts
#: (`make train` fills it; keyed by the examples, so any career's action server may use it).
ANSWER_CACHE = PROJECT_ROOT / "models" / "answer_index"

YES, SORT_OF, NO = "yes", "sort_of", "no"
#: Not an answer: the student wants to stop, did not understand the question ("huh?"), or
#: asked a question about the career instead.
STOP, AGAIN, QUESTION = "stop", "again", "question"
#: Cues that stop the quiz only at the start of an answer or in a short one ("im done").
DONE = "done"
#: Two answers that could not be read: the statement is left out of the result.
SKIPPED = "skipped"
ANSWERS = (YES, SORT_OF, NO)
#: The answer buttons: their titles are what they send.
BUTTON_TITLES = {YES: "Yes", SORT_OF: "Sort of", NO: "No"}

#: Words that join a second thought to the answer: "yes, but only when it matters" is "sort of".
CONTRAST = re.compile(r"\b(?:but|though|tho|although|except|however|yet)\b", re.I)
#: A cue that starts within this many words leads the answer ("honestly no, ...").
LEADING_WORDS = 4
#: A `done` cue counts in an answer of at most this many words ("ok im done").
SHORT_ANSWER_WORDS = 4
#: Where a later part of an answer starts: "typing yes, remembering numbers not so much".
PART_BREAK = re.compile(r"[,;.!?]|\band\b", re.I)
#: A yes cue in the first person ("I do", "I can") is an answer only when it ends its part:
#: "I am bad at keeping secrets" and "I can do two things at once" are read by their other words.
FIRST_PERSON = re.compile(r"i \w+$", re.I)
#: A no in the first person ("I don't", "I'm not") before a word leaning to no says yes:
#: "I don't gossip", "I'm not careless".
FIRST_PERSON_NO = re.compile(r"im? ", re.I)
APOSTROPHES = re.compile(r"['\u2019\u2018`]")
#: Words that turn a leaning word that follows within NEGATION_REACH words ("not patient").
NEGATIONS = frozenset({"not", "dont", "never", "cant", "cannot", "wont", "isnt", "wasnt", "arent", "no", "without"})
NEGATION_REACH = 2

#: An answer without cue words that is less similar than this to every example answer is
#: not read as an answer ("potato").
MIN_SIMILARITY = 0.45
WORD = re.compile(r"[\w'%/?-]+")


def _any_of(phrases) -> "re.Pattern[str]":
    """Any of the phrases as whole words (the longest first where they overlap)."""
    return re.compile("|".join(rf"(?<![\w']){re.escape(p)}(?![\w'])" for p in phrases), re.I)


@dataclass(frozen=True)
class AnswerWords:
    """The cue words, leaning words and example answers of each reading
    (data/career_fit_answers.yml)."""

    cues: Mapping[str, Tuple[str, ...]]
    leaning: Mapping[str, Tuple[str, ...]]
    examples: Mapping[str, Tuple[str, ...]]


def load_answer_words(path: Path = ANSWERS_FILE) -> AnswerWords:
    """Read and check the file; a problem names the file and the entry."""
    try:
        document = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise KnowledgeFileError(path, "the file", f"cannot be read as YAML: {error}") from None
    if not isinstance(document, dict) or set(document) != {"cues", "leaning", "examples"}:
        raise KnowledgeFileError(path, "top level", "must have exactly the keys cues, leaning and examples")
    readings = {"cues": (*ANSWERS, STOP, DONE, AGAIN), "leaning": (YES, NO), "examples": (*ANSWERS, STOP)}
    read: Dict[str, Dict[str, Tuple[str, ...]]] = {}
    for part, labels in readings.items():
        body = document[part]
        if not isinstance(body, dict) or set(body) != set(labels):
            raise KnowledgeFileError(path, part, f"must have exactly the keys {', '.join(labels)}")
        read[part] = {}
        for label in labels:
            items = body[label]
            if not isinstance(items, list) or not items or not all(isinstance(i, str) and i.strip() for i in items):
                problem = "must be a non-empty list of texts (quote yes and no)"
                raise KnowledgeFileError(path, f"{part} {label}", problem)
            read[part][label] = tuple(item.lower() for item in items)
    return AnswerWords(read["cues"], read["leaning"], read["examples"])


@dataclass(frozen=True)
class Cue:
    label: str
    first_word: int  # the position of its first word in the answer
    last_word: int
    part: int  # which part of the answer it is in (parts are split by PART_BREAK)


class AnswerReader:
    """Reads a typed answer to a yes-or-no question about oneself as yes, sort of or no;
    or as stop, again (not understood). Whether it is a question about the career instead
    is for the caller to say, with the career's understanding at hand."""

    def __init__(self, words: AnswerWords, encoder: MiniLMEncoder, cache_dir: Optional[Path] = None) -> None:
        self.encoder = encoder
        # Longest cue first, so that "not really" is found before "really" could be.
        self.cues = sorted(
            ((cue, label) for label, cues in words.cues.items() for cue in cues), key=lambda c: -len(c[0])
        )
        self.pattern = _any_of(cue for cue, _ in self.cues)
        self.label_of_cue = {cue: label for cue, label in self.cues}
        leaning = sorted(((w, 1 if label == YES else -1) for label, ws in words.leaning.items() for w in ws),
                         key=lambda item: -len(item[0]))
        self.leaning_pattern = _any_of(word for word, _ in leaning)
        self.sign_of = dict(leaning)
        self.labels = sorted(words.examples)
        texts = [text for label in self.labels for text in words.examples[label]]
        self.example_labels = np.array(
            [number for number, label in enumerate(self.labels) for _ in words.examples[label]]
        )
        self.vectors, self.weights, self.bias = self._embed_and_fit(texts, cache_dir)

    def _embed_and_fit(self, texts: List[str], cache_dir: Optional[Path]) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        key = "\n".join(f"{self.labels[label]}\t{text}" for label, text in zip(self.example_labels, texts, strict=True))

        def embed_and_fit() -> Dict[str, np.ndarray]:
            vectors = self.encoder.encode(texts)
            weights, bias = fit_fact_classifier(vectors, self.example_labels, len(self.labels))
            return {"vectors": vectors, "weights": weights, "bias": bias}

        arrays = cached_arrays(cache_dir, key, embed_and_fit)
        return arrays["vectors"], arrays["weights"], arrays["bias"]

    @classmethod
    def from_file(
        cls, encoder: MiniLMEncoder, path: Path = ANSWERS_FILE, cache_dir: Optional[Path] = None
    ) -> "AnswerReader":
        return cls(load_answer_words(path), encoder, cache_dir)

    def read(self, text: str, embedding: Optional[np.ndarray] = None) -> str:
        plain = " ".join(APOSTROPHES.sub("", text).split())
        button = next((label for label, title in BUTTON_TITLES.items() if plain.lower() == title.lower()), None)
        if button:
            return button
        if not any(character.isalnum() for character in plain):
            return AGAIN
        words = len(WORD.findall(plain))
        cues = self.cues_in(plain)
        if any(c.label == STOP or (c.label == DONE and (c.first_word == 0 or words <= SHORT_ANSWER_WORDS))
               for c in cues):
            return STOP
        answer_cues = [c for c in cues if c.label in ANSWERS]
        leading = next((c for c in answer_cues if c.first_word < LEADING_WORDS), None)
        for_yes, for_no, no_words = self.leaning(plain)
        last = answer_cues[-1] if answer_cues else None
        if leading is None and last and last.last_word == words - 1 and last.label != SORT_OF:
            if (for_yes if last.label == NO else no_words if last.label == YES else 0):
                return SORT_OF  # "math is fine, science not so much"
            leading = last  # "..., so no"
        if leading is None and any(c.label == AGAIN for c in cues):
            return AGAIN
        if leading is None:
            hedged = any(c.label == SORT_OF for c in answer_cues) and not (for_no and not for_yes)
            both_sides = {YES, NO} <= {c.label for c in answer_cues} and len({c.part for c in answer_cues}) > 1
            if for_yes and for_no or hedged or both_sides:
                # "numbers stick for me but im slow on a keyboard", "I'd like to, I'm just not sure yet",
                # "for taxes yes, for little forms no"
                return SORT_OF
            reading = (YES if for_yes > for_no else NO) if for_yes != for_no else self.by_meaning(text, embedding)
            if reading in (YES, NO) and CONTRAST.search(plain):
                return SORT_OF  # "I'm calm in person, but over the phone I stumble over my words"
            return reading
        if leading.label == SORT_OF:
            return SORT_OF
        other_side = NO if leading.label == YES else YES
        if CONTRAST.search(plain) or any(c.label == other_side and c.part != leading.part for c in answer_cues):
            return SORT_OF  # "yes but only when it matters", "typing yes, numbers not so much"
        if leading.label == YES and any(c.label == SORT_OF for c in answer_cues):
            return SORT_OF  # a hedged yes ("yeah mostly"); a hedged no is still a no ("nah i usually skim")
        return leading.label

    def cues_in(self, text: str) -> List[Cue]:
        """The cue words in the answer, in order (the longest where they overlap)."""
        found = []
        for match in self.pattern.finditer(text):
            before = text[: match.start()]
            first = len(WORD.findall(before))
            label = self.label_of_cue[match.group().lower()]
            if label == YES and FIRST_PERSON.match(match.group()) and _goes_on(text[match.end():]):
                continue  # "I am bad at it", "I do best with one task": the rest of the part says
            if label == NO and FIRST_PERSON_NO.match(match.group()) and self._turns_a_no(text[match.end():]):
                continue  # "I don't gossip": a no to a failing is a yes (`leaning` reads it so)
            found.append(Cue(
                label, first, first + len(WORD.findall(match.group())) - 1, len(PART_BREAK.findall(before)),
            ))
        return found

    def _turns_a_no(self, rest: str) -> bool:
        """Whether a word leaning to no follows within NEGATION_REACH words."""
        found = self.leaning_pattern.search(rest)
        near = found is not None and len(WORD.findall(rest[: found.start()])) < NEGATION_REACH
        return near and self.sign_of[found.group().lower()] < 0

    def leaning(self, text: str) -> Tuple[int, int, int]:
        """How many leaning words speak for yes and for no; a negation just before a word
        turns it ("not patient"), and counts for no on its own ("I never check") when nothing
        speaks for yes. Also how many leaning words (not negations alone) speak for no."""
        words = [word.lower() for word in WORD.findall(text)]
        for_yes, for_no, turned = 0, 0, set()
        for match in self.leaning_pattern.finditer(text):
            first = len(WORD.findall(text[: match.start()]))
            negations = [i for i in range(max(0, first - NEGATION_REACH), first) if words[i] in NEGATIONS]
            turned.update(negations)
            says_yes = (self.sign_of[match.group().lower()] > 0) != bool(negations)
            for_yes, for_no = (for_yes + 1, for_no) if says_yes else (for_yes, for_no + 1)
        no_words = for_no
        if not for_yes:  # "I never check"; but "good at it, never had problems" is no mixed answer
            for_no += sum(1 for i, word in enumerate(words) if word in NEGATIONS and i not in turned)
        return for_yes, for_no, no_words

    def by_meaning(self, text: str, embedding: Optional[np.ndarray] = None) -> str:
        vector = embedding if embedding is not None else self.encoder.encode([text])[0]
        if float((self.vectors @ vector).max()) < MIN_SIMILARITY:
            return AGAIN
        logits = self.weights @ vector + self.bias
        return self.labels[int(np.argmax(logits))]


def _goes_on(rest: str) -> bool:
    """Whether the part goes on after a cue: a word follows before the part's end."""
    following = PART_BREAK.search(rest)
    return bool(WORD.search(rest[: following.start()] if following else rest))


# ---------------------------------------------------------------- where the conversation stands

def next_statement(fit: CareerFit, answers: Mapping[str, str]) -> Optional[FitStatement]:
    """The first statement not answered yet; None when all have been."""
    return next((statement for statement in fit.statements if statement.id not in answers), None)


def position(fit: CareerFit, statement: FitStatement) -> Tuple[int, int]:
    """(number, of): "question 3 of 7"."""
    return fit.statements.index(statement) + 1, len(fit.statements)


def grouped(fit: CareerFit, answers: Mapping[str, str]) -> Dict[str, List[FitStatement]]:
    """The answered statements by answer, in the file's order; skipped ones are left out."""
    groups: Dict[str, List[FitStatement]] = {label: [] for label in ANSWERS}
    for statement in fit.statements:
        label = answers.get(statement.id)
        if label in groups:
            groups[label].append(statement)
    return groups


def situation_of(
    fit: Optional[CareerFit], similarities: Mapping[str, float], nearest_fact: float, least: float, margin: float
) -> Optional[FitStatement]:
    """The statement a message about oneself touches ("I'm shy"): the one whose situations it
    is closest to, at least `least`, and no more than `margin` farther than any fact's
    questions (its reply tells the statement's fact, and how the quality can be learned)."""
    if fit is None or not similarities:
        return None
    statement_id, similarity = max(similarities.items(), key=lambda item: item[1])
    if similarity < least or similarity < nearest_fact - margin:
        return None
    return fit.statement(statement_id)

