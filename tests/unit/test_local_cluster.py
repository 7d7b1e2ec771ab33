"""A local cluster's members (es/cluster.py): what each node is told, without starting one."""

from __future__ import annotations

from pathlib import Path

import pytest

from alertstatus.es.cluster import LocalCluster, service_cluster
from alertstatus.es.engines import LOCAL_ENGINES
from alertstatus.es.runtime import LAUNCHER_PREFIX, launcher_source
from alertstatus.settings import Settings


@pytest.mark.parametrize("engine", LOCAL_ENGINES.values(), ids=lambda engine: engine.name)
def test_members_name_each_other_and_start_with_their_own_names(engine, tmp_path: Path) -> None:
    cluster = LocalCluster(
        home=tmp_path,
        data_dir=tmp_path,
        http_ports=(9251, 9252, 9253),
        transport_ports=(9401, 9402, 9403),
        engine=engine,
    )

    names = [node.forced_settings["node.name"] for node in cluster.nodes]
    assert len(set(names)) == 3 and names == cluster.node_names
    for node, transport in zip(cluster.nodes, (9401, 9402, 9403), strict=True):
        settings = node.node_settings
        assert settings["transport.port"] == transport
        assert settings["network.host"] == "127.0.0.1"
        assert settings["discovery.seed_hosts"] == [f"127.0.0.1:{p}" for p in (9401, 9402, 9403)]
        assert settings[engine.bootstrap_setting] == names
        assert "discovery.type" not in settings  # the runner's forced choice is overridden instead
        assert node.name == cluster.name  # one cluster name, of its own
        command = node.command(Path("/lib"), "/usr/bin/java")
        launcher = command.index(str(launcher_source()))
        assert command[launcher + 1] == engine.runner_main
        assert f"-D{LAUNCHER_PREFIX}discovery.type=zen" in command[:launcher]
        assert f"-D{LAUNCHER_PREFIX}node.name={node.forced_settings['node.name']}" in command
    assert len({node.data_dir for node in cluster.nodes}) == 3
    assert launcher_source().is_file()


def test_the_service_cluster_takes_the_ports_after_the_configured_one(tmp_path: Path) -> None:
    cluster = service_cluster(Settings(home=tmp_path, es_port=9200), 3)
    assert [node.http_port for node in cluster.nodes] == [9200, 9201, 9202]
    assert cluster.transport_ports == (9300, 9301, 9302)
    assert cluster.name == "alertstatus-cluster-9200"
