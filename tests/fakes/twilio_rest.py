"""A local server speaking the part of Twilio's REST API the gateway uses: updating a live call.

`POST /2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}.json` with form fields (`Twiml`, `Url`,
`Status`...) and HTTP Basic auth (account SID, auth token), answered with a Call resource in
Twilio's JSON shape, or Twilio's error shape (401 bad credentials, 404 unknown path).
Every accepted update is kept in `updates` for tests to assert on. `answer_delay_s` makes the fake
answer like a slow Twilio: the update is kept at once, the answer leaves that much later.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

_CALL_PATH = re.compile(r"^/2010-04-01/Accounts/(AC\w+)/Calls/(CA\w+)\.json$")


@dataclass
class CallUpdate:
    account_sid: str
    call_sid: str
    form: dict[str, str]


class FakeTwilioRest:
    def __init__(self, account_sid: str, auth_token: str, answer_delay_s: float = 0.0) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.answer_delay_s = answer_delay_s
        self._stopping = threading.Event()
        self.received = threading.Event()  # set once an update has been kept
        self.updates: list[CallUpdate] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeTwilioRest:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def snapshot(self) -> list[CallUpdate]:
        with self._lock:
            return list(self.updates)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:  # quiet
                return

            def do_POST(self) -> None:  # http.server's naming
                match = _CALL_PATH.match(self.path.split("?")[0])
                if match is None:
                    self._error(404, 20404, "The requested resource was not found")
                    return
                if not self._authorised() or match.group(1) != fake.account_sid:
                    self._error(401, 20003, "Authenticate")
                    return
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8")
                form = {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}
                update = CallUpdate(match.group(1), match.group(2), form)
                with fake._lock:
                    fake.updates.append(update)
                fake.received.set()
                status = "completed" if form.get("Status") == "completed" else "in-progress"
                fake._stopping.wait(fake.answer_delay_s)  # a slow Twilio (not synchronisation)
                self._json(200, _call_resource(update.account_sid, update.call_sid, status))

            def _authorised(self) -> bool:
                header = self.headers.get("Authorization", "")
                if not header.startswith("Basic "):
                    return False
                expected = f"{fake.account_sid}:{fake.auth_token}".encode()
                return base64.b64decode(header[6:]) == expected

            def _error(self, status: int, code: int, message: str) -> None:
                body = {
                    "code": code,
                    "message": message,
                    "more_info": f"https://www.twilio.com/docs/errors/{code}",
                    "status": status,
                }
                self._json(status, body)

            def _json(self, status: int, body: dict[str, object]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler


def _call_resource(account_sid: str, call_sid: str, status: str) -> dict[str, object]:
    uri = f"/2010-04-01/Accounts/{account_sid}/Calls/{call_sid}.json"
    return {
        "sid": call_sid,
        "account_sid": account_sid,
        "status": status,
        "direction": "inbound",
        "from": "+15555550100",
        "to": "+15555550199",
        "api_version": "2010-04-01",
        "uri": uri,
        "subresource_uris": {"recordings": uri.replace(".json", "/Recordings.json")},
    }
