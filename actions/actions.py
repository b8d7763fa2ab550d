"""Custom actions: answer from the knowledge file, say where an answer comes from,
hand over to the school's advisors, and offer the topics.

Each action answers from the `Assistant` it is given (actions/assistant.py), as
rasa-sdk's knowledge-base actions do; built with no argument, as the action server
builds them when it starts, they share the one of KNOWLEDGE_FILE and SCHOOL_FILE, so a
broken file stops start-up instead of producing wrong answers.
"""
import re
from abc import ABCMeta, abstractmethod
from typing import Any, Dict, List, Optional, Text, Tuple

import numpy as np
from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answering import DEFAULT_TUNING, Answer, Context, Message, choose_answer, redirect_asked
from actions.assistant import Assistant, configured_assistant
from actions.career_fit import AGAIN, QUESTION, SKIPPED, STOP, next_statement
from actions.knowledge import KnowledgeBase
from actions.language import written_in_english
from actions.rendering import render
from actions.replies import (
    ADVISOR_OFFER,
    ENGLISH_ONLY,
    NO_WORDS,
    REPHRASE,
    START_FIT_INTENT,
    WHAT_NEXT,
    Line,
    Reply,
    advisor_reply,
    clarifying_question,
    decline,
    decline_reply,
    fact_reply,
    fit_question,
    fit_result,
    fit_situation_reply,
    fit_stopped,
    limits_reply,
    missing_reply,
    source_reply,
    topic_menu,
)
from actions.understanding import refers_back
from nlu_components.minilm import TEXT_EMBEDDING, from_text

ASPECT_ENTITY = "aspect"
ADVISOR_INTENT = "talk_to_advisor"
SOURCE_INTENT = "source_of_answer"
FALLBACK_INTENT = "nlu_fallback"
#: How a question about the career starts, when it has no question mark ("how much math is in it").
QUESTION_START = re.compile(
    r"^\s*(?:wait|btw|also|and|so|ok|okay)?[\s,]*(?:what|whats|what's|how|hows|how's|why|when|where|who|whos|who's"
    r"|which|is|are|do|does|did|can|could|will|would|should)\b",
    re.I,
)


def read_message(latest: Dict[Text, Any], assistant: Assistant) -> Message:
    """From NLU's parse of a message (the tracker's latest message): the intent ranking
    (NLU's fallback taken out, but remembered as 'unsure'), the aspect words and whether
    the text names the career."""
    ranking = [
        (entry.get("name"), float(entry.get("confidence") or 0.0))
        for entry in latest.get("intent_ranking") or [latest.get("intent") or {}]
        if entry.get("name")
    ]
    unsure = any(name == FALLBACK_INTENT for name, _ in ranking[:1])
    text = latest.get("text") or ""
    aspect_ids = asked_aspects(latest, assistant.knowledge)
    return Message(
        intent_ranking=[(name, score) for name, score in ranking if name != FALLBACK_INTENT],
        aspect_ids=aspect_ids,
        aspect_weights=assistant.aspect_words.weights(text, aspect_ids),
        names_career=assistant.relevance.names_the_career(text),
        unsure=unsure,
        limit_ids=[limit.id for limit in assistant.knowledge.limits.values() if limit.asked_in(text)],
        refers_back=refers_back(text),
        names_other_occupation=assistant.relevance.names_another_occupation(text),
    )


def asked_aspects(latest: Dict[Text, Any], knowledge: KnowledgeBase) -> List[str]:
    """Aspect ids named in the latest message, in the knowledge file's order of priority.

    A match inside a longer one is dropped ("code" inside "code books"), and so is one
    inside a phrase the aspect's `not_in` lists ("least" in "at least")."""
    text = latest.get("text") or ""
    spans = [
        (entity.get("start", 0), entity.get("end", 0), entity["value"])
        for entity in latest.get("entities") or []
        if entity.get("entity") == ASPECT_ENTITY and entity.get("value") in knowledge.aspects
        and knowledge.aspects[entity["value"]].named_at(text, entity.get("start", 0), entity.get("end", 0))
    ]
    named = {
        value
        for start, end, value in spans
        if not any(s <= start and end <= e and (e - s) > (end - start) for s, e, _ in spans)
    }
    return [aspect_id for aspect_id in knowledge.aspects if aspect_id in named]


