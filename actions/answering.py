"""Decide what to say to one message, given what the conversation is about.

Pure functions over the knowledge base: the inputs are what NLU read (intent
ranking, aspect words), how closely the message matches each fact by meaning
(`FactMatch`, from actions/understanding.py) and the conversation's context, so the
rules can be read and tested without Rasa or the embedding model.

The order of trust: an aspect word the student typed ("highest") picks the fact
within a topic; the intent classifier and the meaning match are weighed together to
pick the topic; when neither is sure, the student is asked to choose; a message is
declined only when it is not about the career at all, and inside a conversation about
the career only when it is clearly about something else. What the knowledge file lacks
(its limits: "pay in Ohio", "CMRS or CPC?") is said with the facts that bear on it.
"""
from dataclasses import dataclass, field, replace
from typing import Collection, Dict, List, Mapping, Optional, Sequence, Tuple

from actions.career_fit import situation_of
from actions.knowledge import Aspect, Fact, FitStatement, KnowledgeBase, Limit, Topic
from actions.understanding import OUT_OF_SCOPE_INTENT, FactMatch, Ranking

FOLLOW_UP_INTENT = "follow_up"
AFFIRM_INTENT = "affirm"

FactRef = Tuple[Topic, Fact]


@dataclass(frozen=True)
class Tuning:
    """How the signals are weighed; chosen on the development set (scripts/tune_answering.py),
    never on the held-out evaluation set. The last few are limits of the conversation
    and of a reply, not tuned."""

    intent_weight: float = 0.50  # x the intent classifier's confidence in the fact's topic
    aspect_bonus: float = 0.10  # x the trust in the aspect word (understanding.AspectWords) the fact answers
    trusted_aspect: float = 0.75  # an aspect word trusted this much picks the fact within the chosen topic
    relevant_similarity: float = 0.60  # a message this close to a known question is about the career
    floor_similarity: float = 0.55  # below this, not even a sure classifier makes it a career question
    # inside a career conversation, a message is clearly about something else only this close
    # to an out-of-scope example of the NLU data ("ok unrelated how do i fix an IndexError")
    out_of_scope_similarity: float = 0.60
    confident_intent: float = 0.80  # the classifier is sure of the topic
    answer_probability: float = 0.40  # the fact classifier this sure answers without asking ...
    answer_similarity: float = 0.75  # ... if the message is this close to a known question or NLU read a topic
    second_part_probability: float = 0.40  # another question in the message this likely to ask for a fact ...
    second_part_similarity: float = 0.55  # ... and this close to one of its examples gets it too
    # in a message joining things ("pay and outlook?"), another topic this likely is told too
    joined_probability: float = 0.25
    most_facts: int = 3  # at most this many facts in one reply
    follow_up_similarity: float = 0.45  # a follow-up this close to a fact of the topic asks for that fact
    refers_back_similarity: float = 0.30  # ... or this close, when it says "it", "that", "those"
    # a follow-up this much closer to another topic's fact (and relevant) changes the topic
    topic_change_margin: float = 0.10
    # a question landing on the fact just told gets the topic's next-best match, unless the
    # fact just told is this much closer ("does that include medical terms?" after the coverage)
    repeat_margin: float = 0.20
    # a message this close to a limit's examples, and closer than to any fact's, asks for that limit
    limit_similarity: float = 0.60
    # ... and this close to a situation of the career-fit conversation ("I'm shy"), its statement,
    # even when up to situation_margin farther than from a fact's questions
    situation_similarity: float = 0.60
    situation_margin: float = 0.05
    # the fact classifier this sure of a fact, with NLU's intent agreeing, outweighs an aspect
    # word not trusted as far as trusted_aspect and the topic under discussion ("can I move up
    # eventually?" about where people work asks about advancement); this sure of the fact
    # just told, and closest to it, it is told again ("what books do I need for it?")
    sure_fact_probability: float = 0.60
    # ... and, agreeing with the closest fact by meaning, outweighs the topic under discussion
    # unless the classifier finds one of that topic's facts this likely ("Which subjects does
    # it have?" about the CMRS is about its coverage, not the degree's coursework)
    context_probability: float = 0.20
    clarify_options: int = 3
    # Not tuned; here so that everything shaping an answer is read in one place.
    misunderstandings_before_advisor: int = 2  # this many misunderstood messages in a row offer the advisors
    most_next_steps: int = 3  # buttons (or "You could ask" items) under a reply
    # NLU's FallbackClassifier (config.yml) marks a message `unsure` below this confidence;
    # tests/test_training_data.py checks that config.yml says the same.
    nlu_fallback_threshold: float = 0.45


