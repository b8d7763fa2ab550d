"""Relevance, ranking by meaning and the answering decisions, on a small made-up
knowledge file (a bakery career), so they are tested apart from this career's data."""
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from actions.answering import Context, Message, Tuning, choose_answer
from actions.knowledge import load_knowledge
from actions.understanding import (
    FactIndex,
    FactMatch,
    Ranking,
    Relevance,
    clauses,
    fit_fact_classifier,
    refers_back,
    shared_encoder,
)
from nlu_components.minilm import as_text, from_text
from tests.knowledge_files import MADE_UP_CAREER_FILE

BAKERY = Path(__file__).parent / "bakery.yml"


@pytest.fixture(scope="module")
def bakery():
    knowledge = load_knowledge(BAKERY)
    return knowledge, FactIndex(knowledge, shared_encoder())


def test_clauses_split_two_questions_but_keep_short_fragments_together():
    assert [c.text for c in clauses("do I need a degree, and who hires people like this?")] == [
        "do I need a degree, and who hires people like this?", "do I need a degree", "who hires people like this",
    ]
    assert [c.text for c in clauses("pay and hours?")] == ["pay and hours?"]


def test_a_story_before_the_question_is_not_a_question_of_its_own():
    parts = clauses("I drove a truck for eight years. My knees are done. So what would I do all day?")
    assert [(c.text, c.asks) for c in parts[1:]] == [
        ("I drove a truck for eight years", False), ("My knees are done", False), ("So what would I do all day", True),
    ]


def test_after_also_the_rest_is_a_question_of_its_own():
    parts = clauses("is there newer pay data and also newer job growth numbers")
    assert [(c.text, c.asks) for c in parts[1:]] == [
        ("is there newer pay data", True), ("newer job growth numbers", True)
    ]


@pytest.mark.parametrize("text, about_the_career", [
    ("my son wants to become a Pastry Chef, is that wise", True),
    ("are bakers happy", True),
    ("I love bakeries and cakes", False),  # names as whole words only
    ("would a quiet person be happy in this line of work", True),  # pointing at it counts too
    ("could I pay my rent doing this", True),
    ("is there traffic between here and work", False),
    ("is a pastery chef a good job", True),  # a long word misspelt by a letter or two
    ("whats a patsry chef do", True),
    ("bakr", False),  # too short to tell from other words
    ("I want to be a pastor", False),
    ("the bakery worked me too hard", False),  # a verb in the past, not "bakery worker" misspelt
])
def test_relevance_finds_the_career_named_or_pointed_at(bakery, text, about_the_career):
    knowledge, _ = bakery
    assert Relevance(knowledge).names_the_career(text) is about_the_career


def test_ranking_finds_a_fact_by_meaning_not_by_shared_words(bakery):
    knowledge, index = bakery
    best = index.rank("could someone pay the rent on a bread maker's paycheck").facts[0]
    assert best.fact is knowledge.topics["pay"].headline
    assert index.rank("would I have to wake up before dawn for this job").facts[0].fact.aspects == ("early",)


def test_the_fact_classifier_gives_each_fact_a_probability(bakery):
    knowledge, index = bakery
    ranking = index.rank("at what hour in the morning would a baker have to show up")
    assert sum(m.probability for m in ranking.facts) == pytest.approx(1.0, abs=1e-4)
    assert max(ranking.facts, key=lambda m: m.probability).fact.id == "bakers_hours"


@pytest.mark.parametrize("facts", [1, 2, 3])
def test_the_fact_classifier_fits_any_number_of_facts(facts):
    vectors = np.eye(4, dtype=np.float32)[[0, 1, 2, 0, 1, 2]]
    labels = np.array([0, 1, 2, 0, 1, 2]) % facts
    weights, bias = fit_fact_classifier(vectors, labels, facts)
    assert weights.shape == (facts, 4) and bias.shape == (facts,)
    predicted = (vectors @ weights.T + bias).argmax(axis=1)
    assert facts == 1 or (predicted[:3] == labels[:3]).all()


