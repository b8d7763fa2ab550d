"""Read a message by meaning: which facts it asks for, and whether it is about the career.

The intent classifier only names a topic. People phrase things in ways no training
example did, tell their story before the question, or ask two things at once, so
the answering code also reads the message by sentence embeddings, clause by clause:
- a linear classifier over the embeddings of every fact's example questions (the
  `questions` of the knowledge file) says which fact a message asks for. It weighs
  every example of a fact, so it is not misled by one stray close example as the
  nearest neighbour is (docs/evaluation.md compares the two);
- the similarity to the closest example says how far a message is from anything
  the career's students ask: together with the career's names, it tells whether a
  message the intent classifier called out of scope is really about this career.
"""
import hashlib
import os
import re
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from actions.knowledge import PROJECT_ROOT, Fact, KnowledgeBase, Topic
from nlu_components.minilm import MiniLMEncoder

#: Embeddings of the example questions and the fact classifier fitted on them, reused
#: while the questions (and the classifier's settings) stay the same.
INDEX_CACHE = PROJECT_ROOT / "models" / "fact_index"
#: The NLU training data's out-of-scope examples ("how do i fix a syntax error in python"): a
#: message close to one is clearly about something else, even inside a career conversation.
OUT_OF_SCOPE_FILES = (
    PROJECT_ROOT / "data" / "nlu" / "out_of_scope.yml", PROJECT_ROOT / "data" / "nlu" / "out_of_scope_clinc150.yml",
)
OUT_OF_SCOPE_INTENT = "out_of_scope"
#: Inverse regularisation of the fact classifier (scikit-learn's C), chosen on the
#: third development set (docs/evaluation.md).
CLASSIFIER_C = 16.0

#: How a clause that asks something starts; a preamble ("I drove a truck for years")
#: is matched too, but never answered as a question of its own. A question word starts one
#: ("what ...", "and who hires them?"); a verb like "is" or "can" only when its subject
#: follows ("is it ...", "can my son ..."), since "I'm 40 and have kids" or "and is hoping
#: for a desk job" tell a story.
QUESTION_WORDS = (
    "what", "whats", "what's", "how", "hows", "how's", "where", "wheres", "where's", "who", "whos", "who's",
    "which", "when", "why", "any", "tell", "explain", "wat", "wats", "if",
)
QUESTION_VERBS = (
    "is", "are", "am", "do", "does", "did", "can", "could", "will", "would", "should", "shall", "r", "has", "have",
    "isn't", "aren't", "don't", "doesn't", "can't", "won't", "wouldn't",
)
SUBJECTS = (
    "i", "you", "u", "he", "she", "it", "they", "we", "there", "this", "that", "these", "those", "the", "a",
    "an", "my", "his", "her", "their", "your", "our", "someone", "somebody", "anyone", "anybody", "people",
    "one", "employers", "companies",
)
_LEAD = (
    r"(?:" + "|".join(map(re.escape, QUESTION_WORDS)) + r")\b"
    + r"|(?:" + "|".join(map(re.escape, QUESTION_VERBS)) + r")\s+(?:" + "|".join(map(re.escape, SUBJECTS)) + r")\b"
)
CLAUSE_BREAK = re.compile(
    rf"(?P<end>[.?!;:\n]+|(?:^|\s)\(?\d[.)](?=\s))|(?P<more>,?\s+(?:and\s+also|also|plus|and\s+then)\s+)"
    rf"|(?P<ask>,?\s+and\s+(?:\w+\s+)??(?={_LEAD})|,\s+(?={_LEAD}))",
    re.I,
)
MIN_CLAUSE_WORDS = 3
#: Words that join two things asked for in one breath.
JOINS = re.compile(r"\b(?:and|plus|also)\b|&|,", re.I)


@dataclass(frozen=True)
class FactMatch:
    """How closely a message matches a fact: the best cosine similarity between the
    message (or one of its clauses) and the fact's example questions, and the fact
    classifier's probability that the text asks for this fact."""

    topic: Topic
    fact: Fact
    similarity: float
    clause: int  # which clause matched best: 0 is the whole message
    probability: float = 0.0  # for the whole message in `Ranking.facts`, for its clause in `Ranking.questions`