DEFAULT_TUNING = Tuning()


@dataclass(frozen=True)
class Message:
    """What NLU read in one message."""

    intent_ranking: Sequence[Tuple[str, float]]  # best first, without nlu_fallback
    aspect_ids: Sequence[str] = ()
    aspect_weights: Mapping[str, float] = field(default_factory=dict)  # how far each aspect word is trusted
    names_career: bool = False
    unsure: bool = False  # NLU's fallback fired: the top intent's confidence is low
    limit_ids: Sequence[str] = ()  # the knowledge file's limits the message asks about
    refers_back: bool = False  # short, with "it", "that", "those" ...: leans on what was just said
    names_other_occupation: bool = False  # "how much do RNs make?": one of the knowledge file's other occupations

    @property
    def intent(self) -> Optional[str]:
        return self.intent_ranking[0][0] if self.intent_ranking else None

    def confidence(self, intent: str) -> float:
        return next((score for name, score in self.intent_ranking if name == intent), 0.0)


@dataclass(frozen=True)
class Context:
    topic: Optional[str] = None
    facts_told: Collection[str] = ()  # fact ids
    offered_topic: Optional[str] = None  # only if the bot's last reply offered it
    last_fact: Optional[str] = None  # the first fact of the bot's last answer


@dataclass(frozen=True)
class Answer:
    """What to say: facts to tell and what the file lacks of what was asked (limits), a
    detail the topic lacks, topics to choose from, or a decline. A redirect limit alone:
    not a career question (a person's own bill). Empty: the message could not be placed
    (offer the topics)."""

    told: Tuple[FactRef, ...] = ()
    missing: Optional[Tuple[Topic, Aspect]] = None
    options: Tuple[FactRef, ...] = ()
    out_of_scope: bool = False
    limits: Tuple[Limit, ...] = ()
    #: A statement of the career-fit conversation the message touches ("I'm shy").
    situation: Optional[FitStatement] = None


def choose_answer(
    knowledge: KnowledgeBase,
    message: Message,
    context: Context,
    ranking: Optional[Ranking] = None,
    tuning: Tuning = DEFAULT_TUNING,
) -> Answer:
    """Pick the answer to one message.

    - A person's own bill or claim (a redirect limit), unless the message names the
      career, gets only the redirect.
    - "yes" accepts the topic the bot offered in its last reply, and nothing else.
    - A follow-up is read against the topic under discussion: the asked-for aspect,
      the fact its words match, or ("tell me more") the next fact not told yet.
    - Anything else is placed by meaning and intent together (`_place`), in the light of
      the topic under discussion.
    - The fact just told is not told again word for word (`_not_the_same_again`), and
      what the file lacks of the question is said with what is known (`_with_limits`).
    - Something said about oneself that touches a statement of the career-fit conversation
      ("I'm shy") gets that statement, when it is closer to its situations than to any question.
    """
    limits = _asked_limits(knowledge, message, ranking, tuning)
    redirect = _redirect(limits, message)
    if redirect:
        return Answer(limits=(redirect,))
    if ranking and ranking.facts:
        nearest_fact = ranking.facts[0].similarity
        situation = situation_of(
            knowledge.fit, ranking.situations, nearest_fact, tuning.situation_similarity, tuning.situation_margin
        )
        if situation:
            return Answer(situation=situation)
    answer = _understood(knowledge, message, context, ranking, tuning)
    answer = _not_the_same_again(answer, message, context, ranking, tuning)
    return _with_limits(knowledge, answer, [limit for limit in limits if not limit.redirect], message, tuning)


