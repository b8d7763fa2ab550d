"""What the guide's knowledge file holds: every fact of the career guide, the newest
official figures leading, the bodies that award credentials cited."""
import pytest

from actions.knowledge import DEFAULT_KNOWLEDGE_FILE, load_knowledge


@pytest.fixture(scope="module")
def knowledge():
    return load_knowledge(DEFAULT_KNOWLEDGE_FILE)


def all_text(knowledge, topic_id):
    return " ".join(fact.text for fact in knowledge.topics[topic_id].facts)


GUIDE_FACTS = {
    "duties": ["treatment records", "insurance claims", "several patient accounts at the same time", "coding"],
    "work_settings": ["clinics", "hospitals", "insurance companies", "health-related facilities", "move from one"],
    "pay": ["$32,350", "$22,000", "$53,000", "$8,288", "aged 18 and over"],
    "advancement": ["billing administrators", "office managers", "supervisors"],
    "skills": ["accuracy", "confidentiality", "diligence", "ethics", "irate patients", "typing", "memorising numbers"],
    "certification": [
        "not mandatory", "not keen on hiring", "Certified Medical Reimbursement Specialist (CMRS)",
        "nine to twelve months", "computer database management", "medical terminology",
        "insurance procedures", "billing procedures", "coding procedures",
    ],
    "education": ["associate degree", "community college", "computer science", "chemistry", "biology",
                  "mathematics", "on-the-job training"],
    "job_outlook": ["21%", "chances of finding a job", "as high"],
    "interview": ["billing standards", "interview"],
    "why_choose": ["many job openings", "bridge", "insurance companies and patients", "pay"],
}


@pytest.mark.parametrize("topic_id, phrases", GUIDE_FACTS.items())
def test_every_fact_of_the_guide_is_in_the_knowledge_file(knowledge, topic_id, phrases):
    text = all_text(knowledge, topic_id)
    for phrase in phrases:
        assert phrase in text, f"topic {topic_id} lacks {phrase!r}"


@pytest.mark.parametrize(
    "topic_id, newest, guide", [("pay", "May 2020", "May 2010"), ("job_outlook", "2019-2029", "2010-2020")]
)
def test_newest_primary_figure_leads_and_updates_the_guide_figure(knowledge, topic_id, newest, guide):
    headline = knowledge.topics[topic_id].headline
    assert headline.year == newest and headline.source.id == "bls_ooh_2021"
    _, older = knowledge.fact(headline.replaces)
    assert older.year == guide and "2012-13" in older.source.title
    assert knowledge.newer_than(older) is headline


def test_the_awarding_body_is_cited_by_the_fact_that_names_it(knowledge):
    """The guide never names the CMRS's awarding body: the fact that does cites AMBA."""
    facts = [fact for topic in knowledge.topics.values() for fact in topic.facts]
    naming = [fact for fact in facts if "American Medical Billing Association" in fact.text]
    assert naming and all("amba" in [source.id for source in fact.sources] for fact in naming)


def test_follow_up_aspects_resolve_within_their_topic(knowledge):
    assert "$53,000" in knowledge.topics["pay"].fact_for("highest").text
    assert "nine to twelve months" in knowledge.topics["certification"].fact_for("duration").text
    assert "database" in knowledge.topics["certification"].fact_for("coverage").text
    assert "chemistry" in knowledge.topics["education"].fact_for("courses").text


def test_limits_are_found_by_whole_words(knowledge):
    local = knowledge.limits["local_figures"]
    assert local.asked_in("How much do coders make in Ohio?") and local.asked_in("jobs near me")
    assert not local.asked_in("what is the national median")
    assert not local.asked_in("do coders need stamina in maineframe work")
