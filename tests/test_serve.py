"""``frist serve`` over real HTTP: a uvicorn server on a free port of 127.0.0.1, in a thread of the
test process, and an httpx client.

Every refusal must be the project's own located diagnostics as JSON, with the right status and
never a traceback; the reports must be those ``frist check --format json`` gives.
"""

from __future__ import annotations

import concurrent.futures
import json
import logging
import re
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

pytest.importorskip("fastapi")
httpx = pytest.importorskip("httpx")
uvicorn = pytest.importorskip("uvicorn")

import frist  # noqa: E402
from frist import serve  # noqa: E402
from frist.source import read_file  # noqa: E402

from conftest import ROOT, RULES  # noqa: E402
from helpers import run_cli, where  # noqa: E402

EXAMPLES = ROOT / "examples"
MAX_BYTES = 65_536  # above every persona's JSON (the longest is about 37 KB)
MAX_EVENTS = 400  # above every persona's events (the most are 348)
PERSONAS = sorted(p.name.removesuffix(".expected.yaml") for p in EXAMPLES.glob("*.expected.yaml"))
JSON = {"Content-Type": "application/json"}
YAML = {"Content-Type": "application/yaml"}


def persona(name: str) -> tuple[dict, str, str]:
    """A persona's timeline as located values, as JSON text, and the check date its expected report uses."""
    document, _ = read_file(EXAMPLES / f"{name}.yaml")
    expected, _ = read_file(EXAMPLES / f"{name}.expected.yaml")
    return document, json.dumps(document, ensure_ascii=False, indent=2), str(expected["as_of"])