def test_list_numbers_split_the_questions():
    parts = clauses("1) what do bakers earn a year 2) is the bread trade growing")
    assert [(c.text, c.asks) for c in parts[1:]] == [
        ("what do bakers earn a year", True), ("is the bread trade growing", True)
    ]


def test_ranking_reads_the_question_after_a_long_preamble(bakery):
    knowledge, index = bakery
    ranking = index.rank(
        "I worked in a warehouse for ten years and hurt my back. So what do bakers actually do all day?"
    )
    assert ranking.facts[0].fact is knowledge.topics["duties"].headline
    assert ranking.facts[0].clause > 0, "the question's own clause matched, not the story"
    assert len(ranking.questions) == 1, "the story is not a question of its own"


def test_each_question_of_a_two_part_message_finds_its_fact(bakery):
    knowledge, index = bakery
    ranking = index.rank("what does a baker do all day, and how much do they earn?")
    assert [question[0].fact for question in ranking.questions] == [
        knowledge.topics["duties"].headline, knowledge.topics["pay"].headline,
    ]


def test_the_intent_and_a_sure_fact_classifier_agreeing_outweigh_an_untrusted_aspect_word(bakery):
    """"What mean the coding?" is no question about the average pay: NLU's intent and the
    fact classifier both read the other topic's fact."""
    knowledge, _ = bakery
    duties, pay = knowledge.topics["duties"], knowledge.topics["pay"]
    ranking = ranked(
        match(knowledge, "pay", 0, 0.7, probability=0.9), match(knowledge, "duties", 1, 0.5, probability=0.05)
    )
    untrusted = Message([("ask_pay", 0.95)], aspect_ids=["early"], aspect_weights={"early": 0.4})
    told = choose_answer(knowledge, untrusted, Context(topic="duties"), ranking, Tuning()).told
    assert told == ((pay, pay.headline),)
    trusted = replace(untrusted, aspect_weights={"early": 0.9})
    told = choose_answer(knowledge, trusted, Context(topic="duties"), ranking, Tuning()).told
    assert told == ((duties, duties.fact_for("early")),), "a trusted aspect word still picks its detail"
    another_intent = replace(untrusted, intent_ranking=[("ask_duties", 0.95)])
    closest_in_topic = ranked(
        match(knowledge, "duties", 1, 0.7, probability=0.05), match(knowledge, "pay", 0, 0.6, probability=0.9)
    )
    told = choose_answer(knowledge, another_intent, Context(topic="duties"), closest_in_topic, Tuning()).told
    assert told == ((duties, duties.fact_for("early")),), "the classifier alone does not outweigh it"


@pytest.mark.parametrize("in_topic_probability, expected_topic", [(0.05, "pay"), (0.3, "duties")],
                         ids=["topic unlikely", "topic likely"])
def test_the_fact_classifier_and_the_closest_fact_agreeing_change_the_topic_unless_it_is_likely(
    bakery, in_topic_probability, expected_topic
):
    """"wut kinda school tho" about the duties, read as a follow-up: the fact classifier is
    sure of the degree, which is also the closest fact by meaning, and no fact of the duties
    is likely: the degree is told. "Which subjects does it have?" about the CMRS, with the
    degree's coursework closest but the CMRS coverage likely too, stays with the CMRS."""
    knowledge, _ = bakery
    message = Message([("follow_up", 0.99)], refers_back=True)
    ranking = ranked(
        match(knowledge, "pay", 0, 0.5, probability=0.9 - in_topic_probability),
        match(knowledge, "duties", 1, 0.45, probability=in_topic_probability),
    )
    told = choose_answer(knowledge, message, Context(topic="duties"), ranking, Tuning()).told
    assert [topic.id for topic, _ in told] == [expected_topic]