@dataclass(frozen=True)
class Clause:
    text: str
    asks: bool  # a question of its own, not a preamble


@dataclass(frozen=True)
class Ranking:
    """`facts`: every fact, best first, scored by its best clause. `questions`: when the
    message has several clauses, each asking clause's own ranking of the facts."""

    facts: List[FactMatch]
    questions: List[List[FactMatch]]
    joined: bool = False  # the message joins things ("pay and outlook?"), so it may ask for several
    #: Per limit with examples, the best cosine similarity between a clause and one of them.
    limits: Dict[str, float] = field(default_factory=dict)
    #: Per statement of the career-fit conversation, the same for its situations ("I'm shy"),
    #: for the whole message only.
    situations: Dict[str, float] = field(default_factory=dict)
    #: The whole message's best similarity to an out-of-scope example of the NLU data; None
    #: when the index has none.
    out_of_scope: Optional[float] = None


def clauses(text: str) -> List[Clause]:
    """The whole message first, then (if there are several) its clauses of at least three words."""
    parts: List[Clause] = []
    position, asks_by_break = 0, False
    for found in [*CLAUSE_BREAK.finditer(text), None]:
        words = text[position: found.start() if found else len(text)].split()
        ends_with_question_mark = bool(found and found.group("end") and "?" in found.group("end"))
        leads_with_question_word = bool(re.match(_LEAD, " ".join(words), re.I))
        if len(words) >= MIN_CLAUSE_WORDS:
            parts.append(Clause(" ".join(words), asks_by_break or ends_with_question_mark or leads_with_question_word))
        if found:
            position, asks_by_break = found.end(), not found.group("end")
    return [Clause(text, True)] + (parts if len(parts) > 1 else [])


@lru_cache(maxsize=1)
def shared_encoder() -> MiniLMEncoder:
    return MiniLMEncoder.load()


