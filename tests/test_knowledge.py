"""The knowledge loader: the real file loads with every fact of the guide, and each
kind of broken file is refused with a message naming the file, the entry and the problem."""
from pathlib import Path

import pytest
import yaml

from actions.knowledge import DEFAULT_KNOWLEDGE_FILE, KnowledgeFileError, load_knowledge


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


@pytest.mark.parametrize("topic_id, newest, guide", [("pay", "May 2020", "May 2010"), ("job_outlook", "2019-2029", "2010-2020")])
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


# --- broken files --------------------------------------------------------------------

def write_variant(tmp_path: Path, change) -> Path:
    """Copy the real knowledge file with one change applied to its parsed YAML."""
    document = yaml.safe_load(DEFAULT_KNOWLEDGE_FILE.read_text())
    change(document)
    path = tmp_path / "broken.yml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def refuse(path: Path) -> KnowledgeFileError:
    with pytest.raises(KnowledgeFileError) as caught:
        load_knowledge(path)
    assert str(path) in str(caught.value), "the message must name the file"
    return caught.value


def test_missing_file(tmp_path):
    error = refuse(tmp_path / "absent.yml")
    assert "cannot be read" in error.problem


def test_invalid_yaml_names_the_line(tmp_path):
    path = tmp_path / "broken.yml"
    path.write_text("career:\n  id: x\n  name: [unclosed\n")
    error = refuse(path)
    assert error.entry.startswith("line ")
    assert "not valid YAML" in error.problem


def test_empty_file(tmp_path):
    path = tmp_path / "broken.yml"
    path.write_text("")
    error = refuse(path)
    assert error.entry == "top level" and "expected a mapping" in error.problem


def test_missing_top_level_section(tmp_path):
    error = refuse(write_variant(tmp_path, lambda d: d.pop("topics")))
    assert "missing required key(s): topics" in error.problem


def test_fact_without_text(tmp_path):
    error = refuse(write_variant(tmp_path, lambda d: d["topics"]["pay"]["facts"][1].pop("text")))
    assert error.entry == "topic 'pay' fact 2"
    assert "missing required key(s): text" in error.problem


def test_misspelt_key_is_not_ignored(tmp_path):
    def misspell(document):
        document["topics"]["skills"]["facts"][0]["sorce"] = document["topics"]["skills"]["facts"][0].pop("source")

    error = refuse(write_variant(tmp_path, misspell))
    assert error.entry == "topic 'skills' fact 1"
    assert "missing required key(s): source" in error.problem


def test_unknown_source(tmp_path):
    error = refuse(write_variant(tmp_path, lambda d: d["topics"]["education"]["facts"][0].update(source="wikipedia")))
    assert error.entry == "topic 'education' fact 1 ('education_degree')"
    assert "source 'wikipedia' is not listed under sources" in error.problem


def test_figure_without_year(tmp_path):
    error = refuse(write_variant(tmp_path, lambda d: d["topics"]["pay"]["facts"][2].pop("year")))
    assert error.entry == "topic 'pay' fact 3 ('pay_highest')"
    assert "needs the year" in error.problem


def test_unknown_aspect(tmp_path):
    error = refuse(write_variant(tmp_path, lambda d: d["topics"]["pay"]["facts"][1].update(aspects=["tallest"])))
    assert "aspect 'tallest' is not listed under aspects" in error.problem


def test_aspect_answered_twice_in_a_topic(tmp_path):
    error = refuse(write_variant(tmp_path, lambda d: d["topics"]["pay"]["facts"][3].update(aspects=["highest"])))
    assert error.entry == "topic 'pay' fact 4" and "answered twice" in error.problem


def test_word_shared_by_two_aspects(tmp_path):
    error = refuse(write_variant(tmp_path, lambda d: d["aspects"]["lowest"]["words"].append("max")))
    assert error.entry == "aspect 'lowest'" and "'max' is already used by aspect 'highest'" in error.problem