def redirect_asked(
    knowledge: KnowledgeBase, message: Message, ranking: Optional[Ranking], tuning: Tuning = DEFAULT_TUNING
) -> Optional[Limit]:
    """The redirect the message asks for (a person's own bill), whatever NLU made of it:
    "theres a code on my bill i dont get" read as asking for a person, or "how do I dispute
    a medical bill?" as asking for a source, needs the billing office all the same."""
    return _redirect(_asked_limits(knowledge, message, ranking, tuning), message)


def _asked_limits(
    knowledge: KnowledgeBase, message: Message, ranking: Optional[Ranking], tuning: Tuning
) -> List[Limit]:
    """The limits the message asks for by their words, then those by meaning."""
    by_meaning = [limit_id for limit_id in _limits_by_meaning(ranking, tuning) if limit_id not in message.limit_ids]
    return [knowledge.limits[limit_id] for limit_id in [*message.limit_ids, *by_meaning]]


def _redirect(limits: Sequence[Limit], message: Message) -> Optional[Limit]:
    """A redirect limit among them, unless the message names the career (then it is a
    question about the career that happens to mention a bill)."""
    redirect = next((limit for limit in limits if limit.redirect), None)
    return None if message.names_career else redirect


def _limits_by_meaning(ranking: Optional[Ranking], tuning: Tuning) -> List[str]:
    """The limits whose examples the message is close to, and closer than to any fact's
    questions: what its words miss ("the hospital wants 2k from me after my surgery")."""
    if not ranking or not ranking.facts:
        return []
    nearest_fact = ranking.facts[0].similarity
    return [
        limit_id for limit_id, similarity in ranking.limits.items()
        if similarity >= tuning.limit_similarity and similarity > nearest_fact
    ]


def _understood(
    knowledge: KnowledgeBase, message: Message, context: Context, ranking: Optional[Ranking], tuning: Tuning
) -> Answer:
    if message.intent == AFFIRM_INTENT and not message.unsure:
        offered = knowledge.topics.get(context.offered_topic or "")
        return Answer(told=((offered, offered.headline),)) if offered else Answer()

    current = knowledge.topics.get(context.topic or "")
    if _about_another_occupation(message):
        return Answer(out_of_scope=True)
    matches = ranking.facts if ranking else ()
    leans_on_context = message.refers_back and not _sure_of_another_topic(knowledge, message, current, tuning)
    if (message.intent == FOLLOW_UP_INTENT and not message.unsure) or (current is not None and leans_on_context):
        if current is not None:
            return _follow_up(knowledge, current, message, context, matches, tuning)
        if message.aspect_ids:
            candidates = [
                [(topic, topic.fact_for(aspect_id)) for topic in knowledge.topics_with_aspect(aspect_id)]
                for aspect_id in message.aspect_ids
            ]
            only_one_topic_has = list(dict.fromkeys(found[0] for found in candidates if len(found) == 1))
            if only_one_topic_has:
                # "how long is training and is it hard?": each detail that only one topic gives
                return Answer(told=tuple(only_one_topic_has[: tuning.most_facts]))
            # "which courses?" with no topic yet: ask which topic's detail is meant.
            return Answer(options=tuple(candidates[0][: tuning.clarify_options]))
    if not ranking:
        return _from_intent_alone(knowledge, message)
    return _place(knowledge, message, ranking, tuning, current)


def _not_the_same_again(
    answer: Answer, message: Message, context: Context, ranking: Optional[Ranking], tuning: Tuning
) -> Answer:
    """A question that lands on the fact just told ("is that a decent wage?" after the pay)
    asks for more than it: the topic's next-best match by meaning, if it is as close as a
    follow-up must be and not far behind the fact just told. Otherwise ("where do people
    get one of those?" after the degree and its community college) the fact stands, and the
    reply says it again briefly."""
    if len(answer.told) != 1 or answer.told[0][1].id != context.last_fact or not ranking:
        return answer
    topic, last = answer.told[0]
    sure = _sure_fact(ranking.facts, tuning)
    if sure is not None and sure.fact is last and ranking.facts[0].fact is last:
        # "what books do i need for it" after the exam: closest to it, and the fact classifier
        # is sure of it: it asks for the same fact again.
        return answer
    # Not the older figure of the one just told, unless asked for ("where is that figure from?").
    skipped = {last.id} | ({last.replaces} if last.replaces and "older" not in message.aspect_ids else set())
    better = next((m for m in ranking.facts if m.topic is topic and m.fact.id not in skipped), None)
    told_again = next((m.similarity for m in ranking.facts if m.fact is last), 0.0)
    if better is None or better.similarity < max(tuning.follow_up_similarity, told_again - tuning.repeat_margin):
        return answer
    return replace(answer, told=((topic, better.fact),))


