"""Finding 4: behind the compose network every client looked like the gateway. The
compose file passes FORWARDED_ALLOW_IPS for its own fixed subnet, and both gunicorn
and the settings read it. docker cannot run here: the file is parsed."""

from __future__ import annotations

import ipaddress
import json
import os
import runpy
import shutil
import subprocess
from pathlib import Path

import pytest
from django.test import RequestFactory

from portal.core.net import client_address
from tests.security.helpers import ROOT, production_settings

COMPOSE = ROOT / "docker-compose.yml"


def load_compose() -> dict:
    """docker-compose.yml as data (PyYAML: in the dev extras; else the system Python's)."""
    try:
        import yaml
    except ImportError:
        python = shutil.which("python3")
        code = "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))"
        out = subprocess.run(  # noqa: S603 (a fixed command)
            [python or "python3", "-c", code, str(COMPOSE)], capture_output=True, text=True
        )
        if out.returncode != 0:
            pytest.skip("no YAML parser available")
        return json.loads(out.stdout)
    return yaml.safe_load(COMPOSE.read_text())


def default_of(value: str) -> str:
    """'${NAME:-default}' -> 'default'."""
    assert value.startswith("${") and ":-" in value, value
    return value[value.index(":-") + 2 : -1]


def test_every_portal_service_gets_forwarded_allow_ips_for_the_compose_network() -> None:
    compose = load_compose()
    subnet = default_of(compose["networks"]["default"]["ipam"]["config"][0]["subnet"])
    for name in ("web", "worker", "beat", "migrate"):
        env = compose["services"][name]["environment"]
        trusted = default_of(env["FORWARDED_ALLOW_IPS"])
        networks = [ipaddress.ip_network(p.strip(), strict=False) for p in trusted.split(",")]
        gateway = next(ipaddress.ip_network(subnet).hosts())
        assert any(gateway in net for net in networks), (name, trusted, subnet)


def test_the_worker_memory_is_capped() -> None:
    worker = load_compose()["services"]["worker"]
    assert "--max-memory-per-child" in worker["command"]
    assert default_of(worker["mem_limit"])


def test_gunicorn_reads_forwarded_allow_ips(monkeypatch) -> None:
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "172.28.0.0/16")
    config = runpy.run_path(str(ROOT / "portal" / "gunicorn.conf.py"))
    assert config["forwarded_allow_ips"] == "172.28.0.0/16"
    monkeypatch.delenv("FORWARDED_ALLOW_IPS")
    assert runpy.run_path(str(ROOT / "portal" / "gunicorn.conf.py"))["forwarded_allow_ips"] == (
        "127.0.0.1,::1"
    )


def test_the_settings_read_forwarded_allow_ips() -> None:
    found = production_settings("TRUSTED_PROXIES", FORWARDED_ALLOW_IPS="172.28.0.0/16,10.0.0.5")
    assert found["TRUSTED_PROXIES"] == ["172.28.0.0/16", "10.0.0.5"]


def test_a_client_behind_the_compose_gateway_keeps_its_own_address(settings) -> None:
    settings.TRUSTED_PROXIES = ["172.28.0.0/16"]
    request = RequestFactory().get(
        "/", REMOTE_ADDR="172.28.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7"
    )
    assert client_address(request) == "203.0.113.7"
    # A client outside the trusted network cannot claim another address.
    spoof = RequestFactory().get("/", REMOTE_ADDR="198.51.100.2", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_address(spoof) == "198.51.100.2"


def test_the_operations_guide_documents_it() -> None:
    text = Path(ROOT / "docs" / "operations.md").read_text()
    assert "FORWARDED_ALLOW_IPS" in text
    assert os.path.exists(COMPOSE)