def embedding_of(latest: Dict[Text, Any]) -> Optional[np.ndarray]:
    """The message's sentence embedding, computed once by the NLU pipeline."""
    encoded = latest.get(TEXT_EMBEDDING)
    return from_text(encoded) if encoded else None


def last_reply_was_mine(tracker: Tracker, action_name: str) -> bool:
    """Whether the bot's reply just before the latest message came from this action,
    so that "yes" answers only an offer made in that very reply."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_user:
                return False
            seen_user = True
        elif seen_user and event.get("event") == "action" and event.get("name") != "action_listen":
            return event.get("name") == action_name
    return False


def send(dispatcher: CollectingDispatcher, tracker: Tracker, reply: Reply) -> None:
    """Render the reply for the student's channel (markdown, plain text, data)."""
    for message in render(reply, tracker.get_latest_input_channel() or ""):
        dispatcher.utter_message(**message)


def is_button_payload(text: str) -> bool:
    """A button's payload ("/ask_pay{...}") names its answer; it has no words to read."""
    return text.startswith("/")


class AssistantAction(Action, metaclass=ABCMeta):
    """An action that answers from an `Assistant`: the one it is given, or the one of
    KNOWLEDGE_FILE and SCHOOL_FILE (how the action server builds it). Abstract, so that
    rasa-sdk registers only its subclasses."""

    @abstractmethod
    def name(self) -> Text:
        ...

    def __init__(self, assistant: Optional[Assistant] = None) -> None:
        self.assistant = assistant or configured_assistant()

    @property
    def knowledge(self) -> KnowledgeBase:
        return self.assistant.knowledge

    def redirect(self, tracker: Tracker) -> Optional[Reply]:
        """Where a person's own bill goes, if the typed message is about one, whatever
        NLU read it as (a source question, a request for a person)."""
        latest = tracker.latest_message or {}
        text = latest.get("text") or ""
        if not text.strip() or is_button_payload(text):
            return None
        ranking = self.assistant.fact_index.rank(text, embedding_of(latest), tracker.get_slot("topic"))
        limit = redirect_asked(self.knowledge, read_message(latest, self.assistant), ranking)
        return limits_reply(self.knowledge, (limit,), tracker.get_slot("facts_told") or ()) if limit else None