def _with_limits(
    knowledge: KnowledgeBase, answer: Answer, limits: Sequence[Limit], message: Message, tuning: Tuning
) -> Answer:
    """The answer, with what the file lacks of the question and the facts that bear on it
    (each credential's, for "CMRS or CPC?"). A question about the career that asks only
    for what the file lacks gets those facts and the limit instead of a decline."""
    if not limits:
        return answer
    bearing = [knowledge.fact(fact_id) for limit in limits for fact_id in limit.facts]
    # Unsure between facts, the likeliest one bears on it ("what's the pay like around Phoenix?").
    placed = answer.told or answer.options[:1]
    told = list(dict.fromkeys([ref for ref in bearing if ref] + list(placed)))
    # A decline stands unless the message names the career ("the weather in Boston" is no
    # question about local pay, even in a conversation about pay).
    if placed or message.names_career:
        return Answer(told=tuple(told[: tuning.most_facts]), limits=tuple(limits))
    return answer


def _about_another_occupation(message: Message) -> bool:
    """"pharmacist salary 2024?", or "btw how much do RNs make?" and "how about nurses?" in a
    conversation about the pay: NLU reads it as out of scope or as a follow-up, and it names
    another occupation and not this one. Close as it is to the pay questions by meaning, it
    asks about another job. ("As a nurse, how long is the training?" is read as a question
    about the certification, and answered.)"""
    asks_the_same_of_it = message.intent in (OUT_OF_SCOPE_INTENT, FOLLOW_UP_INTENT)
    return asks_the_same_of_it and message.names_other_occupation and not message.names_career


def _intent_is_sure(message: Message, tuning: Tuning) -> bool:
    """NLU's fallback did not fire and the classifier is this sure of its top intent."""
    return not message.unsure and message.confidence(message.intent) >= tuning.confident_intent


def _sure_of_another_topic(
    knowledge: KnowledgeBase, message: Message, current: Optional[Topic], tuning: Tuning
) -> bool:
    topic = knowledge.topic_for_intent(message.intent)
    return topic is not None and topic is not current and _intent_is_sure(message, tuning)


def _follow_up(
    knowledge: KnowledgeBase, current: Topic, message: Message, context: Context,
    matches: Sequence[FactMatch], tuning: Tuning,
) -> Answer:
    """A message read against the topic under discussion: the detail its aspect word asks
    for (`_aspect_follow_up`), the fact of another topic it is clearly
    closer to, the fact of this topic it is close to (of several, the likeliest by meaning and
    the fact classifier together), or ("tell me more") the next fact not told yet, older
    figures last."""
    agreed = _agreed_fact(message, matches, tuning, current)
    by_aspect = _aspect_follow_up(knowledge, current, message, matches, tuning) if message.aspect_ids else None
    if by_aspect and not (agreed and by_aspect.told != ((agreed.topic, agreed.fact),)):
        return by_aspect
    if agreed:
        return Answer(told=((agreed.topic, agreed.fact),))
    in_topic = [match for match in matches if match.topic is current]
    best = matches[0] if matches else None
    if best and best.topic is not current and best.similarity >= tuning.relevant_similarity and (
        not in_topic or best.similarity >= in_topic[0].similarity + tuning.topic_change_margin
    ):
        return Answer(told=((best.topic, best.fact),))
    close_enough = tuning.refers_back_similarity if message.refers_back else tuning.follow_up_similarity
    near = [match for match in in_topic if match.similarity >= close_enough]
    if near:  # of the topic's facts close enough, the one meaning and classifier like best together
        pick = max(near, key=lambda match: match.probability + match.similarity)
        return Answer(told=((current, pick.fact),))
    untold = [fact for fact in current.facts if fact.id not in context.facts_told]
    untold.sort(key=lambda fact: knowledge.newer_than(fact) is not None)  # older figures last
    if untold:
        return Answer(told=((current, untold[0]),))
    following = knowledge.topics[current.next]
    # the next topic's first fact not told yet (its headline may have come up already)
    fact = next((f for f in following.facts if f.id not in context.facts_told), following.headline)
    return Answer(told=((following, fact),))


