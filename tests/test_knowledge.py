"""The knowledge loader: each kind of broken file is refused with a message naming the
file, the entry and the problem. The broken files are variants of a made-up career's; what
the guide's own file holds is tested in tests/content/test_guide_facts.py."""
import copy
from pathlib import Path

import pytest
import yaml

from actions.knowledge import KnowledgeFileError, load_knowledge
from tests.knowledge_files import BAKERY_FILE, MADE_UP_CAREER_FILE

# --- broken files --------------------------------------------------------------------

DOCUMENT = yaml.safe_load(MADE_UP_CAREER_FILE.read_text())


def fact_in_file(topic_id: str, number: int) -> dict:
    return DOCUMENT["topics"][topic_id]["facts"][number]


def write_variant(tmp_path: Path, change) -> Path:
    """Copy the made-up career's file with one change applied to its parsed YAML."""
    document = copy.deepcopy(DOCUMENT)
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
    assert error.entry == f"topic 'education' fact 1 ('{fact_in_file('education', 0)['id']}')"
    assert "source 'wikipedia' is not listed under sources" in error.problem


def test_figure_without_year(tmp_path):
    number = next(n for n, fact in enumerate(DOCUMENT["topics"]["pay"]["facts"]) if "$" in fact["text"] and n > 0)
    error = refuse(write_variant(tmp_path, lambda d: d["topics"]["pay"]["facts"][number].pop("year")))
    assert error.entry == f"topic 'pay' fact {number + 1} ('{fact_in_file('pay', number)['id']}')"
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
    first = fact_in_file("skills", 0)["id"]
    error = refuse(write_variant(tmp_path, lambda d: d["topics"]["skills"]["facts"][1].update(id=first)))
    assert error.entry == "topic 'skills' fact 2"
    assert f"'{first}' is already used by topic 'skills' fact 1" in error.problem


def test_follow_up_that_is_also_a_question(tmp_path):
    question = fact_in_file("pay", 0)["questions"][0]
    error = refuse(write_variant(tmp_path, lambda d: d["topics"]["pay"]["facts"][1].update(follow_ups=[question])))
    assert error.entry == "topic 'pay' fact 2" and "is already listed under topic 'pay' fact 1" in error.problem


def test_fact_without_id(tmp_path):
    error = refuse(write_variant(tmp_path, lambda d: d["topics"]["skills"]["facts"][1].pop("id")))
    assert "missing required key(s): id" in error.problem


def test_source_nobody_cites(tmp_path):
    error = refuse(write_variant(tmp_path, lambda d: d["sources"].update(wiki={"title": "Wikipedia"})))
    assert error.entry == "source 'wiki'" and "no fact cites it" in error.problem


def test_fact_naming_an_organisation_must_cite_its_source(tmp_path):
    """The kind of mistake where a fact names a certifying body but cites the career guide."""
    organisation = next(source["names"][-1] for source in DOCUMENT["sources"].values() if source.get("names"))
    topic_id, number, fact = next(
        (topic_id, number, fact) for topic_id, topic in DOCUMENT["topics"].items()
        for number, fact in enumerate(topic["facts"]) if fact["source"] == "guide"
    )

    def misattribute(document):
        document["topics"][topic_id]["facts"][number]["text"] += f" It is awarded by the {organisation}."

    error = refuse(write_variant(tmp_path, misattribute))
    assert error.entry == f"topic '{topic_id}' fact {number + 1} ('{fact['id']}')"
    assert f"names {organisation}, whose own source is listed, but cites guide" in error.problem


def test_update_of_an_unknown_fact(tmp_path):
    error = refuse(write_variant(tmp_path, lambda d: d["topics"]["pay"]["facts"][0].update(replaces="pay_1999")))
    assert error.entry == f"fact '{fact_in_file('pay', 0)['id']}' replaces"
    assert "'pay_1999' must be the id of another fact" in error.problem


def test_limit_without_its_pointer(tmp_path):
    error = refuse(write_variant(tmp_path, lambda d: d["limits"]["local_figures"].pop("look")))
    assert error.entry == "limit 'local_figures'" and "missing required key(s): look" in error.problem


def test_limit_telling_an_unknown_fact(tmp_path):
    error = refuse(write_variant(tmp_path, lambda d: d["limits"]["local_figures"].update(facts=["pay_1999"])))
    assert error.entry == "limit 'local_figures' facts" and "'pay_1999' is not the id of a fact" in error.problem


def test_redirect_that_is_not_true_or_false(tmp_path):
    error = refuse(write_variant(tmp_path, lambda d: d["limits"]["local_figures"].update(redirect="yes")))
    assert error.entry == "limit 'local_figures' redirect" and "must be true or false" in error.problem


