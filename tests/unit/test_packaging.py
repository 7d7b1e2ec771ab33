"""docker-compose.yml and Dockerfile cannot run here (no Docker engine): check their structure."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_runs_the_service_on_the_official_elasticsearch_image() -> None:
    services = compose()["services"]
    assert set(services) == {"elasticsearch", "alertstatus"}
    image = services["elasticsearch"]["image"]
    assert image.startswith("docker.elastic.co/elasticsearch/elasticsearch:")
    major = int(image.rsplit(":", 1)[1].split(".")[0])
    assert major in (8, 9)
    assert services["elasticsearch"]["environment"]["discovery.type"] == "single-node"


def test_compose_wires_the_service_to_elasticsearch_after_it_is_healthy() -> None:
    services = compose()["services"]
    service = services["alertstatus"]
    assert service["build"] == "."
    assert service["depends_on"]["elasticsearch"]["condition"] == "service_healthy"
    assert service["environment"]["ELASTICSEARCH_URL"] == "http://elasticsearch:9200"
    assert "5601:5601" in service["ports"]
    for name in services:
        assert services[name]["healthcheck"]["test"], name
    # Elasticsearch is reachable from the host's loopback only.
    assert all(port.startswith("127.0.0.1:") for port in services["elasticsearch"]["ports"])


def test_compose_variables_are_all_defined_by_the_user_or_escaped() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    # Compose interpolates ${VAR}; container-side variables must be written $${VAR}.
    for line in text.splitlines():
        stripped = line.replace("$${", "")
        if "${" in stripped:
            assert "ELASTIC_PASSWORD" in stripped, line


def test_dockerfile_installs_the_package_and_serves() -> None:
    lines = (ROOT / "Dockerfile").read_text().splitlines()
    instructions = [line.split()[0] for line in lines if line and not line.startswith("#")]
    assert instructions[0] == "FROM"
    assert any(line.startswith("RUN pip install .") for line in lines)
    assert lines[-1] == 'CMD ["alertstatus", "serve"]'
    assert "USER" in instructions


def test_dockerfile_brings_the_consoles_locked_front_end_dependencies() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert "package-lock.json" in text and "RUN npm ci" in text
    assert "--from=console /console/node_modules ./src/alertstatus/console/node_modules" in text
    assert text.index("node_modules ./src/alertstatus/console") < text.index("RUN pip install .")