@pytest.mark.parametrize("weight, expected", [(0.3, 0), (0.9, 1)], ids=["untrusted", "trusted"])
def test_an_untrusted_aspect_word_picks_its_fact_only_if_the_classifier_likes_no_other_better(
    bakery, weight, expected
):
    """"is that more than most people make?" about the pay: "most" rarely means the highest
    pay, and the fact classifier likes the comparison better; a trusted word ("hourly") still
    decides."""
    knowledge, _ = bakery
    duties = knowledge.topics["duties"]
    message = Message([("follow_up", 0.95)], aspect_ids=["early"], aspect_weights={"early": weight})
    ranking = ranked(
        match(knowledge, "duties", 0, 0.7, probability=0.5), match(knowledge, "duties", 1, 0.5, probability=0.4)
    )
    answer = choose_answer(knowledge, message, Context(topic="duties"), ranking, Tuning())
    assert answer.told == ((duties, duties.facts[expected]),)


def test_of_two_close_facts_of_the_topic_a_follow_up_gets_the_one_both_readings_like_best(bakery):
    """"is that per year?" about the pay: the highest and the lowest pay are closest by a
    hair, but the fact classifier is sure of the median: the median is told."""
    knowledge, _ = bakery
    duties = knowledge.topics["duties"]
    message = Message([("follow_up", 0.99)])
    ranking = ranked(
        match(knowledge, "duties", 0, 0.50, probability=0.05), match(knowledge, "duties", 1, 0.47, probability=0.5)
    )
    told = choose_answer(knowledge, message, Context(topic="duties"), ranking, Tuning()).told
    assert told == ((duties, duties.facts[1]),)


def test_nlu_unsure_in_a_conversation_but_the_fact_classifier_sure_of_a_fact_of_its_topic(bakery):
    """"Is high for America?" about the pay is answered, not met with a clarifying question;
    out of a conversation it still is."""
    knowledge, _ = bakery
    pay = knowledge.topics["pay"]
    message = Message([("follow_up", 0.3), ("ask_duties", 0.2)], unsure=True)
    ranking = ranked(
        match(knowledge, "pay", 0, 0.5, probability=0.9), match(knowledge, "duties", 0, 0.4, probability=0.05)
    )
    assert choose_answer(knowledge, message, Context(topic="pay"), ranking, Tuning()).told == ((pay, pay.headline),)
    assert not choose_answer(knowledge, message, Context(), ranking, Tuning()).told


def match(knowledge, topic, index, similarity, clause=0, probability=None):
    """A made-up match; the fact classifier's probability is the similarity unless given."""
    fact = knowledge.topics[topic].facts[index]
    probability = similarity if probability is None else probability
    return FactMatch(knowledge.topics[topic], fact, similarity, clause, probability)


def ranked(*matches, questions=(), out_of_scope=None):
    return Ranking(sorted(matches, key=lambda m: -m.similarity), list(questions), out_of_scope=out_of_scope)


def test_the_ranking_says_how_close_a_message_is_to_the_out_of_scope_examples(bakery):
    knowledge, _ = bakery
    index = FactIndex(knowledge, shared_encoder(), out_of_scope=["what's the weather tomorrow", "tell me a joke"])
    assert index.rank("whats the weather tomorrow").out_of_scope == pytest.approx(1.0, abs=0.05)
    assert index.rank("what time do bakers start?").out_of_scope < 0.5
    assert FactIndex(knowledge, shared_encoder()).rank("tell me a joke").out_of_scope is None


@pytest.mark.parametrize("out_of_scope, declined", [(0.9, True), (0.4, False), (None, True)])
def test_inside_a_conversation_only_a_message_like_an_out_of_scope_example_is_declined(bakery, out_of_scope, declined):
    """"wut do u need to bring" after the hours: NLU sure it is out of scope, far from every
    question, but nothing like the out-of-scope examples either: asked about, not declined."""
    knowledge, _ = bakery
    message = Message([("out_of_scope", 0.99)])
    ranking = ranked(match(knowledge, "duties", 1, 0.4), match(knowledge, "pay", 0, 0.3), out_of_scope=out_of_scope)
    answer = choose_answer(knowledge, message, Context(topic="duties", last_fact="bakers_work"), ranking, Tuning())
    assert answer.out_of_scope is declined
    assert declined or answer.options or answer.told


