"""Every command has help and stands in the README; `serve` really serves."""
from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from app import cli

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
FLASK_COMMANDS = {"run", "shell", "routes"}  # Flask's own, documented by Flask
OWN_COMMANDS = sorted(set(cli.commands) - FLASK_COMMANDS)  # every command of ours, none forgotten


@pytest.mark.parametrize("name", OWN_COMMANDS)
def test_every_command_has_help_and_is_in_the_readme(runner, name):
    result = runner.invoke(cli, [name, "--help"])
    assert result.exit_code == 0 and "Usage" in result.output
    assert f"repertoire {name}" in README


def test_serve_answers_on_the_port_it_is_given(sample_instance, tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    binary = Path(sys.executable).parent / "repertoire"
    server = subprocess.Popen([str(binary), "serve", "--port", str(port)],
                              env={"REPERTOIRE_INSTANCE": str(sample_instance), "PATH": "/usr/bin:/bin"},
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        for _ in range(300):  # up to a minute: start-up imports pandas and loads the index
            try:
                page = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).read().decode()
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail(server.stdout.read1().decode() if server.stdout else "no answer")
        assert "<html" in page and "partenariat" in page.lower()
    finally:
        server.terminate()
        server.wait(timeout=10)
