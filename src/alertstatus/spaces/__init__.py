"""Kibana's spaces: records in `.alertstatus-spaces`, and the spaces that exist only as alerts."""
