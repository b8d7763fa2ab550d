"""docker-compose.yml (for a school's IT team) is valid, and its services run what the
tests run: the same commands and ports as the Makefile and tests/harness/bot_servers.py, the
same stores as endpoints.yml. No Docker engine runs here, so nothing is started."""
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from actions.knowledge import PROJECT_ROOT
from tests.harness.bot_servers import action_server_command, rasa_server_arguments, rasa_server_command

COMPOSE = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
MAKEFILE = (PROJECT_ROOT / "Makefile").read_text()
RASA_DOCKERFILE = (PROJECT_ROOT / "docker" / "rasa.Dockerfile").read_text()


def make_variable(name: str) -> str:
    return re.search(rf"^{name}\s*[:?]?=\s*(\S+)", MAKEFILE, re.M).group(1)


def options(command: list) -> dict:
    """{option: value} of a command line, and its leading words under ""."""
    words = [word for word in command if not word.startswith("-")][:1]
    pairs = {command[i]: command[i + 1] for i in range(len(command) - 1) if command[i].startswith("-")}
    return {"": words, **pairs}


def compose_command() -> list:
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    pytest.fail("neither `docker compose` nor `docker-compose` is installed: `make test` installs docker-compose")


def test_docker_compose_accepts_the_file():
    result = subprocess.run(
        [*compose_command(), "config", "--quiet"], cwd=PROJECT_ROOT, capture_output=True, text=True,
        env={**os.environ, "POSTGRES_PASSWORD": "test-only"},
    )
    assert result.returncode == 0, result.stderr


def image_entrypoint(dockerfile: str) -> list:
    return json.loads(re.findall(r"^ENTRYPOINT (.+)$", dockerfile, re.M)[-1])


def test_the_rasa_servers_run_what_the_tests_run():
    rasa_port = make_variable("RASA_PORT")
    arguments = Path("endpoints.yml"), Path(make_variable("MODEL")), Path("credentials.yml")
    tested = options(rasa_server_arguments(int(rasa_port), *arguments))
    # both with the launcher, `python -m patches` (Rasa with the patches applied): the
    # tests' python is the virtualenv's, the image's is Rasa's own
    tested_launcher = rasa_server_command(int(rasa_port), *arguments)[:3]
    assert tested_launcher[1:] == image_entrypoint(RASA_DOCKERFILE)[1:] == ["-m", "patches"]
    assert image_entrypoint(RASA_DOCKERFILE)[0] == "python"
    for name in ("rasa-1", "rasa-2"):
        assert "entrypoint" not in SERVICES[name]  # the image's
        deployed = options(SERVICES[name]["command"])
        assert deployed == {**tested, "-i": "0.0.0.0"}, name  # in its container, reachable from the others
        assert "ports" not in SERVICES[name]  # reached through the balancer only
        environment = SERVICES[name]["environment"]
        assert "@postgres:5432/" in environment["CONVERSATIONS_DB_URL"]
        assert environment["LOCK_STORE_URL"].startswith("redis://redis:")


def test_the_balancer_is_make_runs_in_front_of_both_rasa_servers():
    balancer = SERVICES["balancer"]
    assert balancer["volumes"] == ["./scripts/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro"]
    assert balancer["ports"] == [f"{make_variable('RASA_PORT')}:{make_variable('RASA_PORT')}"]
    environment = balancer["environment"]
    assert environment["BALANCER_ADDRESS"] == f":{make_variable('RASA_PORT')}"
    assert [environment["RASA_SERVER_1"], environment["RASA_SERVER_2"]] == ["rasa-1:5005", "rasa-2:5005"]


def test_the_action_server_runs_what_the_tests_run():
    action_port = int(make_variable("ACTION_PORT"))
    service = SERVICES["action-server"]
    assert service["entrypoint"][1:] + service["command"] == action_server_command(action_port)[1:]
    assert "ports" not in service  # reached by the Rasa servers only


def test_the_deployed_endpoints_differ_only_in_the_action_servers_address():
    local = yaml.safe_load((PROJECT_ROOT / "endpoints.yml").read_text())
    deployed = yaml.safe_load((PROJECT_ROOT / "docker" / "endpoints.yml").read_text())
    assert deployed["action_endpoint"]["url"] == f"http://action-server:{make_variable('ACTION_PORT')}/webhook"
    deployed["action_endpoint"] = local["action_endpoint"]
    assert deployed == local


def test_the_web_page_uses_the_makefiles_port():
    web = SERVICES["web"]
    assert options(web["command"][1:])["--port"] == make_variable("WEB_PORT")
    assert web["ports"] == [f"{make_variable('WEB_PORT')}:{make_variable('WEB_PORT')}"]


def test_every_service_has_a_health_check_and_the_database_a_volume():
    assert all("healthcheck" in service for service in SERVICES.values())
    assert any(volume.startswith("conversations:") for volume in SERVICES["postgres"]["volumes"])
    assert "conversations" in COMPOSE["volumes"]


@pytest.mark.parametrize("dockerfile", sorted((PROJECT_ROOT / "docker").glob("*.Dockerfile")), ids=lambda p: p.name)
def test_what_the_images_copy_is_in_the_repository_or_built_by_make(dockerfile):
    for source in re.findall(r"^COPY (?!--from)(.+) \S+$", dockerfile.read_text(), re.M):
        for path in source.split():
            assert (PROJECT_ROOT / path).exists() or path.startswith("models/"), f"{dockerfile.name}: {path}"


def test_the_action_server_image_holds_every_file_the_action_server_reads():
    """The knowledge file, the school's settings, the quiz's example answers, the NLU data's
    out-of-scope examples and the caches built from them (without the caches it would need
    scikit-learn, which the image lacks)."""
    from actions.career_fit import ANSWER_CACHE, ANSWERS_FILE
    from actions.knowledge import DEFAULT_KNOWLEDGE_FILE
    from actions.school import DEFAULT_SCHOOL_FILE
    from actions.understanding import INDEX_CACHE, OUT_OF_SCOPE_FILES

    dockerfile = (PROJECT_ROOT / "docker" / "action-server.Dockerfile").read_text()
    sources = re.findall(r"^COPY (?!--from)(\S+) /app/\S+$", dockerfile, re.M)
    copied = [PROJECT_ROOT / source for source in sources]
    for needed in (DEFAULT_KNOWLEDGE_FILE, DEFAULT_SCHOOL_FILE, ANSWERS_FILE, INDEX_CACHE, ANSWER_CACHE,
                   *OUT_OF_SCOPE_FILES):
        assert any(needed == source or source in needed.parents for source in copied), needed
