"""A small Language Server Protocol client that drives Red Hat's yaml-language-server.

It speaks JSON-RPC over the server's stdin and stdout, as an editor does: the tests open
real files, read the diagnostics the server publishes and ask it for hovers. The server is
the npm package that ``.ci/run`` installs under ``.ci/editor`` (gitignored).
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
SERVER = REPO_ROOT / ".ci" / "editor" / "node_modules" / "yaml-language-server" / "bin"
SERVER_SCRIPT = SERVER / "yaml-language-server"


def server_missing() -> str | None:
    """Why the editor tests cannot run here, or None when they can."""
    if shutil.which("node") is None:
        return "node is not installed (the editor tests drive yaml-language-server with it)"
    if not SERVER_SCRIPT.is_file():
        return (
            "yaml-language-server is not installed: run the npm install line of .ci/run "
            "(it installs into .ci/editor)"
        )
    return None


class LanguageServer:
    """One running yaml-language-server, spoken to as an editor does."""

    def __init__(self, workspace: Path, settings: dict[str, Any] | None = None) -> None:
        node = shutil.which("node")
        assert node is not None
        self._process = subprocess.Popen(
            [node, str(SERVER_SCRIPT), "--stdio"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "NODE_NO_WARNINGS": "1"},
        )
        self._next_id = 0
        self._settings = {"validate": True, "hover": True, "completion": True, **(settings or {})}
        self._replies: queue.Queue[dict[str, Any]] = queue.Queue()
        self.diagnostics: dict[str, list[dict[str, Any]]] = {}
        self._published = threading.Condition()
        self._configured = threading.Event()
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._reader.start()
        self.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": workspace.as_uri(),
                "workspaceFolders": [{"uri": workspace.as_uri(), "name": workspace.name}],
                "capabilities": {
                    "textDocument": {
                        "hover": {"contentFormat": ["markdown", "plaintext"]},
                        "publishDiagnostics": {},
                    }
                },
            },
        )
        self.notify("initialized", {})
        self.notify("workspace/didChangeConfiguration", {"settings": {"yaml": self._settings}})
        # the server answers the notification by asking for its settings: files opened
        # before it has them would be checked without the workspace's schema mapping
        assert self._configured.wait(30), "yaml-language-server never asked for its settings"

    # -- the wire ------------------------------------------------------------------------

    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        assert self._process.stdin is not None
        self._process.stdin.write(f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        self._process.stdin.flush()

    def _read_loop(self) -> None:
        stream = self._process.stdout
        assert stream is not None
        while True:
            length = 0
            while True:
                line = stream.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            message = json.loads(stream.read(length))
            self._dispatch(message)

    def _dispatch(self, message: dict[str, Any]) -> None:
        method = message.get("method")
        if method is None:
            self._replies.put(message)
        elif "id" in message:
            # a request from the server (configuration, registrations): answer it plainly
            result: Any = None
            if method == "workspace/configuration":  # the server pulls its settings
                result = [
                    self._settings if item.get("section") == "yaml" else {}
                    for item in message["params"].get("items", [])
                ]
                self._configured.set()
            self._send({"id": message["id"], "result": result})
        elif method == "textDocument/publishDiagnostics":
            with self._published:
                params = message["params"]
                self.diagnostics[params["uri"]] = params["diagnostics"]
                self._published.notify_all()

    def request(self, method: str, params: dict[str, Any], timeout: float = 30) -> Any:
        self._next_id += 1
        wanted = self._next_id
        self._send({"id": wanted, "method": method, "params": params})
        deadline = time.monotonic() + timeout
        while True:
            reply = self._replies.get(timeout=max(0.01, deadline - time.monotonic()))
            if reply.get("id") == wanted:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result")

    def notify(self, method: str, params: dict[str, Any]) -> None:
        self._send({"method": method, "params": params})

    # -- what an editor does -------------------------------------------------------------

    def open(self, path: Path, text: str | None = None) -> str:
        """Open a file (its text on disk unless given); return its URI."""
        uri = path.resolve().as_uri()
        with self._published:
            self.diagnostics.pop(uri, None)
        self.notify(
            "textDocument/didOpen",
            {
                "textDocument": {
                    "uri": uri,
                    "languageId": "yaml",
                    "version": 1,
                    "text": path.read_text(encoding="utf-8") if text is None else text,
                }
            },
        )
        return uri

    def diagnostics_of(self, uri: str, timeout: float = 30) -> list[dict[str, Any]]:
        """The diagnostics the server publishes for an opened file.

        The server publishes once the schema is loaded; a hover first makes sure it has
        finished the file, so the list read after it is the final one.
        """
        self.hover(uri, 0, 0)
        deadline = time.monotonic() + timeout
        with self._published:
            while uri not in self.diagnostics:
                left = deadline - time.monotonic()
                assert left > 0, f"no diagnostics published for {uri}"
                self._published.wait(left)
            return list(self.diagnostics[uri])

    def hover(self, uri: str, line: int, character: int) -> str:
        """The hover text at a position (0-based), or "" when there is none."""
        result = self.request(
            "textDocument/hover",
            {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}},
        )
        if not result:
            return ""
        contents = result["contents"]
        if isinstance(contents, dict):
            return str(contents.get("value", ""))
        if isinstance(contents, list):
            return "\n".join(item if isinstance(item, str) else item["value"] for item in contents)
        return str(contents)

    def close(self) -> None:
        try:
            self.request("shutdown", {}, timeout=5)
            self.notify("exit", {})
            self._process.wait(timeout=5)
        except (RuntimeError, queue.Empty, OSError, subprocess.TimeoutExpired):
            self._process.kill()
            self._process.wait()