def refused(response, status: int) -> dict:
    """The body of a refusal, after checking its form: the status, JSON, every problem located or null,
    and nothing of Python's."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert "Traceback" not in response.text and 'File "' not in response.text, response.text
    body = response.json()
    assert set(body) == {"error", "errors"} and body["error"] == body["errors"][0], body
    for problem in body["errors"]:
        assert set(problem) == {"message", "location", "hint", "rule"}, problem
        assert problem["location"] is None or set(problem["location"]) == {"file", "line", "column"}, problem
    return body


def located(response, status: int, text: str, needle: str, nth: int = 1) -> dict:
    """The first problem of a refusal, which must stand at ``needle`` in the body ``text``."""
    error = refused(response, status)["error"]
    line, column = where(text, needle, nth)
    assert error["location"] == {"file": "request", "line": line, "column": column}, error
    return error


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def server(_cache_dir):
    """The base URL of a running service (the shipped rule book, small limits), up for the whole test run."""
    app = serve.create_app(RULES, max_bytes=MAX_BYTES, max_events=MAX_EVENTS)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # TCP: asyncio sets TCP_NODELAY
    listener.bind(("127.0.0.1", 0))  # the kernel's free port, held from here on: no race for it
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    assert httpx.get(f"{url}/health").status_code == 200
    yield url
    server.should_exit = True
    thread.join(timeout=30)
    listener.close()


@pytest.fixture(scope="session")
def client(server):
    with httpx.Client(base_url=server, timeout=60) as connection:
        yield connection


# ---------------------------------------------------------------------------- the endpoints

def test_health_names_the_rule_book(client, module):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "rulebook": module.BOOK["digest"]}


def test_rules_lists_the_rule_book(client, module):
    body = client.get("/rules").json()
    book = module.BOOK
    assert {k: body[k] for k in ("name", "path", "digest", "compiler", "language")} == {
        k: book[k] for k in ("name", "path", "digest", "compiler", "language")}
    assert [r["id"] for r in body["rules"]] == [r.id for r in module.RULES]
    cv = next(r for r in body["rules"] if r["id"] == "cv-on-jobnet")
    assert (cv["kind"], cv["holder"], cv["title"]["en"][:11]) == ("duty", "person", "Create a CV")
    assert cv["cites"][0]["source"] == "ff-pjece" and cv["cites"][0]["quote"]
    assert {r["kind"] for r in body["rules"]} == {"duty", "effect"}
    assert all(r["holder"] is None for r in body["rules"] if r["kind"] == "effect")
    assert [p["name"] for p in body["parameters"]] == list(book["parameter_info"])
    assert body["parameters"][0]["versions"][0]["from"]


def test_the_timeline_schema_is_the_one_the_command_prints(client, capsys):
    code, out, err = run_cli(["schema", "timeline", "--rules", RULES], capsys)
    assert code == 0, err
    assert client.get("/schema/timeline").json() == json.loads(out)


def test_openapi_lists_every_endpoint_with_its_description(client):
    spec = client.get("/openapi.json").json()
    assert {(path, method) for path, methods in spec["paths"].items() for method in methods} == {
        ("/check", "post"), ("/explain", "post"), ("/rules", "get"), ("/schema/timeline", "get"), ("/health", "get")}
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            assert operation["summary"] and operation["description"], (path, method)
    check = spec["paths"]["/check"]["post"]
    assert {p["name"] for p in check["parameters"]} == {"as_of", "format", "lang", "explain"}
    assert set(check["requestBody"]["content"]) == {"application/json", "application/yaml"}
    assert {"200", "400", "413", "415", "422"} <= set(check["responses"])
    schemas = spec["components"]["schemas"]
    refs = re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', json.dumps(spec))
    assert refs and not set(refs) - set(schemas), set(refs) - set(schemas)  # every reference resolves
    assert "registered" in json.dumps(schemas["Timeline_event"])
    assert client.get("/docs").status_code == 200


@pytest.mark.parametrize("name", PERSONAS)
def test_a_persona_gets_the_report_frist_check_gives(client, capsys, name):
    document, text, as_of = persona(name)
    response = client.post("/check", params={"as_of": as_of}, content=text.encode("utf-8"), headers=JSON)
    assert response.status_code == 200, response.text
    served = response.json()
    code, out, err = run_cli(["check", EXAMPLES / f"{name}.yaml", "--rules", RULES, "--as-of", as_of,
                              "--format", "json"], capsys)
    assert code == 0, err
    command = json.loads(out)
    assert served.pop("timeline") == f"request: {document['name']}"
    command.pop("timeline")
    assert served == command


def test_a_yaml_body_gives_the_same_report_as_json(client):
    _, text, as_of = persona("young-graduate-2024")
    from_json = client.post("/check", params={"as_of": as_of}, content=text, headers=JSON).json()
    yaml_text = (EXAMPLES / "young-graduate-2024.yaml").read_text("utf-8")
    response = client.post("/check", params={"as_of": as_of}, content=yaml_text.encode("utf-8"), headers=YAML)
    assert response.status_code == 200, response.text
    assert response.json() == from_json


def test_explain_false_leaves_the_explanations_out_and_nothing_else(client):
    document, _, as_of = persona("young-graduate-2024")
    full = client.post("/check", params={"as_of": as_of}, json=document).json()
    brief = client.post("/check", params={"as_of": as_of, "explain": "false"}, json=document).json()
    assert all(r["explanation"] for r in full["results"])
    assert all(r.pop("explanation") is None for r in brief["results"])
    for r in full["results"]:
        r.pop("explanation")
    assert brief == full


def test_without_as_of_the_timelines_own_is_used(client):
    document, _, _ = persona("young-graduate-2024")
    response = client.post("/check", json={**document, "as_of": "2024-06-30"})
    assert (response.json()["as_of"], response.json()["as_of_from"]) == ("2024-06-30", "timeline")


def test_explain_gives_each_instance_its_steps_and_text(client):
    document, _, as_of = persona("young-graduate-2024")
    served = client.post("/check", params={"as_of": as_of}, json=document).json()
    wanted = [r for r in served["results"] if r["rule"] == "cv-on-jobnet"]
    response = client.post("/explain", json={"timeline": document, "rule": "cv-on-jobnet", "as_of": as_of,
                                             "lang": "en"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["rule"], body["as_of"]) == ("cv-on-jobnet", as_of)
    assert [(r["instance"], r["status"]) for r in body["results"]] == [(r["instance"], r["status"]) for r in wanted]
    assert [r["explanation"] for r in body["results"]] == [r.get("explanation") for r in wanted]
    assert all("cv-on-jobnet" in r["text"] and r["instance"] in r["text"] for r in body["results"])
    one = client.post("/explain", json={"timeline": document, "rule": "cv-on-jobnet", "as_of": as_of,
                                        "instance": wanted[0]["instance"]}).json()
    assert [r["instance"] for r in one["results"]] == [wanted[0]["instance"]]


def test_format_html_gives_the_html_report(client):
    _, text, as_of = persona("young-graduate-2024")
    for lang in ("da", "en"):
        response = client.post("/check", params={"as_of": as_of, "format": "html", "lang": lang}, content=text,
                               headers=JSON)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/html")
        assert "cv-on-jobnet" in response.text and "Traceback" not in response.text


def test_twenty_concurrent_requests_each_get_their_own_report(server, module):
    names = PERSONAS[:20]
    assert len(names) == 20
    expected = {}
    for name in names:
        document, _, as_of = persona(name)
        report = frist.check(document, rules=module, as_of=as_of).to_json()
        report.pop("timeline")
        expected[name] = report
    start = threading.Barrier(len(names))

    def ask(name):
        _, text, as_of = persona(name)
        with httpx.Client(base_url=server, timeout=120) as own:
            start.wait()
            return own.post("/check", params={"as_of": as_of}, content=text, headers=JSON)

    with concurrent.futures.ThreadPoolExecutor(len(names)) as pool:
        answers = dict(zip(names, pool.map(ask, names)))
    for name, response in answers.items():
        assert response.status_code == 200, (name, response.text)
        got = response.json()
        assert got.pop("timeline") == f"request: {persona(name)[0]['name']}"
        assert got == expected[name], name


# ---------------------------------------------------------------------------- bad input

def test_malformed_json_is_located_in_the_body(client):
    text = ('{\n  "person": {"birth_date": "2000-05-17", "benefit": "dagpenge"},\n  "events": [\n'
            '    {"type": "registered", "date": "2024-03-01"}\n    {"type": "cv_created", "date": "2024-03-05"}\n'
            '  ]\n}\n')
    error = located(client.post("/check", content=text, headers=JSON), 400, text, '{"type": "cv_created"')
    assert error["message"] == "malformed JSON: Expecting ',' delimiter"


def test_malformed_yaml_is_located_in_the_body(client):
    text = "person: {birth_date: 2000-05-17, benefit: dagpenge}\nevents:\n  - {type: registered, date: 2024-03-01\n"
    error = refused(client.post("/check", content=text, headers=YAML), 400)["error"]
    assert error["message"].startswith("malformed YAML") and error["location"]["file"] == "request", error
    assert error["location"]["line"] in (3, 4), error


def test_an_unknown_event_type_is_located_with_a_hint(client):
    _, text, as_of = persona("young-graduate-2024")
    text = text.replace('"cv_created"', '"cv_create"', 1)
    response = client.post("/check", params={"as_of": as_of}, content=text, headers=JSON)
    error = located(response, 422, text, '"cv_create"')
    assert "unknown event type `cv_create`" in error["message"] and error["hint"] == "did you mean `cv_created`?"


def test_a_bad_date_is_located(client):
    _, text, as_of = persona("young-graduate-2024")
    text = text.replace('"2024-03-15"', '"2024-02-30"', 1)
    response = client.post("/check", params={"as_of": as_of}, content=text, headers=JSON)
    error = located(response, 422, text, '"2024-02-30"')
    assert "`2024-02-30` is not a valid date" in error["message"] and "YYYY-MM-DD" in error["hint"]


def test_every_problem_of_a_timeline_is_reported(client):
    text = ('{"person": {"birth_date": "2000-05-17", "benefit": "dagpenge", "akasse": "FAK"},\n "events": [\n'
            '  {"type": "registerd", "date": "2024-03-01"},\n  {"type": "cv_created", "date": "2024-13-05"}]}\n')
    body = refused(client.post("/check", params={"as_of": "2024-06-01"}, content=text, headers=JSON), 422)
    assert [(e["location"]["line"]) for e in body["errors"]] == [3, 4], body


@pytest.mark.parametrize("as_of", ["2024-13-01", "1 March 2024", "0001-01-01", ""])
def test_a_bad_as_of_is_refused(client, as_of):
    _, text, _ = persona("young-graduate-2024")
    error = refused(client.post("/check", params={"as_of": as_of}, content=text, headers=JSON), 422)["error"]
    assert error["message"].startswith("as_of: ") and error["location"] is None and error["hint"], error


def test_a_bad_as_of_in_an_explain_body_is_located(client):
    document, _, _ = persona("young-graduate-2024")
    text = json.dumps({"rule": "cv-on-jobnet", "as_of": "2024-02-30", "timeline": document}, indent=1)
    error = located(client.post("/explain", content=text, headers=JSON), 422, text, '"2024-02-30"')
    assert error["message"] == "as_of: `2024-02-30` is not a valid date YYYY-MM-DD"


def test_a_bad_query_parameter_is_refused_in_the_same_form(client):
    _, text, _ = persona("young-graduate-2024")
    error = refused(client.post("/check", params={"format": "pdf"}, content=text, headers=JSON), 422)["error"]
    assert error["message"].startswith("query parameter `format`: "), error


def test_a_body_over_the_limit_is_refused(client):
    response = client.post("/check", content=b"{" + b" " * MAX_BYTES + b"}", headers=JSON)
    assert "content-length" in response.request.headers
    error = refused(response, 413)["error"]
    assert error["message"] == f"the body is longer than this service takes ({MAX_BYTES:,} bytes)"
    assert "--max-bytes" in error["hint"]


def test_a_chunked_body_over_the_limit_is_refused(client):
    def chunks():  # 128 KiB, twice the limit, with no length declared
        for _ in range(8):
            yield b" " * 16_384

    response = client.post("/check", content=chunks(), headers=JSON)
    assert response.request.headers.get("transfer-encoding") == "chunked"
    assert "content-length" not in response.request.headers
    refused(response, 413)
    assert client.get("/health").status_code == 200  # and the service goes on


def test_a_chunked_body_within_the_limit_is_read(client):
    _, text, as_of = persona("young-graduate-2024")
    data = text.encode("utf-8")

    def chunks():
        for at in range(0, len(data), 1000):
            yield data[at:at + 1000]

    response = client.post("/check", params={"as_of": as_of}, content=chunks(), headers=JSON)
    assert response.status_code == 200, response.text
    assert response.json()["summary"] == client.post("/check", params={"as_of": as_of}, content=data,
                                                     headers=JSON).json()["summary"]


def test_too_many_events_are_refused_at_the_events(client):
    event = {"type": "application", "date": "2024-03-05", "fulltime": True, "posted": True}
    document = {"person": {"birth_date": "2000-05-17", "benefit": "dagpenge", "akasse": "FAK"},
                "events": [event] * (MAX_EVENTS + 1)}
    text = json.dumps(document)
    error = located(client.post("/check", content=text, headers=JSON), 422, text, "[")
    assert error["message"] == f"the timeline has {MAX_EVENTS + 1} events, more than this service takes ({MAX_EVENTS})"
    document["events"] = [event] * MAX_EVENTS
    response = client.post("/check", params={"as_of": "2024-06-01"}, json=document)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("content, headers, status, message", [
    (b'{"person": {}}', {"Content-Type": "text/plain"}, 415, "the body's Content-Type `text/plain` is neither JSON nor YAML"),
    (b'{"person": {"name": "\xff"}}', JSON, 400, "the body is not UTF-8 text (byte 21)"),
    (b"  \n", JSON, 400, "the body is empty"),
], ids=["content-type", "not-utf-8", "empty"])
def test_a_body_that_cannot_be_read_is_refused(client, content, headers, status, message):
    error = refused(client.post("/check", content=content, headers=headers), status)["error"]
    assert error["message"] == message and error["hint"], error


def test_a_check_that_cannot_proceed_is_located_at_its_rule(client):
    document = {"person": {"birth_date": "1980-01-01", "benefit": "dagpenge", "insurance": "parttime", "akasse": "FAK"},
                "events": [{"type": "registered", "date": "2024-03-04"},
                           {"type": "wage_work", "date": "2024-03-13", "hours": 4}]}
    error = refused(client.post("/check", params={"as_of": "2024-03-31"}, json=document), 422)["error"]
    assert error["rule"] == "minimum-payment-parttime" and error["location"]["file"] == str(RULES), error
    assert "former_weekly_hours" in error["message"] and "former_weekly_hours" in error["hint"]


def test_an_unknown_rule_is_not_found_with_the_close_ones(client):
    document, _, as_of = persona("young-graduate-2024")
    text = json.dumps({"timeline": document, "rule": "cv-on-jobnt", "as_of": as_of}, indent=1)
    error = located(client.post("/explain", content=text, headers=JSON), 404, text, '"cv-on-jobnt"')
    assert error["message"] == "the rule book has no rule `cv-on-jobnt`"
    assert error["hint"].startswith("did you mean `cv-on-jobnet`"), error


def test_an_unknown_instance_is_not_found_with_the_rules_instances(client):
    document, _, as_of = persona("young-graduate-2024")
    text = json.dumps({"timeline": document, "rule": "cv-on-jobnet", "instance": "registered 2024-03-02",
                       "as_of": as_of}, indent=1)
    error = located(client.post("/explain", content=text, headers=JSON), 404, text, '"registered 2024-03-02"')
    assert "its instances in this timeline: `registered 2024-03-01`" in error["hint"], error


def test_an_explain_body_is_checked_field_by_field(client):
    text = '{"timline": {}, "rule": 7}'
    body = refused(client.post("/explain", content=text, headers=JSON), 422)
    messages = {e["message"]: e for e in body["errors"]}
    assert set(messages) == {"unknown key `timline`", "`timeline` is missing", "`rule` must be text"}, messages
    assert messages["unknown key `timline`"]["hint"] == "did you mean `timeline`?"


def test_an_unknown_path_or_method_is_refused_in_the_same_form(client):
    assert refused(client.get("/chek"), 404)["error"]["message"] == "no such endpoint: GET /chek"
    response = client.get("/check")
    assert refused(response, 405)["error"]["message"] == "/check does not take GET"
    assert response.headers["allow"] == "POST"


def test_a_fault_in_frist_is_a_500_without_its_details(client, monkeypatch, caplog):
    def failing(*args, **kwargs):
        raise RuntimeError("a detail of the server's own")

    monkeypatch.setattr(serve, "check", failing)
    _, text, as_of = persona("young-graduate-2024")
    with caplog.at_level(logging.ERROR, logger="frist.serve"):
        response = client.post("/check", params={"as_of": as_of}, content=text, headers=JSON)
    error = refused(response, 500)["error"]
    assert "a detail of the server's own" not in response.text and "RuntimeError" not in response.text
    incident = re.search(r"incident (\w+)", error["hint"]).group(1)
    logged = [r for r in caplog.records if incident in r.getMessage()]
    assert logged and logged[0].exc_info[0] is RuntimeError
    monkeypatch.undo()
    assert client.post("/check", params={"as_of": as_of}, content=text, headers=JSON).status_code == 200


# ---------------------------------------------------------------------------- the command

def _frist(*argv: str) -> list[str]:
    return [sys.executable, "-c", "import sys\nfrom frist.cli import main\nsys.exit(main(sys.argv[1:]))", *argv]


def test_frist_serve_serves_until_interrupted(tmp_path):
    port = free_port()
    child = subprocess.Popen(_frist("serve", "--rules", str(RULES), "--port", str(port)), cwd=tmp_path,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert child.poll() is None, child.communicate()
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/health")
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "frist serve did not start"
                time.sleep(0.1)
        assert response.json()["status"] == "ok"
    finally:
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=30)
    assert child.returncode == 130, err  # as for any command stopped by Ctrl-C
    assert f"on http://127.0.0.1:{port}" in err and "Traceback" not in err, err


def test_frist_serve_on_a_port_in_use_says_so(server, capsys):
    port = server.rsplit(":", 1)[1]
    code, out, err = run_cli(["serve", "--rules", RULES, "--port", port], capsys)
    assert code == 2 and "Traceback" not in err, err
    assert f"cannot listen on 127.0.0.1:{port}" in err and "hint: choose another --host or --port" in err, err


def test_frist_serve_without_the_extra_names_the_command_that_installs_it(tmp_path):
    code = ("import sys\nsys.modules['fastapi'] = None\nfrom frist.cli import main\n"
            f"sys.exit(main(['serve', '--rules', {str(RULES)!r}]))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert "frist serve needs the Python package `fastapi`, which is not installed" in done.stderr
    assert 'hint: install the serve extra: pip install "frist-dagpenge[serve]"' in done.stderr