@pytest.mark.parametrize("out_of_scope, declined", [(0.85, True), (0.6, False), (None, False)])
def test_a_first_message_closer_to_an_out_of_scope_example_than_to_any_question_is_declined(
    bakery, out_of_scope, declined
):
    """"What does a real estate licence take, and how long?": near the training questions,
    nearer still to the out-of-scope examples, and NLU sure it is out of scope."""
    knowledge, _ = bakery
    ranking = ranked(match(knowledge, "pay", 0, 0.7), match(knowledge, "duties", 0, 0.3), out_of_scope=out_of_scope)
    answer = choose_answer(knowledge, Message([("out_of_scope", 0.99)]), Context(), ranking, Tuning())
    assert answer.out_of_scope is declined


def test_out_of_scope_by_the_classifier_but_close_to_a_known_question_is_answered(bakery):
    knowledge, _ = bakery
    answer = choose_answer(
        knowledge, Message([("out_of_scope", 0.9)]), Context(),
        ranked(match(knowledge, "pay", 0, 0.8), match(knowledge, "duties", 0, 0.3)), Tuning(),
    )
    assert answer.told == ((knowledge.topics["pay"], knowledge.topics["pay"].headline),)


def test_a_message_naming_the_career_is_never_declined(bakery):
    knowledge, _ = bakery
    answer = choose_answer(
        knowledge, Message([("out_of_scope", 0.99)], names_career=True), Context(),
        ranked(match(knowledge, "pay", 0, 0.3), match(knowledge, "duties", 0, 0.28)), Tuning(),
    )
    assert not answer.out_of_scope
    assert [topic.id for topic, _ in answer.options] == ["pay", "duties"]


def test_far_from_every_question_and_not_naming_the_career_is_declined(bakery):
    knowledge, _ = bakery
    answer = choose_answer(
        knowledge, Message([("out_of_scope", 0.99)]), Context(),
        ranked(match(knowledge, "pay", 0, 0.2), match(knowledge, "duties", 0, 0.1)), Tuning(),
    )
    assert answer.out_of_scope


def test_unsure_between_topics_asks_with_the_likely_facts(bakery):
    knowledge, _ = bakery
    answer = choose_answer(
        knowledge, Message([("ask_pay", 0.4), ("ask_duties", 0.35)], unsure=True), Context(),
        ranked(match(knowledge, "duties", 1, 0.62, probability=0.3), match(knowledge, "pay", 0, 0.6, probability=0.25)),
        Tuning(intent_weight=0.1),
    )
    assert [(topic.id, fact.aspects) for topic, fact in answer.options] == [("duties", ("early",)), ("pay", ())]


def test_a_sure_classifier_and_an_aspect_word_pick_the_detail(bakery):
    knowledge, _ = bakery
    answer = choose_answer(
        knowledge, Message([("ask_duties", 0.97)], aspect_ids=["early"]), Context(),
        ranked(match(knowledge, "duties", 0, 0.6), match(knowledge, "duties", 1, 0.55)), Tuning(),
    )
    assert answer.told[0][1].aspects == ("early",)


def test_a_second_question_is_read_without_the_intent_of_the_whole_message(bakery):
    """The intent classifier named the first question's topic; the second question's
    own clause decides its fact."""
    knowledge, _ = bakery
    answer = choose_answer(
        knowledge, Message([("ask_duties", 0.99)]), Context(),
        ranked(
            match(knowledge, "duties", 0, 0.8, clause=1),
            questions=[[match(knowledge, "duties", 1, 0.6, clause=2, probability=0.4),
                        match(knowledge, "pay", 0, 0.6, clause=2, probability=0.55)]],
        ),
        Tuning(intent_weight=0.3, second_part_probability=0.5),
    )
    assert [fact.id for _, fact in answer.told] == ["bakers_work", "bakers_pay"]