class FactIndex:
    """Every fact's example questions (and its own text), embedded once, and a
    multinomial logistic regression fitted on them to tell the facts apart."""

    def __init__(
        self, knowledge: KnowledgeBase, encoder: MiniLMEncoder, cache_dir: Path = None,
        out_of_scope: Sequence[str] = (),
    ) -> None:
        self.encoder = encoder
        self.entries: List[Tuple[Topic, Fact]] = []
        texts: List[str] = []
        follow_up: List[bool] = []
        for topic in knowledge.topics.values():
            for fact in topic.facts:
                for text in (*fact.questions, fact.text, *fact.follow_ups):
                    self.entries.append((topic, fact))
                    texts.append(text)
                follow_up += [False] * (len(fact.questions) + 1) + [True] * len(fact.follow_ups)
        # A follow-up ("and per hour?") is near a message only in a conversation about its topic.
        self.follow_up_topic = np.array(
            [topic.id if is_follow_up else "" for (topic, _), is_follow_up in zip(self.entries, follow_up, strict=True)]
        )
        self.facts: List[Tuple[Topic, Fact]] = list(dict.fromkeys(self.entries))
        position = {id(fact): number for number, (_, fact) in enumerate(self.facts)}
        self.fact_of_entry = np.array([position[id(fact)] for _, fact in self.entries])
        # Each fact's entries are consecutive, in the order of self.facts: where each starts.
        self.first_entry_of_fact = np.flatnonzero(np.diff(self.fact_of_entry, prepend=-1))
        self.limit_of_example: List[str] = []
        examples: List[str] = []
        #: Per limit example, the topics it counts in: every topic ("") for an example, the
        #: limit's topics for a follow-up ("which one would you pick?").
        self.limit_example_topics: List[Tuple[str, ...]] = []
        for limit in knowledge.limits.values():
            for texts_of_kind, topics in ((limit.examples, ("",)), (limit.follow_ups, limit.topics)):
                self.limit_of_example += [limit.id] * len(texts_of_kind)
                self.limit_example_topics += [topics] * len(texts_of_kind)
                examples += texts_of_kind
        # What people say about themselves that touches a statement of the career-fit conversation.
        statements = knowledge.fit.statements if knowledge.fit else ()
        self.statement_of_situation = [statement.id for statement in statements for _ in statement.situations]
        situations = [situation for statement in statements for situation in statement.situations]
        self.vectors, self.weights, self.bias, example_vectors = self._embed_and_fit(
            texts, examples, situations, out_of_scope, cache_dir
        )
        self.limit_vectors = example_vectors[: len(examples)]
        self.situation_vectors = example_vectors[len(examples): len(examples) + len(situations)]
        self.out_of_scope_vectors = example_vectors[len(examples) + len(situations):]

    @classmethod
    def cached(cls, knowledge: KnowledgeBase, encoder: MiniLMEncoder) -> "FactIndex":
        """The index, with the NLU data's out-of-scope examples, its embeddings kept under
        models/ between starts."""
        return cls(knowledge, encoder, INDEX_CACHE, out_of_scope_examples(OUT_OF_SCOPE_FILES))

    def _embed_and_fit(
        self, texts: List[str], limit_examples: List[str], situations: List[str], out_of_scope: Sequence[str],
        cache_dir: Path = None,
    ) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The texts' embeddings, the classifier's weights (facts x dimensions) and bias, and
        the embeddings of the limits' examples, then the situations, then the out-of-scope
        examples."""
        labels = self.fact_of_entry.tolist()
        kinds = self.follow_up_topic.tolist()  # a text as a follow-up is another entry than as a question
        entries = (f"{label}\t{kind}\t{text}" for label, kind, text in zip(labels, kinds, texts, strict=True))
        limit_triples = zip(self.limit_of_example, self.limit_example_topics, limit_examples, strict=True)
        limits = (f"limit {limit_id}\t{','.join(topics)}\t{text}" for limit_id, topics, text in limit_triples)
        situation_pairs = zip(self.statement_of_situation, situations, strict=True)
        fit = (f"fit {statement}\t{text}" for statement, text in situation_pairs)
        elsewhere = (f"{OUT_OF_SCOPE_INTENT}\t{text}" for text in out_of_scope)
        key = "\n".join([*entries, *limits, *fit, *elsewhere])

        def embed_and_fit() -> Dict[str, np.ndarray]:
            vectors = self.encoder.encode(texts + limit_examples + situations + list(out_of_scope))
            weights, bias = fit_fact_classifier(vectors[: len(texts)], self.fact_of_entry, len(self.facts))
            return {"vectors": vectors[: len(texts)], "weights": weights, "bias": bias,
                    "example_vectors": vectors[len(texts):]}

        arrays = cached_arrays(cache_dir, key, embed_and_fit)
        return arrays["vectors"], arrays["weights"], arrays["bias"], arrays["example_vectors"]

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """(texts, facts): the fact classifier's probabilities for each embedded text."""
        logits = vectors @ self.weights.T + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        exponentials = np.exp(logits)
        return exponentials / exponentials.sum(axis=1, keepdims=True)

    def rank(self, text: str, embedding: Optional[np.ndarray] = None, topic: Optional[str] = None) -> Ranking:
        """`embedding`: the whole message's, when the NLU pipeline computed it already;
        `topic`: the topic under discussion, whose facts' follow-ups count. In each clause the
        follow-ups of the whole message's topic count too: "how long is the training and
        what does it cover?" asks what the training covers."""
        parts = clauses(text)
        texts = [part.text for part in parts]
        if embedding is None:
            vectors = self.encoder.encode(texts)
        else:  # clause 0 is the whole message
            vectors = np.vstack([embedding[None, :], self.encoder.encode(texts[1:])])
        similarities = vectors @ self.vectors.T  # (clauses, entries)
        out_of_context = (self.follow_up_topic != "") & (self.follow_up_topic != (topic or ""))
        similarities[0, out_of_context] = -1.0
        if len(parts) > 1:
            message_fact = np.maximum.reduceat(similarities[0], self.first_entry_of_fact).argmax()
            message_topic = self.facts[int(message_fact)][0].id
            similarities[1:, out_of_context & (self.follow_up_topic != message_topic)] = -1.0
        best = np.maximum.reduceat(similarities, self.first_entry_of_fact, axis=1)  # (clauses, facts)
        probabilities = self.probabilities(vectors)
        clause_of = best.argmax(axis=0)
        scores = best.max(axis=0)
        facts = [self._match(i, scores[i], clause_of[i], probabilities[0][i]) for i in np.argsort(-scores)]
        questions = [
            [self._match(i, best[clause][i], clause, probabilities[clause][i]) for i in np.argsort(-best[clause])]
            for clause in range(1, len(parts))
            if parts[clause].asks
        ]
        return Ranking(
            facts, questions, bool(JOINS.search(text)), self._limits(vectors, topic or ""), self._situations(vectors),
            float((self.out_of_scope_vectors @ vectors[0]).max()) if len(self.out_of_scope_vectors) else None,
        )

    def _situations(self, vectors: np.ndarray) -> Dict[str, float]:
        """Per statement of the career-fit conversation, the best similarity of the whole
        message to one of its situations (a story before a question, "former teacher, 45,
        burnt out. why would someone pick it?", asks the question)."""
        best: Dict[str, float] = {}
        if not self.statement_of_situation:
            return best
        similarities = self.situation_vectors @ vectors[0]
        for statement_id, similarity in zip(self.statement_of_situation, similarities, strict=True):
            best[statement_id] = max(best.get(statement_id, -1.0), float(similarity))
        return best

    def _limits(self, vectors: np.ndarray, topic: str) -> Dict[str, float]:
        """Per limit, the best similarity of a clause to one of its examples, and to one of
        its follow-ups while the topic of one of its facts is under discussion."""
        best: Dict[str, float] = {}
        similarities = (vectors @ self.limit_vectors.T).max(axis=0)  # best clause, per example
        for limit_id, topics, similarity in zip(
            self.limit_of_example, self.limit_example_topics, similarities, strict=True
        ):
            if "" in topics or topic in topics:
                best[limit_id] = max(best.get(limit_id, -1.0), float(similarity))
        return best

    def _match(self, fact_number: int, similarity: float, clause: int, probability: float) -> FactMatch:
        topic, fact = self.facts[fact_number]
        return FactMatch(topic, fact, float(similarity), int(clause), float(probability))