def test_redirect_that_tells_facts(tmp_path):
    error = refuse(write_variant(tmp_path, lambda d: d["limits"]["noise_complaint"].update(
        facts=[fact_in_file("pay", 0)["id"]]
    )))
    assert error.entry == "limit 'noise_complaint' facts" and "tells no facts" in error.problem


def test_limit_follow_ups_without_facts_or_topics(tmp_path):
    """A limit's follow-ups count in a conversation about one of its topics (given, or those
    of its facts): without either, never."""
    error = refuse(write_variant(tmp_path, lambda d: d["limits"]["local_figures"].update(
        follow_ups=["and over there?"]
    )))
    assert error.entry == "limit 'local_figures' follow_ups" and "give it topics or facts" in error.problem


def test_limit_topics_name_topics(tmp_path):
    error = refuse(write_variant(tmp_path, lambda d: d["limits"]["local_figures"].update(
        follow_ups=["and over there?"], topics=["pay", "weather"]
    )))
    assert error.entry == "limit 'local_figures' topics" and "'weather' is not the id of a topic" in error.problem


def test_limit_topics_default_to_those_of_its_facts(tmp_path):
    knowledge = load_knowledge(write_variant(tmp_path, lambda d: d["limits"]["local_figures"].update(
        follow_ups=["and over there?"], topics=["pay"]
    )))
    assert knowledge.limits["local_figures"].topics == ("pay",)
    with_facts = next(limit for limit in knowledge.limits.values() if limit.facts)
    assert with_facts.topics == tuple(dict.fromkeys(knowledge.fact(f)[0].id for f in with_facts.facts))


def test_aspect_not_in_a_phrase_without_its_words(tmp_path):
    error = refuse(write_variant(tmp_path, lambda d: d["aspects"]["exam"].update(not_in=["driving licence"])))
    assert error.entry == "aspect 'exam' not_in"
    assert "'driving licence' holds none of the aspect's words" in error.problem


def test_the_career_fit_section_is_read_and_optional():
    fit = load_knowledge(MADE_UP_CAREER_FILE).fit
    assert fit is not None and [s.id for s in fit.statements] == [s["id"] for s in DOCUMENT["fit"]["statements"]]
    assert fit.path == tuple(DOCUMENT["fit"]["path"])
    assert load_knowledge(BAKERY_FILE).fit is None


def test_fit_statement_citing_an_unknown_fact(tmp_path):
    error = refuse(write_variant(tmp_path, lambda d: d["fit"]["statements"][1].update(fact="wind_pay_1999")))
    assert error.entry == "fit statement 2 ('fitness') fact"
    assert "'wind_pay_1999' is not the id of a fact" in error.problem


def test_fit_statement_without_its_question(tmp_path):
    error = refuse(write_variant(tmp_path, lambda d: d["fit"]["statements"][0].pop("ask")))
    assert error.entry == "fit statement 1" and "missing required key(s): ask" in error.problem


def test_fit_statements_with_the_same_id(tmp_path):
    error = refuse(write_variant(tmp_path, lambda d: d["fit"]["statements"][2].update(id="heights")))
    assert error.entry == "fit statement 3 ('heights')" and "used by another statement" in error.problem


def test_fit_path_citing_an_unknown_fact(tmp_path):
    error = refuse(write_variant(tmp_path, lambda d: d["fit"].update(path=["wind_degree"])))
    assert error.entry == "fit path" and "'wind_degree' is not the id of a fact" in error.problem


def test_empty_fact_list(tmp_path):
    error = refuse(write_variant(tmp_path, lambda d: d["topics"]["interview"].update(facts=[])))
    assert error.entry == "topic 'interview' facts"


def test_text_of_wrong_type(tmp_path):
    error = refuse(write_variant(tmp_path, lambda d: d["topics"]["pay"].update(title=["pay"])))
    assert error.entry == "topic 'pay' title" and "expected text" in error.problem


def test_bad_source_url(tmp_path):
    source_id = next(source_id for source_id, source in DOCUMENT["sources"].items() if source.get("url"))
    error = refuse(write_variant(tmp_path, lambda d: d["sources"][source_id].update(url="example.org")))
    assert error.entry == f"source '{source_id}'" and "not an http(s) address" in error.problem


def test_empty_short_title_of_a_source(tmp_path):
    source_id = next(iter(DOCUMENT["sources"]))
    error = refuse(write_variant(tmp_path, lambda d: d["sources"][source_id].update(short_title="  ")))
    assert error.entry == f"source '{source_id}'"


def test_command_line_check_reports_the_error(tmp_path, capsys):
    from actions.knowledge import main

    assert main(["check", str(write_variant(tmp_path, lambda d: d["topics"]["pay"].pop("button")))]) == 1
    assert "topic 'pay': missing required key(s): button" in capsys.readouterr().err
    assert main(["check", str(MADE_UP_CAREER_FILE)]) == 0
