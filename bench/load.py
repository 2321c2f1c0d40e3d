"""A small HTTP load generator for 127.0.0.1 only, bounded in requests and in time."""

import http.client
import re
import statistics
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

HOST = "127.0.0.1"
MAX_SECONDS = 120


@dataclass
class LoadResult:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    elapsed: float = 0.0
    statuses: dict = field(default_factory=dict)

    def percentile(self, fraction: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies) if self.latencies else float("nan")

    @property
    def p95(self) -> float:
        return self.percentile(0.95)

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0


def _threads(concurrency: int, worker) -> float:
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def run_load(
    *,
    port: int,
    path: str,
    requests: int,
    concurrency: int,
    headers: dict | None = None,
    method: str = "GET",
    body_for=None,
    max_seconds: float = MAX_SECONDS,
) -> LoadResult:
    """Send `requests` requests with `concurrency` keep-alive clients; stops after `max_seconds`.

    `body_for(i)` may return (path, body, extra headers) per request, for POSTs that differ.
    A response counts as an error from status 400 on.
    """
    result = LoadResult()
    lock = threading.Lock()
    counter = iter(range(requests))
    deadline = time.monotonic() + max_seconds

    def worker():
        connection = http.client.HTTPConnection(HOST, port, timeout=60)
        while time.monotonic() < deadline:
            with lock:
                index = next(counter, None)
            if index is None:
                break
            target, body, extra = (path, None, {}) if body_for is None else body_for(index)
            start = time.perf_counter()
            status = 0
            try:
                connection.request(method, target, body=body, headers={**(headers or {}), **extra})
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection(HOST, port, timeout=60)
            duration = time.perf_counter() - start
            with lock:
                result.statuses[status] = result.statuses.get(status, 0) + 1
                if 0 < status < 400:
                    result.latencies.append(duration)
                else:
                    result.errors += 1
        connection.close()

    result.elapsed = _threads(concurrency, worker)
    return result


TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _cookie(headers: list[tuple[str, str]], name: str) -> str:
    for key, value in headers:
        if key.lower() == "set-cookie" and value.startswith(f"{name}="):
            return value.split(";", 1)[0].split("=", 1)[1]
    return ""


def run_form_posts(
    *,
    port: int,
    jobs: list[dict],
    concurrency: int,
    session_cookie: str,
    max_seconds: float,
    fields: dict,
    success_status: int = 302,
) -> LoadResult:
    """For each job {"path", "session"}: GET the form page, then POST it with its CSRF token.

    Only the POST is timed; a job succeeds when the POST answers `success_status` (the
    redirect after a successful form), anything else is an error. Each job runs once.
    """
    result = LoadResult()
    lock = threading.Lock()
    queue = iter(jobs)
    deadline = time.monotonic() + max_seconds

    def worker():
        while time.monotonic() < deadline:
            with lock:
                job = next(queue, None)
            if job is None:
                break
            connection = http.client.HTTPConnection(HOST, port, timeout=60)
            status = 0
            duration = 0.0
            try:
                cookies = {session_cookie: job["session"]}
                connection.request("GET", job["path"], headers={"Cookie": f"{session_cookie}={job['session']}"})
                page = connection.getresponse()
                html = page.read().decode("utf-8", "replace")
                cookies["csrftoken"] = _cookie(page.getheaders(), "csrftoken") or job.get("csrftoken", "")
                match = TOKEN.search(html)
                body = urlencode({**fields, "csrfmiddlewaretoken": match.group(1) if match else ""})
                cookie_header = "; ".join(f"{key}={value}" for key, value in cookies.items() if value)
                start = time.perf_counter()
                connection.request(
                    "POST",
                    job["path"],
                    body=body,
                    headers={
                        "Cookie": cookie_header,
                        "Content-Type": "application/x-www-form-urlencoded",
                    },
                )
                response = connection.getresponse()
                response.read()
                duration = time.perf_counter() - start
                status = response.status
            except (OSError, http.client.HTTPException):
                pass
            finally:
                connection.close()
            with lock:
                result.statuses[status] = result.statuses.get(status, 0) + 1
                if status == success_status:
                    result.latencies.append(duration)
                else:
                    result.errors += 1

    result.elapsed = _threads(concurrency, worker)
    remaining = sum(1 for _ in queue)
    if remaining:
        result.errors += remaining
        result.statuses["not sent (time bound)"] = remaining
    return result