class ActionAnswer(AssistantAction):
    """Answers every question about the career, follow-ups and "yes"; asks which topic
    is meant when unsure; declines what is not about the career, and after
    `misunderstandings_before_advisor` misunderstandings in a row offers the school's
    advisors."""

    def name(self) -> Text:
        return "action_answer"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        latest = tracker.latest_message or {}
        text = latest.get("text") or ""
        facts_told = list(tracker.get_slot("facts_told") or [])
        unreadable = self.unreadable(text, facts_told)
        if unreadable:
            send(dispatcher, tracker, unreadable)
            return [SlotSet("suggested_topic", None)]
        message = read_message(latest, self.assistant)
        if message.unsure and message.intent == ADVISOR_INTENT:
            # "Can I talk to a real person?" is close to "are you a real person?": when the
            # likeliest reading asks for a person, the advisors' contact helps more than
            # "please rephrase", and giving it does no harm.
            return ActionAdvisorContact(self.assistant).run(dispatcher, tracker, domain)
        if message.unsure and message.intent == SOURCE_INTENT and tracker.get_slot("last_fact"):
            # "says who?" right after a fact: likeliest asking where it comes from; its source
            # helps more than "please rephrase".
            return ActionTellSource(self.assistant).run(dispatcher, tracker, domain)
        answer = choose_answer(
            self.knowledge,
            message,
            self.context(tracker, facts_told),
            ranking=None if is_button_payload(text) or not text.strip() else self.assistant.fact_index.rank(
                text, embedding_of(latest), tracker.get_slot("topic")
            ),
        )
        reply, events = self.compose(answer, facts_told, message.unsure, tracker.get_slot("last_fact"))
        reply, misunderstandings = self.after_misunderstandings(answer, reply, tracker.get_slot("misunderstandings"))
        send(dispatcher, tracker, reply)
        return events + [SlotSet("misunderstandings", float(misunderstandings))]

    def context(self, tracker: Tracker, facts_told: List[str]) -> Context:
        """The topic under discussion, what was told, and the topic offered next, if the
        bot's reply just before this message made that offer ("yes" answers only it)."""
        offered = tracker.get_slot("suggested_topic") if last_reply_was_mine(tracker, self.name()) else None
        return Context(
            topic=tracker.get_slot("topic"), facts_told=facts_told, offered_topic=offered,
            last_fact=tracker.get_slot("last_fact"),
        )

    def after_misunderstandings(self, answer: Answer, reply: Reply, before: Optional[float]) -> Tuple[Reply, int]:
        """The reply, with the advisors offered once the student has been misunderstood
        too often in a row; and the new count (0 after an answer or the offer)."""
        misunderstood = not (answer.told or answer.missing or answer.options or answer.limits or answer.situation)
        in_a_row = int(before or 0) + 1 if misunderstood else 0
        if in_a_row < DEFAULT_TUNING.misunderstandings_before_advisor:
            return reply, in_a_row
        advising = self.assistant.advising
        offer = advisor_reply(advising, f"{ADVISOR_OFFER} You can reach {advising.office}:")
        room_left = DEFAULT_TUNING.most_next_steps - len(offer.next_steps)
        return Reply(reply.lines + offer.lines, offer.next_steps + reply.next_steps[:room_left]), 0

    def unreadable(self, text: str, facts_told: List[str]) -> Optional[Reply]:
        """The reply to a typed message with no words (empty, emoji) or in another language."""
        if is_button_payload(text):
            return None
        if not any(character.isalnum() for character in text):
            return decline_reply(self.knowledge, facts_told, NO_WORDS)
        if not written_in_english(text):
            advising = self.assistant.advising
            return advisor_reply(advising, f"{ENGLISH_ONLY} To talk to a person, contact {advising.office}:")
        return None

    def compose(
        self, answer: Answer, facts_told: List[str], unsure: bool, last_fact: Optional[str] = None
    ) -> Tuple[Reply, List[EventType]]:
        """The reply to an answer, and the slots it sets: the topic, what was told (by
        fact id) and the next topic offered."""
        knowledge = self.knowledge
        if answer.told:
            facts_told = list(dict.fromkeys([*facts_told, *(fact.id for _, fact in answer.told)]))
            last_topic = answer.told[-1][0]
            again = [fact.id for _, fact in answer.told] == [last_fact]
            return fact_reply(knowledge, answer.told, facts_told, answer.limits, again), [
                SlotSet("topic", last_topic.id),
                SlotSet("facts_told", facts_told),
                SlotSet("last_fact", answer.told[0][1].id),
                # the reply offers the next topic only when it says nothing the file lacks
                SlotSet("suggested_topic", None if answer.limits else last_topic.next),
            ]
        if answer.situation:
            statement = answer.situation
            topic, fact = knowledge.fact(statement.fact)
            facts_told = list(dict.fromkeys([*facts_told, fact.id]))
            return fit_situation_reply(knowledge, statement), [
                SlotSet("topic", topic.id), SlotSet("facts_told", facts_told), SlotSet("last_fact", fact.id),
                SlotSet("suggested_topic", None),
            ]
        if answer.missing:
            topic, aspect = answer.missing
            events = [SlotSet("topic", topic.id), SlotSet("suggested_topic", None)]
            return missing_reply(knowledge, topic, aspect), events
        if answer.options:
            return clarifying_question(knowledge, answer.options), [SlotSet("suggested_topic", None)]
        if answer.limits:
            return limits_reply(knowledge, answer.limits, facts_told), [SlotSet("suggested_topic", None)]
        if answer.out_of_scope:
            sentence = decline(knowledge)
        elif unsure:
            sentence = REPHRASE
        else:
            sentence = WHAT_NEXT
        return decline_reply(knowledge, facts_told, sentence), [SlotSet("suggested_topic", None)]


