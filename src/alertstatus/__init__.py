"""alertstatus: bulk alert status changes on Elasticsearch, in Kibana's and other dialects."""

__version__ = "0.1.0"