def _sure_fact(matches: Sequence[FactMatch], tuning: Tuning) -> Optional[FactMatch]:
    """The fact the fact classifier is sure of, if any."""
    best = max(matches, key=lambda match: match.probability, default=None)
    return best if best is not None and best.probability >= tuning.sure_fact_probability else None


def _agreed_fact(
    message: Message, matches: Sequence[FactMatch], tuning: Tuning, current: Optional[Topic] = None
) -> Optional[FactMatch]:
    """The fact the fact classifier is sure of, when another reading agrees: NLU's intent
    names its topic, or it is also the fact closest by meaning and the topic under
    discussion has no fact the classifier finds likely. Two readings agreeing outweigh an
    aspect word not trusted as far as `trusted_aspect` ("What mean the coding?" is no
    question about the average pay) and the topic under discussion ("can I move up
    eventually?" about where people work; "wut kinda school tho" about the duties)."""
    sure = _sure_fact(matches, tuning)
    if sure is None:
        return None
    intent_agrees = not message.unsure and sure.topic.intent == message.intent
    closest = matches[0]
    meaning_agrees = closest.fact is sure.fact and closest.similarity >= tuning.follow_up_similarity
    current_is_likely = current is not None and sure.topic is not current and any(
        match.topic is current and match.probability >= tuning.context_probability for match in matches
    )
    if not intent_agrees and not (meaning_agrees and not current_is_likely):
        return None
    trusted = [a for a in message.aspect_ids if message.aspect_weights.get(a, 1.0) >= tuning.trusted_aspect]
    return None if any(sure.topic.fact_for(a) is not sure.fact for a in trusted) else sure


def _trusted_or_likeliest(
    fact: Fact, topic: Topic, message: Message, matches: Sequence[FactMatch], tuning: Tuning
) -> bool:
    """Whether an aspect word of the message may pick this fact of the topic: a trusted
    one always; another only if the fact classifier also likes it best of the topic's facts
    ("is that more than most people make?" asks for the comparison, not the highest pay;
    "and the minimum?", for the lowest pay)."""
    weight = max(message.aspect_weights.get(a, 1.0) for a in message.aspect_ids if topic.fact_for(a) is fact)
    in_topic = [match for match in matches if match.topic is topic]
    likeliest = max(in_topic, key=lambda match: match.probability, default=None)
    return weight >= tuning.trusted_aspect or likeliest is None or likeliest.fact is fact


def _aspect_follow_up(
    knowledge: KnowledgeBase, current: Topic, message: Message, matches: Sequence[FactMatch], tuning: Tuning
) -> Optional[Answer]:
    """The detail an aspect word asks for: in the topic under discussion; else the fact for
    it in another topic that the message is as close to as a follow-up must be ("whats the
    most i could make then" about advancement); else the one topic that has it ("how many
    jobs are there?" about the certification). A trusted word that no topic answers gets
    "I can't tell you"; an untrusted one ("which one is best?") is read by meaning instead."""
    fact = _fact_for_any(current, message.aspect_ids)
    if fact:  # an untrusted word the classifier disagrees with is read by meaning instead
        trusted = _trusted_or_likeliest(fact, current, message, matches, tuning)
        return Answer(told=((current, fact),)) if trusted else None
    for match in matches:
        if match.similarity < tuning.follow_up_similarity:
            break
        if match.fact is _fact_for_any(match.topic, message.aspect_ids):
            return Answer(told=((match.topic, match.fact),))
    aspect_id = message.aspect_ids[0]
    if message.aspect_weights.get(aspect_id, 1.0) < tuning.trusted_aspect:
        return None
    elsewhere = knowledge.topics_with_aspect(aspect_id)
    if len(elsewhere) == 1:
        return Answer(told=((elsewhere[0], elsewhere[0].fact_for(aspect_id)),))
    return Answer(missing=(current, knowledge.aspects[aspect_id]))