def test_an_unsure_intent_classifier_is_overruled_by_a_sure_fact_classifier(bakery):
    knowledge, _ = bakery
    answer = choose_answer(
        knowledge, Message([("ask_pay", 0.5), ("ask_duties", 0.4)], unsure=True), Context(),
        ranked(match(knowledge, "duties", 1, 0.66, probability=0.8), match(knowledge, "pay", 0, 0.6, probability=0.1)),
        Tuning(answer_probability=0.5),
    )
    assert [fact.id for _, fact in answer.told] == ["bakers_hours"]


def test_out_of_scope_by_the_classifier_and_not_close_to_any_question_is_not_answered(bakery):
    """However sure the fact classifier (its probabilities always add up to one), a
    message NLU calls out of scope is answered only when close to a known question."""
    knowledge, _ = bakery
    answer = choose_answer(
        knowledge, Message([("out_of_scope", 0.99)]), Context(),
        ranked(match(knowledge, "pay", 0, 0.62, probability=0.95)), Tuning(answer_similarity=0.7),
    )
    assert not answer.told


def test_a_message_joining_two_topics_without_clauses_gets_both(bakery):
    """"pay and hours?": the fact classifier splits its belief between two topics."""
    knowledge, _ = bakery
    message = Message([("ask_pay", 0.99)])
    matches = (match(knowledge, "pay", 0, 0.7, probability=0.6), match(knowledge, "duties", 1, 0.65, probability=0.35))
    joined = Ranking(list(matches), [], joined=True)
    tuning = Tuning(joined_probability=0.25, second_part_similarity=0.55)
    told = choose_answer(knowledge, message, Context(), joined, tuning).told
    assert [f.id for _, f in told] == ["bakers_pay", "bakers_hours"]
    alone = Ranking(list(matches), [], joined=False)
    assert [f.id for _, f in choose_answer(knowledge, message, Context(), alone, tuning).told] == ["bakers_pay"]


def test_an_aspect_word_and_a_sure_fact_classifier_each_get_their_fact(bakery):
    """"how early do they start and what do they do?": the aspect word names one fact, the
    fact classifier is sure of another: both are told."""
    knowledge, _ = bakery
    answer = choose_answer(
        knowledge, Message([("ask_duties", 0.99)], aspect_ids=["early"], aspect_weights={"early": 0.9}), Context(),
        ranked(
            match(knowledge, "duties", 0, 0.8, probability=0.7), match(knowledge, "duties", 1, 0.7, probability=0.2)
        ),
        Tuning(second_part_probability=0.4),
    )
    assert [f.id for _, f in answer.told] == ["bakers_hours", "bakers_work"]


def test_a_second_question_in_another_clause_gets_its_answer_too(bakery):
    knowledge, _ = bakery
    answer = choose_answer(
        knowledge, Message([("ask_duties", 0.9)]), Context(),
        ranked(
            match(knowledge, "duties", 0, 0.8, clause=1), match(knowledge, "pay", 0, 0.75, clause=2),
            questions=[[match(knowledge, "duties", 0, 0.8, clause=1)], [match(knowledge, "pay", 0, 0.75, clause=2)]],
        ),
        Tuning(),
    )
    assert [topic.id for topic, _ in answer.told] == ["duties", "pay"]


def test_yes_answers_only_an_offer_made_in_the_last_reply(bakery):
    knowledge, _ = bakery
    assert choose_answer(knowledge, Message([("affirm", 0.99)]), Context(offered_topic=None)).told == ()
    told = choose_answer(knowledge, Message([("affirm", 0.99)]), Context(offered_topic="pay")).told
    assert told == ((knowledge.topics["pay"], knowledge.topics["pay"].headline),)


def test_a_follow_up_whose_words_match_a_fact_of_the_topic_gets_that_fact(bakery):
    knowledge, index = bakery
    answer = choose_answer(
        knowledge, Message([("follow_up", 0.9)]), Context(topic="duties", facts_told=["bakers_work"]),
        index.rank("so what time would I have to start?"), Tuning(),
    )
    assert answer.told[0][1].aspects == ("early",)