class ActionTellSource(AssistantAction):
    """"Where does that come from?", "is that current?": the source of the last fact told."""

    def name(self) -> Text:
        return "action_tell_source"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        last = self.knowledge.fact(tracker.get_slot("last_fact") or "")
        send(dispatcher, tracker, self.redirect(tracker) or source_reply(self.knowledge, last[1] if last else None))
        return [SlotSet("suggested_topic", None)]


class ActionAdvisorContact(AssistantAction):
    """"Can I talk to a person?": the school's advising contact (school.yml)."""

    def name(self) -> Text:
        return "action_advisor_contact"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        send(dispatcher, tracker, self.redirect(tracker) or advisor_reply(self.assistant.advising))
        return [SlotSet("suggested_topic", None), SlotSet("misunderstandings", 0.0)]


class ActionOfferTopics(AssistantAction):
    """Greets (or says what the bot does), then offers every topic of the knowledge file.

    Runs after the greeting and "what can you do", so a student always sees what they
    can ask; the career's name comes from the knowledge file. A greeting that asks a
    question ("hey! how much do coders make?"), or "what does it cover" about the
    certification, is answered instead: the message is as close to a known question (in the
    conversation so far) as an answer without asking must be."""

    def name(self) -> Text:
        return "action_offer_topics"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        if self.asks_a_question(tracker):
            return ActionAnswer(self.assistant).run(dispatcher, tracker, domain)
        career = self.knowledge.career_name
        if (tracker.latest_message or {}).get("intent", {}).get("name") == "what_can_you_do":
            intro = f"I answer questions about becoming a {career}, from a career guide and the sources it names."
        else:
            intro = f"Hi! I help people decide whether to become a {career}."
        menu = topic_menu(self.knowledge)
        send(dispatcher, tracker, Reply((Line(intro),) + menu.lines, menu.next_steps))
        return [SlotSet("suggested_topic", None)]

    def asks_a_question(self, tracker: Tracker) -> bool:
        latest = tracker.latest_message or {}
        text = latest.get("text") or ""
        if is_button_payload(text) or not text.strip():
            return False
        ranking = self.assistant.fact_index.rank(text, embedding_of(latest), tracker.get_slot("topic"))
        return ranking.facts[0].similarity >= DEFAULT_TUNING.answer_similarity


# ---------------------------------------------------------------- the career-fit conversation
# career_fit_form (domain.yml) asks for `fit_answer` until every statement of the knowledge
# file's `fit` is answered: action_ask_fit_answer asks the next one, validate_career_fit_form
# reads what came back, action_career_fit_result says what fits (or goodbye, when stopped).

class ActionAskFitAnswer(AssistantAction):
    """Asks the next statement's question, with Yes / Sort of / No buttons: introduced the
    first time, "welcome back" on resuming, in other words after an answer it could not read."""

    def name(self) -> Text:
        return "action_ask_fit_answer"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        fit = self.knowledge.fit
        if fit is None:
            send(dispatcher, tracker, Reply((Line(f"I don't have a career-fit quiz for this career. {WHAT_NEXT}"),),
                                            topic_menu(self.knowledge).next_steps))
            return [ActiveLoop(None), SlotSet("requested_slot", None)]
        answers = dict(tracker.get_slot("fit_answers") or {})
        statement = next_statement(fit, answers)
        if statement is None:  # every statement answered already (the file's were changed since)
            return ActionCareerFitResult(self.assistant).run(dispatcher, tracker, domain) + [
                ActiveLoop(None), SlotSet("requested_slot", None),
            ]
        note = tracker.get_slot("fit_note")
        if note is None and (tracker.latest_message or {}).get("intent", {}).get("name") == START_FIT_INTENT:
            note = "resume" if answers else "intro"
        number = fit.statements.index(statement)
        previous = fit.statements[number - 1] if number else None
        read_as = {"again": AGAIN, "back": QUESTION}.get(note or "", answers.get(previous.id) if previous else None)
        send(dispatcher, tracker, fit_question(fit, statement, note, read_as))
        return [SlotSet("fit_note", None)]