def out_of_scope_examples(paths: Sequence[Path]) -> List[str]:
    """The out-of-scope examples of Rasa NLU training files (those that exist)."""
    import yaml

    examples: List[str] = []
    for path in paths:
        if not path.exists():
            continue
        for block in yaml.safe_load(path.read_text()).get("nlu") or []:
            if block.get("intent") == OUT_OF_SCOPE_INTENT:
                examples += [line[2:].strip() for line in block["examples"].splitlines() if line.startswith("- ")]
    return examples


def cached_arrays(
    cache_dir: Optional[Path], key: str, compute: Callable[[], Dict[str, np.ndarray]]
) -> Dict[str, np.ndarray]:
    """The arrays `compute` makes from what `key` describes (embeddings and a classifier
    fitted on them), kept in `cache_dir` between starts, one file per key (the key includes
    the classifier's setting); None: computed every time. A file is written aside, then
    renamed, so two servers starting at once never read half of one."""
    if cache_dir is None:
        return compute()
    key = f"C={CLASSIFIER_C}\n{key}"
    path = cache_dir / f"{hashlib.sha256(key.encode()).hexdigest()[:16]}.npz"
    if path.exists():
        with np.load(path) as cached:
            return {name: cached[name] for name in cached.files}
    arrays = compute()
    cache_dir.mkdir(parents=True, exist_ok=True)
    for stale in [*cache_dir.glob("*.npy"), *cache_dir.glob("*.npz")]:
        stale.unlink(missing_ok=True)
    partial = cache_dir / f"{path.stem}.{os.getpid()}.tmp.npz"
    np.savez(partial, **arrays)
    os.replace(partial, path)
    return arrays