def test_a_fact_s_follow_ups_count_only_in_a_conversation_about_its_topic(bakery):
    """"is that before sunrise?" asks for the working hours after the baker's work, not out of the blue."""
    _, index = bakery

    def similarity_to_hours(topic):
        ranking = index.rank("is that before sunrise?", topic=topic)
        return next(match.similarity for match in ranking.facts if match.fact.id == "bakers_hours")

    assert similarity_to_hours("duties") == pytest.approx(1.0, abs=1e-3)
    assert similarity_to_hours(None) < 0.9 and similarity_to_hours("pay") == similarity_to_hours(None)


def test_a_later_clause_may_lean_on_the_topic_of_the_first(bakery):
    """"what does a baker do, and is that before sunrise?": the second clause is the hours'
    follow-up, though no conversation is under way."""
    _, index = bakery
    ranking = index.rank("what does a baker do, and is that before sunrise?")
    assert ranking.facts[0].fact.id == "bakers_work"
    second = ranking.questions[-1]
    assert second[0].fact.id == "bakers_hours" and second[0].similarity > 0.95


def test_a_limit_is_found_by_the_meaning_of_its_examples_where_its_words_miss(bakery):
    knowledge, index = bakery

    def limits(text):
        answer = choose_answer(knowledge, Message([("out_of_scope", 0.9)]), Context(), index.rank(text), Tuning())
        return [limit.id for limit in answer.limits]

    assert limits("the croissants I bought this morning were stale, can I get my money back?") == ["own_order"]
    assert limits("how much does a baker earn a year?") == []


def test_a_limit_s_follow_ups_count_only_in_a_conversation_about_the_topic_of_its_facts(bakery):
    """"which of those places pays the most?" asks for pay by bakery while the pay is under discussion."""
    _, index = bakery
    question = "which of those places pays the most?"
    assert index.rank(question, topic="pay").limits["pay_by_bakery"] == pytest.approx(1.0, abs=1e-3)
    assert "pay_by_bakery" not in index.rank(question, topic="duties").limits
    assert "pay_by_bakery" not in index.rank(question).limits


@pytest.mark.parametrize("text, intent, declined", [
    ("and how much does a butcher make?", "out_of_scope", True),
    ("how about baristas?", "follow_up", True),  # asks the same of another job
    ("does a baker earn more than a butcher?", "out_of_scope", False),  # names the career too
    ("I was a barista, how much would I earn?", "ask_pay", False),  # read as a question about the pay
])
def test_inside_a_conversation_a_question_about_another_occupation_is_declined(bakery, text, intent, declined):
    knowledge, index = bakery
    relevance = Relevance(knowledge)
    message = Message(
        [(intent, 0.7)], names_career=relevance.names_the_career(text),
        names_other_occupation=relevance.names_another_occupation(text),
    )
    context = Context(topic="pay", facts_told=["bakers_pay"])
    answer = choose_answer(knowledge, message, context, index.rank(text), Tuning())
    assert answer.out_of_scope is declined


def test_out_of_a_conversation_a_question_about_another_occupation_is_declined_too(bakery):
    """"pharmacist salary 2024?" as a first message: close to the pay questions, about another job."""
    knowledge, _ = bakery
    names_butcher = Relevance(knowledge).names_another_occupation("butcher salary 2024?")
    message = Message([("out_of_scope", 0.99)], names_other_occupation=names_butcher)
    close_to_the_pay = ranked(match(knowledge, "pay", 0, 0.65), match(knowledge, "duties", 0, 0.3))
    assert choose_answer(knowledge, message, Context(), close_to_the_pay, Tuning()).out_of_scope