def _place(
    knowledge: KnowledgeBase, message: Message, ranking: Ranking, tuning: Tuning, current: Optional[Topic] = None
) -> Answer:
    """Topic question, out-of-scope or unsure: weigh intent, meaning and aspect words, and
    the topic under discussion (`current`), if any."""
    best_by_topic = _best_per_topic(_score(message, ranking.facts, tuning))
    best_score, best_match = best_by_topic[0]
    intent_topic = knowledge.topic_for_intent(message.intent)
    sure_of_topic = intent_topic is best_match.topic and _intent_is_sure(message, tuning)
    current_fact = _fact_for_any(current, message.aspect_ids) if current is not None else None
    if current_fact and not _trusted_or_likeliest(current_fact, current, message, ranking.facts, tuning):
        current_fact = None
    agreed = _agreed_fact(message, ranking.facts, tuning, current)
    if agreed and current_fact and agreed.fact is not current_fact:
        return Answer(told=((agreed.topic, agreed.fact),))
    if current_fact and not (sure_of_topic and _fact_for_any(best_match.topic, message.aspect_ids)):
        # "could I change from one to another?" while talking about where people work; "and
        # the membership?" about the exam: unless another topic is sure and has that detail.
        return Answer(told=((current, current_fact),))
    if current is not None and _clearly_something_else(message, ranking, tuning):
        return Answer(out_of_scope=True)
    if current is None and _not_about_the_career(message, intent_topic, ranking, tuning):
        # Decline it, or if NLU was merely unsure of a non-topic intent, ask to rephrase.
        return Answer(out_of_scope=message.intent == OUT_OF_SCOPE_INTENT or intent_topic is not None)
    likely = best_score >= tuning.answer_probability
    # Against an intent classifier that reads the message as out of scope, only a
    # message close to a known question is answered without asking; inside a
    # conversation about the career, one not far from it.
    nearness = tuning.floor_similarity if current is not None else tuning.answer_similarity
    close = best_match.similarity >= nearness or intent_topic is not None
    if sure_of_topic or (likely and close):
        return Answer(told=tuple(_facts_to_tell(message, ranking, best_match, tuning)[: tuning.most_facts]))
    sure = _sure_fact(ranking.facts, tuning)
    if current is not None and sure and sure.topic is current and sure.similarity >= tuning.follow_up_similarity:
        # "Is high for America?" about the pay: NLU unsure, the fact classifier sure, in the topic.
        return Answer(told=((current, sure.fact),))
    return Answer(options=tuple((match.topic, match.fact) for _, match in best_by_topic[: tuning.clarify_options]))


def _clearly_something_else(message: Message, ranking: Ranking, tuning: Tuning) -> bool:
    """Inside a conversation about the career, only this is declined: the intent classifier
    is sure it is out of scope, it names none of the career's names, it is far from every
    known question, and close to an out-of-scope example (when the index has them). "wut do
    u need to bring" after the exam is no question NLU knows, but nothing like the weather or
    Python either: it is answered or clarified."""
    elsewhere = ranking.out_of_scope is None or ranking.out_of_scope >= tuning.out_of_scope_similarity
    return _surely_out_of_scope(message, tuning) and ranking.facts[0].similarity < tuning.floor_similarity and elsewhere


def _not_about_the_career(message: Message, intent_topic: Optional[Topic], ranking: Ranking, tuning: Tuning) -> bool:
    """No sign that the message is about the career: it names none of its names, and it is
    far from every known question (or not even near, whatever NLU's topic), or NLU is sure
    it is out of scope and it is closer to an out-of-scope example than to any question
    ("what does a real estate licence take, and how long?")."""
    top_similarity = ranking.facts[0].similarity
    relevant = message.names_career or top_similarity >= tuning.relevant_similarity
    unrelated = not message.names_career and top_similarity < tuning.floor_similarity
    elsewhere = (
        _surely_out_of_scope(message, tuning) and ranking.out_of_scope is not None
        and ranking.out_of_scope > top_similarity
    )
    return (intent_topic is None and not relevant) or unrelated or elsewhere


