#!/usr/bin/env python3
"""make test-deploy: every metric a Grafana panel of deploy/grafana/dashboards/mart.json queries
must be one mart exports. The exported names come from running processes' /metrics (files given
on the command line: the monolith's and each split-mode process's), not from a list kept by hand.

  dashboard.py DASHBOARD.json METRICS.txt...
"""
import json
import re
import sys

# Names PromQL itself or Prometheus provides, not mart.
PROMQL_WORDS = {
    "sum", "rate", "irate", "increase", "by", "without", "on", "ignoring", "group_left",
    "group_right", "histogram_quantile", "le", "max", "min", "avg", "count", "topk", "bottomk",
    "clamp_min", "clamp_max", "time", "vector", "scalar", "and", "or", "unless", "offset", "abs",
    "delta", "deriv", "changes", "resets", "label_replace", "label_values", "absent", "bool",
    "sort", "sort_desc", "round", "ceil", "floor", "up", "query_result", "count_over_time",
    "max_over_time", "min_over_time", "avg_over_time", "sum_over_time", "last_over_time",
}
SUFFIXES = ("_bucket", "_sum", "_count")


def queries(node):
    """Every PromQL text of the dashboard: panels' targets (`expr`, nested rows included) and
    template variables of type query (not the data source variable)."""
    if isinstance(node, dict):
        if node.get("type") == "query" and "query" in node:  # a template variable
            query = node["query"]
            yield query["query"] if isinstance(query, dict) else query
        for key, value in node.items():
            if key == "expr" and isinstance(value, str):
                yield value
            elif key != "query":
                yield from queries(value)
    elif isinstance(node, list):
        for value in node:
            yield from queries(value)


def metric_names(query):
    # Grafana's label_values(metric, label): the label is not a metric.
    query = re.sub(r"label_values\(\s*([^,)]*)(,[^)]*)?\)", r"\1", query)
    query = re.sub(r'"(?:[^"\\]|\\.)*"', '""', query)  # label values
    query = re.sub(r"\{[^}]*\}", "", query)  # label matchers
    query = re.sub(r"\[[^\]]*\]", "", query)  # ranges
    query = re.sub(r"\$\w+|\$\{[^}]*\}", "", query)  # Grafana variables
    query = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", query)
    names = set(re.findall(r"\b[a-zA-Z_:][a-zA-Z0-9_:]*\b", query))
    return {n for n in names if n not in PROMQL_WORDS and not re.fullmatch(r"\d.*|e\d+", n)}


def exported(paths):
    names = set()
    for path in paths:
        for line in open(path):
            match = re.match(r"#\s+(?:TYPE|HELP)\s+(\S+)|([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]", line)
            if match:
                names.add(match.group(1) or match.group(2))
    return names


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    dashboard = json.load(open(argv[1]))
    have = exported(argv[2:])
    if not any(n.startswith("mart_") for n in have):
        print("no mart_ metric in the given /metrics files", file=sys.stderr)
        return 1
    missing, checked = {}, set()
    for query in queries(dashboard):
        for name in metric_names(query):
            base = next((name[: -len(s)] for s in SUFFIXES if name.endswith(s)), name)
            checked.add(name)
            if name not in have and base not in have:
                missing.setdefault(name, query)
    for name, query in sorted(missing.items()):
        print(f"the dashboard queries {name}, which mart does not export: {query}")
    if missing:
        return 1
    print(f"{len(checked)} metric names in the dashboard's queries, all exported by mart")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