def test_next_topic_must_exist(tmp_path):
    error = refuse(write_variant(tmp_path, lambda d: d["topics"]["pay"].update(next="salary")))
    assert error.entry == "topic 'pay' next"


def test_topic_chain_that_loops_is_refused(tmp_path):
    error = refuse(write_variant(tmp_path, lambda d: d["topics"]["education"].update(next="certification")))
    assert error.entry == "topic 'education' next" and "closes a loop" in error.problem


def test_topic_chain_that_leaves_a_topic_out_is_refused(tmp_path):
    error = refuse(write_variant(tmp_path, lambda d: d["topics"]["education"].update(next="why_choose")))
    assert "never reaches interview" in error.problem


def test_fact_id_used_twice(tmp_path):
    error = refuse(write_variant(tmp_path, lambda d: d["topics"]["skills"]["facts"][1].update(id="skills_qualities")))
    assert error.entry == "topic 'skills' fact 2"
    assert "'skills_qualities' is already used by topic 'skills' fact 1" in error.problem


def test_fact_without_id(tmp_path):
    error = refuse(write_variant(tmp_path, lambda d: d["topics"]["skills"]["facts"][1].pop("id")))
    assert "missing required key(s): id" in error.problem


def test_source_nobody_cites(tmp_path):
    error = refuse(write_variant(tmp_path, lambda d: d["sources"].update(wiki={"title": "Wikipedia"})))
    assert error.entry == "source 'wiki'" and "no fact cites it" in error.problem


def test_fact_naming_an_organisation_must_cite_its_source(tmp_path):
    """The AMBA kind of mistake: a fact naming AMBA that cites the guide."""
    def misattribute(document):
        document["topics"]["certification"]["facts"][0]["text"] += " The CMRS is awarded by the American Medical Billing Association."

    error = refuse(write_variant(tmp_path, misattribute))
    assert error.entry == "topic 'certification' fact 1 ('certification_advice')"
    assert "names American Medical Billing Association, whose own source is listed, but cites guide" in error.problem


def test_update_of_an_unknown_fact(tmp_path):
    error = refuse(write_variant(tmp_path, lambda d: d["topics"]["pay"]["facts"][0].update(replaces="pay_1999")))
    assert error.entry == "fact 'pay_median' replaces" and "'pay_1999' must be the id of another fact" in error.problem


def test_limit_without_its_pointer(tmp_path):
    error = refuse(write_variant(tmp_path, lambda d: d["limits"]["local_figures"].pop("look")))
    assert error.entry == "limit 'local_figures'" and "missing required key(s): look" in error.problem


def test_limits_are_found_by_whole_words(knowledge):
    local = knowledge.limits["local_figures"]
    assert local.asked_in("How much do coders make in Ohio?") and local.asked_in("jobs near me")
    assert not local.asked_in("what is the national median")
    assert not local.asked_in("do coders need stamina in maineframe work")


def test_empty_fact_list(tmp_path):
    error = refuse(write_variant(tmp_path, lambda d: d["topics"]["interview"].update(facts=[])))
    assert error.entry == "topic 'interview' facts"


def test_text_of_wrong_type(tmp_path):
    error = refuse(write_variant(tmp_path, lambda d: d["topics"]["pay"].update(title=["pay"])))
    assert error.entry == "topic 'pay' title" and "expected text" in error.problem


def test_bad_source_url(tmp_path):
    error = refuse(write_variant(tmp_path, lambda d: d["sources"]["onet"].update(url="onetonline.org")))
    assert error.entry == "source 'onet'" and "not an http(s) address" in error.problem


def test_command_line_check_reports_the_error(tmp_path, capsys):
    from actions.knowledge import main

    assert main(["check", str(write_variant(tmp_path, lambda d: d["topics"]["pay"].pop("button")))]) == 1
    assert "topic 'pay': missing required key(s): button" in capsys.readouterr().err
    assert main(["check", str(DEFAULT_KNOWLEDGE_FILE)]) == 0