def _surely_out_of_scope(message: Message, tuning: Tuning) -> bool:
    """NLU is sure the message is out of scope, and it names none of the career's names."""
    return message.intent == OUT_OF_SCOPE_INTENT and _intent_is_sure(message, tuning) and not message.names_career


def _facts_to_tell(message: Message, ranking: Ranking, best_match: FactMatch, tuning: Tuning) -> List[FactRef]:
    """The facts a placed message asks for: those its trusted aspect words name in the best
    topic, the best match, each other question's fact, and the other topics of a message
    that joins things."""
    told = [(best_match.topic, fact) for fact in _trusted_aspect_facts(best_match.topic, message, tuning)]
    if not told or best_match.probability >= tuning.second_part_probability:
        # "how long is it and what does it cover?": the fact classifier's choice beside the aspect word's.
        _add(told, best_match)
    for question in ranking.questions:
        # The intent classifier read the whole message, so its topic says nothing about one part.
        score, match = _score(message, question, tuning, weigh_intent=False)[0]
        if score >= tuning.second_part_probability and match.similarity >= tuning.second_part_similarity:
            _add(told, match)
    if ranking.joined:
        # "pay and outlook?": no clause of its own, but the classifier splits its belief between topics.
        for match in ranking.facts:
            other_topic = match.topic not in [topic for topic, _ in told]
            likely = match.probability >= tuning.joined_probability
            if other_topic and likely and match.similarity >= tuning.second_part_similarity:
                _add(told, match)
    return told


def _add(told: List[FactRef], match: FactMatch) -> None:
    if match.fact not in [fact for _, fact in told]:
        told.append((match.topic, match.fact))


def _score(
    message: Message, matches: Sequence[FactMatch], tuning: Tuning, weigh_intent: bool = True
) -> List[Tuple[float, FactMatch]]:
    """Each fact's probability by the fact classifier, weighed with the intent
    classifier's confidence in its topic (unless `weigh_intent` is off) and a bonus for
    the fact its topic gives for the message's aspect words. Best first."""
    scored = []
    for match in matches:
        score = match.probability
        if weigh_intent:
            score += tuning.intent_weight * message.confidence(match.topic.intent)
        aspect = next((a for a in message.aspect_ids if match.topic.fact_for(a)), None)
        if aspect and match.fact is match.topic.fact_for(aspect):
            score += tuning.aspect_bonus * message.aspect_weights.get(aspect, 1.0)
        scored.append((score, match))
    return sorted(scored, key=lambda pair: -pair[0])


def _trusted_aspect_facts(topic: Topic, message: Message, tuning: Tuning) -> List[Fact]:
    """The topic's facts for aspect words that almost always mean that detail ("today",
    "hourly"): such a word outweighs a whole-sentence match with the topic's headline,
    and two of them ("lowest and highest pay?") ask for two facts."""
    trusted = [a for a in message.aspect_ids if message.aspect_weights.get(a, 1.0) >= tuning.trusted_aspect]
    return list(dict.fromkeys(fact for fact in map(topic.fact_for, trusted) if fact))


def _best_per_topic(scored: Sequence[Tuple[float, FactMatch]]) -> List[Tuple[float, FactMatch]]:
    best: Dict[str, Tuple[float, FactMatch]] = {}
    for score, match in scored:
        best.setdefault(match.topic.id, (score, match))
    return list(best.values())


def _from_intent_alone(knowledge: KnowledgeBase, message: Message) -> Answer:
    """Without words to match (a button's payload), the intent and aspects decide."""
    if message.intent == OUT_OF_SCOPE_INTENT:
        return Answer(out_of_scope=True)
    topic = knowledge.topic_for_intent(message.intent)
    if topic is None or message.unsure:
        return Answer()
    return Answer(told=((topic, _fact_for_any(topic, message.aspect_ids) or topic.headline),))


def _fact_for_any(topic: Topic, aspect_ids: Sequence[str]) -> Optional[Fact]:
    """The fact for the first of the aspects that this topic answers."""
    facts = (topic.fact_for(aspect_id) for aspect_id in aspect_ids)
    return next((fact for fact in facts if fact), None)
