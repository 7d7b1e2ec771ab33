"""Kibana alerting rules (legacy 7.x `/api/alerts` and 2023-10-31 `/api/alerting/rule`).

Rules are stored in Elasticsearch, one document per rule and space; both APIs read and write the
same documents. Rules are not executed: this service stores and serves them (docs/rules.md).
"""