class ValidateCareerFitForm(AssistantAction):
    """Reads the message sent while a question is asked: an answer (stored, and the next
    question follows), stop (the form ends), a question about the career (answered, then the
    same question again), or something it cannot read (asked again once in other words,
    then left out)."""

    def name(self) -> Text:
        return "validate_career_fit_form"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        fit = self.knowledge.fit
        answers = dict(tracker.get_slot("fit_answers") or {})
        statement = next_statement(fit, answers) if fit else None
        if statement is None:
            return [SlotSet("fit_answer", "done")]
        if tracker.get_slot("requested_slot") is None:
            return []  # the message that starts the quiz is no answer: the first question is asked
        latest = tracker.latest_message or {}
        reading = self.read(latest)
        if reading == STOP:
            return [SlotSet("fit_answer", STOP)]
        if reading == QUESTION:
            return self.answer_question(dispatcher, tracker, domain, latest) + [
                SlotSet("fit_answer", None), SlotSet("fit_note", "back"),
            ]
        note = None
        if reading == AGAIN:
            if not tracker.get_slot("fit_asked_again"):
                return [SlotSet("fit_answer", None), SlotSet("fit_asked_again", True), SlotSet("fit_note", "again")]
            reading, note = SKIPPED, "skipped"
        answers[statement.id] = reading
        done = next_statement(fit, answers) is None
        return [
            SlotSet("fit_answers", answers), SlotSet("fit_asked_again", False), SlotSet("fit_note", note),
            SlotSet("fit_answer", "done" if done else None),
        ]

    def read(self, latest: Dict[Text, Any]) -> str:
        """yes, sort_of, no, stop, again, or question (a question about the career)."""
        text = latest.get("text") or ""
        if is_button_payload(text):
            return QUESTION  # a topic button under an answer given in between
        reading = self.assistant.answer_reader.read(text, embedding_of(latest))
        if reading != STOP and self.asks_about_the_career(latest, text):
            return QUESTION
        return reading

    def asks_about_the_career(self, latest: Dict[Text, Any], text: str) -> bool:
        """A question ("wait, how much does it pay?", "how much math is in the job") that NLU
        reads as asking for a topic, a source or a person, or that is not far from the
        career's known questions."""
        if not (text.rstrip().endswith("?") or QUESTION_START.match(text)):
            return False
        message = read_message(latest, self.assistant)
        asks_for = message.intent in (ADVISOR_INTENT, SOURCE_INTENT) or self.knowledge.topic_for_intent(message.intent)
        if asks_for and not message.unsure:
            return True
        ranking = self.assistant.fact_index.rank(text, embedding_of(latest))
        return bool(ranking.facts) and ranking.facts[0].similarity >= DEFAULT_TUNING.floor_similarity

    def answer_question(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any], latest: Dict[Text, Any]
    ) -> List[EventType]:
        intent = (latest.get("intent") or {}).get("name")
        action = {ADVISOR_INTENT: ActionAdvisorContact, SOURCE_INTENT: ActionTellSource}.get(intent, ActionAnswer)
        return action(self.assistant).run(dispatcher, tracker, domain)


class ActionCareerFitResult(AssistantAction):
    """After the last answer: what fits, what to work on, the path and the advisors; the
    answers are then cleared, so the next quiz starts afresh. After "stop": how far the
    student got; the answers are kept, so "take the quiz" picks up there."""

    def name(self) -> Text:
        return "action_career_fit_result"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        fit = self.knowledge.fit
        answers = dict(tracker.get_slot("fit_answers") or {})
        reset = [SlotSet("fit_answer", None), SlotSet("fit_note", None), SlotSet("fit_asked_again", False)]
        if fit is None:
            return reset
        if tracker.get_slot("fit_answer") == STOP:
            facts_told = list(tracker.get_slot("facts_told") or [])
            send(dispatcher, tracker, fit_stopped(self.knowledge, fit, answers, facts_told))
            return reset
        last = answers.get(fit.statements[-1].id)
        send(dispatcher, tracker, fit_result(self.knowledge, fit, answers, self.assistant.advising, last))
        return reset + [SlotSet("fit_answers", None), SlotSet("suggested_topic", None)]