def test_the_embedding_from_the_nlu_pipeline_ranks_as_encoding_again_would(bakery):
    """The action server takes the message's embedding from the parse result instead of
    running the model again: the ranking must not change, for one clause or several."""
    _, index = bakery
    texts = ["what do the bread rolls cost", "I baked at home for years, so what would I do all day? and who hires?"]
    for text in texts:
        carried = from_text(as_text(shared_encoder().encode([text])[0]))
        again, given = index.rank(text), index.rank(text, carried)
        assert [m.fact.id for m in given.facts] == [m.fact.id for m in again.facts]
        assert [m.similarity for m in given.facts] == pytest.approx([m.similarity for m in again.facts])
        assert len(given.questions) == len(again.questions)


def test_inside_a_conversation_a_message_far_from_every_question_is_clarified_not_declined(bakery):
    """Out of a conversation it would be declined (the test above); talking about pay, only
    what is clearly about something else is."""
    knowledge, _ = bakery
    answer = choose_answer(
        knowledge, Message([("out_of_scope", 0.6)]), Context(topic="pay"),
        ranked(match(knowledge, "pay", 0, 0.2), match(knowledge, "duties", 0, 0.1)), Tuning(),
    )
    assert not answer.out_of_scope and answer.options


def test_inside_a_conversation_what_is_clearly_something_else_is_declined(bakery):
    knowledge, _ = bakery
    answer = choose_answer(
        knowledge, Message([("out_of_scope", 0.99)]), Context(topic="pay"),
        ranked(match(knowledge, "pay", 0, 0.2), match(knowledge, "duties", 0, 0.1)), Tuning(),
    )
    assert answer.out_of_scope


def test_inside_a_conversation_an_aspect_word_of_the_topic_under_discussion_picks_its_fact(bakery):
    knowledge, _ = bakery
    duties = knowledge.topics["duties"]
    answer = choose_answer(
        knowledge, Message([("out_of_scope", 0.5)], aspect_ids=["early"]), Context(topic="duties"),
        ranked(match(knowledge, "pay", 0, 0.5), match(knowledge, "duties", 0, 0.4)), Tuning(),
    )
    assert answer.told == ((duties, duties.fact_for("early")),)


@pytest.mark.parametrize("told_again, next_best, told_again_probability, expected", [
    # "is that good money?" after the median pay: the comparison with other incomes
    (0.8, 0.65, 0.5, 1),
    # "does that include medical terms?" right after what the training covers: that fact again
    (0.7, 0.48, 0.5, 0),
    # "where do people get one of those?" right after the degree: the degree again, briefly
    (0.8, 0.2, 0.5, 0),
    # "what books do i need for it" right after the exam: closest to it, and the classifier
    # is sure of it
    (0.57, 0.47, 0.7, 0),
], ids=["next-best-close", "told-far-closer", "nothing-else-close", "sure-of-the-fact-told"])
def test_a_question_landing_on_the_fact_just_told(bakery, told_again, next_best, told_again_probability, expected):
    """gets the topic's next-best match, unless that is far behind or not close at all, or
    the fact classifier is sure of the fact just told."""
    knowledge, _ = bakery
    duties = knowledge.topics["duties"]
    answer = choose_answer(
        knowledge, Message([("ask_duties", 0.95)]), Context(topic="duties", last_fact=duties.headline.id),
        ranked(
            match(knowledge, "duties", 0, told_again, probability=told_again_probability),
            match(knowledge, "duties", 1, next_best, probability=1 - told_again_probability),
        ),
        Tuning(),
    )
    assert answer.told == ((duties, duties.facts[expected]),)


@pytest.mark.parametrize("text, leans", [
    ("who gives it out", True), ("what books do i need for that", True), ("what would she study", True),
    ("how much does a baker earn", False),
    ("and if i get it, what is a day like, and is it something i could still do in ten years time", False),
])
def test_a_short_message_saying_it_or_that_leans_on_what_was_just_said(text, leans):
    assert refers_back(text) is leans


def test_a_message_leaning_on_context_is_read_against_the_topic_under_discussion(bakery):
    """"who gives it out" after the duties: the duties' closest fact, though the classifier
    calls it out of scope and it is far from every known question."""
    knowledge, _ = bakery
    duties = knowledge.topics["duties"]
    answer = choose_answer(
        knowledge, Message([("out_of_scope", 0.99)], refers_back=True), Context(topic="duties"),
        ranked(match(knowledge, "duties", 1, 0.35), match(knowledge, "pay", 0, 0.2)), Tuning(),
    )
    assert answer.told == ((duties, duties.facts[1]),)


