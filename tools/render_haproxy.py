"""Write a real haproxy.cfg from deploy/haproxy/haproxy.cfg.in: the @NAME@
values, and the cache rules of deploy/haproxy/cache.cfg at its two markers
(the frontend lines above the line "# --- section ---", the cache section
below it).

    python tools/render_haproxy.py OUT NAME=VALUE ...   (tools/cluster.sh)
    python tools/render_haproxy.py --docker             (writes docker/haproxy.cfg)

The Docker file is generated, never edited: tests/test_repository.py checks
that it is up to date.
"""

import re
import sys
from pathlib import Path

DEPLOY = Path(__file__).resolve().parents[1] / "deploy" / "haproxy"
DOCKER_CFG = Path(__file__).resolve().parents[1] / "docker" / "haproxy.cfg"
# docker/docker-compose.yml: the services odoo1 and odoo2, HAProxy's own folder
DOCKER_VALUES = {
    "MAXCONN": "60000",
    "RUN": "/var/lib/haproxy",
    "BIND": "",
    "FRONT_PORT": "8080",
    "STATS_BIND": "",
    "STATS_PORT": "8404",
    "NODE1_HOST": "odoo1",
    "NODE1_HTTP": "8069",
    "NODE1_GEVENT": "8072",
    "NODE2_HOST": "odoo2",
    "NODE2_HTTP": "8069",
    "NODE2_GEVENT": "8072",
    # Docker's DNS: a node's container may come back with another address
    "SERVER_OPTIONS": "resolvers docker init-addr last,libc,none",
}
DOCKER_RESOLVERS = """resolvers docker
    nameserver dns 127.0.0.11:53
    hold valid 10s
    hold other 5s"""
HEADER = "# Generated from deploy/haproxy/ by tools/render_haproxy.py --docker: do not edit.\n"


def cache_parts():
    """(frontend rules, cache section) of cache.cfg."""
    rules, _sep, section = (DEPLOY / "cache.cfg").read_text().partition("# --- section ---")
    return rules.strip(), section.strip()


def single_node(listen_port, odoo_port, maxconn=256, server_options=""):
    """The cache of cache.cfg in front of one Odoo (the cache's tests and
    `make bench-cache`), the way the cluster's configuration includes it."""
    rules, section = cache_parts()
    return f"""global
    maxconn {maxconn}
defaults
    mode http
    timeout connect 5s
    timeout client 60s
    timeout server 60s
frontend public
    bind 127.0.0.1:{listen_port}
{rules}
    default_backend odoo
backend odoo
    server odoo 127.0.0.1:{odoo_port} {server_options}
{section}
"""


def render(values, resolvers=""):
    text = (DEPLOY / "haproxy.cfg.in").read_text()
    text = text.replace("# @RESOLVERS@", resolvers or "# (no resolvers: the nodes are addresses)")
    for key, value in values.items():
        text = text.replace(f"@{key}@", value)
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    left = re.findall(r"@([A-Z0-9_]+)@", "\n".join(lines))
    if left:
        raise SystemExit(f"render_haproxy: no value for {', '.join(sorted(set(left)))}")
    rules, section = cache_parts()
    return text.replace("# @CACHE_RULES@", rules).replace("# @CACHE_SECTION@", section)


def main(argv):
    if argv == ["--docker"]:
        DOCKER_CFG.write_text(HEADER + render(DOCKER_VALUES, DOCKER_RESOLVERS))
        return
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        raise SystemExit(0 if argv else 2)
    out, *pairs = argv
    values = dict(pair.split("=", 1) for pair in pairs)
    Path(out).write_text(render(values))


if __name__ == "__main__":
    main(sys.argv[1:])