def fit_fact_classifier(vectors: np.ndarray, labels: np.ndarray, facts: int) -> Tuple[np.ndarray, np.ndarray]:
    """A multinomial logistic regression from embeddings to facts: (weights, bias), one
    row per fact (every fact has at least one example: its own text)."""
    from sklearn.linear_model import LogisticRegression

    weights = np.zeros((facts, vectors.shape[1]), dtype=np.float32)
    bias = np.zeros(facts, dtype=np.float32)
    if facts == 1:
        return weights, bias
    model = LogisticRegression(C=CLASSIFIER_C, max_iter=3000).fit(vectors, labels)
    if facts == 2:  # scikit-learn keeps one row for two classes: the second's log-odds
        weights[1], bias[1] = model.coef_[0], model.intercept_[0]
    else:
        weights[:], bias[:] = model.coef_, model.intercept_
    return weights, bias


class AspectWords:
    """How far each aspect word can be trusted to name its detail, learnt from the
    knowledge file: the share of the example questions using the word that ask for a
    fact with that aspect. "today" (recent) always does; "most" (highest) mostly appears
    in "what do most coders make", so it must not hijack the question."""

    def __init__(self, knowledge: KnowledgeBase) -> None:
        questions = [
            (fact, question.lower())
            for t in knowledge.topics.values()
            for fact in t.facts
            for question in fact.questions
        ]
        self.words = {
            aspect.id: [(re.compile(rf"\b{re.escape(word)}\b", re.I), word) for word in aspect.words]
            for aspect in knowledge.aspects.values()
        }
        self.reliability: Dict[str, float] = {}
        for aspect_id, words in self.words.items():
            for pattern, word in words:
                uses = [fact for fact, question in questions if pattern.search(question)]
                own = sum(aspect_id in fact.aspects for fact in uses)
                self.reliability[word] = (own + 1) / (len(uses) + 2)  # Laplace-smoothed share

    def weights(self, text: str, aspect_ids: Sequence[str]) -> Dict[str, float]:
        """Per aspect named in the message, the reliability of its most reliable word
        there; 1.0 when no word of it is in the text (a button's payload names it)."""
        weights = {}
        for aspect_id in aspect_ids:
            found = [self.reliability[word] for pattern, word in self.words.get(aspect_id, []) if pattern.search(text)]
            weights[aspect_id] = max(found) if found else 1.0
        return weights


#: A short message with one of these leans on what was just said ("who gives it out", "what
#: books do I need for that", "what would she study"): read against the topic under discussion.
REFERS_BACK = re.compile(r"\b(?:it|its|it's|that|those|these|them|they|there|this|one|ones|he|she|his|her)\b", re.I)
REFERS_BACK_MOST_WORDS = 12


def refers_back(text: str) -> bool:
    return len(text.split()) <= REFERS_BACK_MOST_WORDS and REFERS_BACK.search(text) is not None


#: How people point at the career the assistant is about without naming it: "would a quiet
#: person be happy in this line of work", "is that job any good", "could I pay rent doing this".
THIS_CAREER = re.compile(
    r"\b(?:this|that)\s+(?:line\s+of\s+work|job|career|field|profession|occupation|gig|role|position"
    r"|(?:kind|type|sort)\s+of\s+(?:work|job))\b|\bdoing\s+(?:this|that)\b",
    re.I,
)


#: "billing n coding", "billing & coding", "billing/coding": how people join the career's words.
JOINED_BY = re.compile(r"\s*(?:&|\+|/)\s*|\s+n\s+", re.I)
WORD = re.compile(r"[a-z]+")


def names_pattern(names: Sequence[str]) -> "re.Pattern[str]":
    """Any of the names as whole words, in the singular or the plural ("coders", "RNs")."""
    longest_first = sorted(names, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(name) for name in longest_first) + r")s?\b", re.I)