def test_a_follow_up_clearly_closer_to_another_topic_changes_the_topic(bakery):
    knowledge, _ = bakery
    pay = knowledge.topics["pay"]
    answer = choose_answer(
        knowledge, Message([("follow_up", 0.9)]), Context(topic="duties"),
        ranked(match(knowledge, "pay", 0, 0.8), match(knowledge, "duties", 0, 0.5)), Tuning(),
    )
    assert answer.told == ((pay, pay.headline),)


def test_an_aspect_of_the_topic_under_discussion_beats_a_sure_topic_without_it(bakery):
    """"what was it back in the day" about pay, misread as a duties question: the detail
    the duties lack is the pay's."""
    knowledge, _ = bakery
    duties = knowledge.topics["duties"]
    answer = choose_answer(
        knowledge, Message([("ask_pay", 0.99)], aspect_ids=["early"]), Context(topic="duties"),
        ranked(match(knowledge, "pay", 0, 0.5), match(knowledge, "duties", 0, 0.3)), Tuning(),
    )
    assert answer.told == ((duties, duties.fact_for("early")),)


def test_an_aspect_of_the_topic_under_discussion_is_not_declined(bakery):
    knowledge, _ = bakery
    duties = knowledge.topics["duties"]
    answer = choose_answer(
        knowledge, Message([("out_of_scope", 0.99)], aspect_ids=["early"]), Context(topic="duties"),
        ranked(match(knowledge, "pay", 0, 0.2), match(knowledge, "duties", 0, 0.1)), Tuning(),
    )
    assert answer.told == ((duties, duties.fact_for("early")),)


def test_a_detail_another_topic_answers_is_told_from_there_when_the_message_is_close_to_it(bakery):
    """"whats the most i could make then" about advancement: the pay's highest figure, though
    "most" is a word that often means something else."""
    knowledge, _ = bakery
    duties = knowledge.topics["duties"]
    answer = choose_answer(
        knowledge, Message([("follow_up", 0.9)], aspect_ids=["early"], aspect_weights={"early": 0.3}),
        Context(topic="pay"), ranked(match(knowledge, "duties", 1, 0.5), match(knowledge, "pay", 0, 0.2)), Tuning(),
    )
    assert answer.told == ((duties, duties.fact_for("early")),)


def test_an_untrusted_detail_word_the_topic_lacks_is_read_by_meaning_not_called_missing(bakery):
    """"which one is best?" about the credentials is no question about the highest pay."""
    knowledge, _ = bakery
    answer = choose_answer(
        knowledge, Message([("follow_up", 0.9)], aspect_ids=["early"], aspect_weights={"early": 0.3}),
        Context(topic="pay", facts_told=["bakers_pay"]),
        ranked(match(knowledge, "duties", 1, 0.2), match(knowledge, "pay", 0, 0.2)), Tuning(),
    )
    assert answer.missing is None and answer.told


def test_a_question_landing_on_a_figure_just_told_does_not_get_its_older_figure_instead():
    """"Could you tell me the source for that salary figure?" read as a pay question: the
    figure again (with its source), not the older one it replaces."""
    knowledge = load_knowledge(MADE_UP_CAREER_FILE)
    pay = next(topic for topic in knowledge.topics.values() if topic.headline.replaces)
    older = knowledge.fact(pay.headline.replaces)[1]
    matches = [FactMatch(pay, pay.headline, 0.8, 0, 0.8), FactMatch(pay, older, 0.7, 0, 0.1)]
    answer = choose_answer(
        knowledge, Message([(pay.intent, 0.95)]), Context(topic=pay.id, last_fact=pay.headline.id),
        Ranking(matches, []), Tuning(),
    )
    assert answer.told == ((pay, pay.headline),)