class Relevance:
    """Whether a message talks about this career: it uses one of the career's names (from
    the knowledge file), misspelt or not ("medicle biling", "codeing"; "billed" is no
    misspelling), or points at "this line of work"."""

    #: A typed word of at least TYPO_LETTERS letters within one typo (a letter left out,
    #: added, changed, or two swapped) of a word of the names with at least
    #: NAME_WORD_LETTERS letters is taken for it; within two of a word of LONG_WORD_LETTERS
    #: or more ("medicle"), if no more than a letter longer or shorter. Shorter words ("codes",
    #: "coder") differ in meaning by one letter.
    TYPO_LETTERS = 5
    NAME_WORD_LETTERS = 6
    LONG_WORD_LETTERS = 7

    def __init__(self, knowledge: KnowledgeBase) -> None:
        names = knowledge.career_names + (knowledge.career_name.lower(),)
        self.career_name = names_pattern(names)
        self.other_occupation = names_pattern(knowledge.other_occupations) if knowledge.other_occupations else None
        self.name_words = sorted(
            {word for name in names for word in WORD.findall(name) if len(word) >= self.NAME_WORD_LETTERS}
        )

    def names_another_occupation(self, text: str) -> bool:
        """Whether the text names one of the other occupations of the knowledge file ("RNs")."""
        return self.other_occupation is not None and self.other_occupation.search(text) is not None

    def names_the_career(self, text: str) -> bool:
        return bool(
            self.career_name.search(text) or THIS_CAREER.search(text) or self.career_name.search(self.respelt(text))
        )

    def respelt(self, text: str) -> str:
        """The text in lower case with "n", "&" and "/" between words read as "and", and each
        word that is nearly one of the names' words replaced by it."""
        return WORD.sub(lambda match: self._name_word_like(match.group()), JOINED_BY.sub(" and ", text.lower()))

    def _name_word_like(self, word: str) -> str:
        # a verb in the past ("my dentist billed me") is a word of its own, not a misspelt name
        if len(word) < self.TYPO_LETTERS or word in self.name_words or word.endswith("ed"):
            return word
        for name in self.name_words:
            typos = 2 if len(name) >= self.LONG_WORD_LETTERS else 1
            # one letter longer or shorter at most: "bills" is not "billing"
            if abs(len(name) - len(word)) <= 1 and typo_distance(word, name) <= typos:
                return name
        return word


def typo_distance(first: str, second: str) -> int:
    """Letters left out, added or changed, and neighbours swapped, between two words (the
    optimal string alignment distance)."""
    rows = [list(range(len(second) + 1))]
    for i, a in enumerate(first, 1):
        row = [i]
        for j, b in enumerate(second, 1):
            row.append(min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + (a != b)))
            if i > 1 and j > 1 and a == second[j - 2] and first[i - 2] == b:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


def main(argv: List[str]) -> int:
    """Embed the example questions of a knowledge file (and the career-fit quiz's example
    answers) into the caches, so the action server starts without that work (`make` runs
    this after training)."""
    from actions.knowledge import DEFAULT_KNOWLEDGE_FILE, KnowledgeFileError, load_knowledge

    try:
        knowledge = load_knowledge(argv[1] if len(argv) > 1 else DEFAULT_KNOWLEDGE_FILE)
    except KnowledgeFileError as error:
        print(f"Knowledge file error: {error}", file=sys.stderr)
        return 1
    index = FactIndex.cached(knowledge, shared_encoder())
    print(
        f"{len(index.entries)} example questions and facts embedded, fact classifier fitted, cached under {INDEX_CACHE}"
    )
    if knowledge.fit:
        from actions.career_fit import ANSWER_CACHE, AnswerReader

        reader = AnswerReader.from_file(shared_encoder(), cache_dir=ANSWER_CACHE)
        answers = len(reader.example_labels)
        print(f"{answers} example answers of the career-fit quiz embedded, cached under {ANSWER_CACHE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
