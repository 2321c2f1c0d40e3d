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
    sent_at: list[float] = field(default_factory=list)  # open loop: each request's departure after the start

    def record(self, status, duration: float, *, ok: bool) -> None:
        """One response (the caller holds the lock): its latency when it succeeded, an error otherwise."""
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if ok:
            self.latencies.append(duration)
        else:
            self.errors += 1

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
                result.record(status, duration, ok=0 < status < 400)
        connection.close()

    result.elapsed = _threads(concurrency, worker)
    return result


TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _cookie(headers: list[tuple[str, str]], name: str) -> str:
    for key, value in headers:
        if key.lower() == "set-cookie" and value.startswith(f"{name}="):
            return value.split(";", 1)[0].split("=", 1)[1]
    return ""


def prepare_form_posts(
    *, port: int, jobs: list[dict], session_cookie: str, fields: dict, concurrency: int = 5, max_seconds: float = 300
) -> list[dict]:
    """GET each job's form page once (closed loop, before any timing) and keep what its POST needs.

    Returns, per job, {"path", "headers", "body"}: the session and CSRF cookies and the form's token,
    so that a timed run sends the submissions alone, at the rate it chooses.
    """
    prepared: list[dict | None] = [None] * len(jobs)
    lock = threading.Lock()
    indexes = iter(range(len(jobs)))
    deadline = time.monotonic() + max_seconds

    def fetch(job) -> dict | None:
        connection = http.client.HTTPConnection(HOST, port, timeout=60)
        try:
            connection.request("GET", job["path"], headers={"Cookie": f"{session_cookie}={job['session']}"})
            page = connection.getresponse()
            html = page.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException):
            return None
        finally:
            connection.close()
        match = TOKEN.search(html)
        if page.status != 200 or not match:
            return None
        cookies = {session_cookie: job["session"], "csrftoken": _cookie(page.getheaders(), "csrftoken")}
        return {
            "path": job["path"],
            "body": urlencode({**fields, "csrfmiddlewaretoken": match.group(1)}),
            "headers": {
                "Cookie": "; ".join(f"{key}={value}" for key, value in cookies.items() if value),
                "Content-Type": "application/x-www-form-urlencoded",
            },
        }

    def worker():
        while time.monotonic() < deadline:
            with lock:
                index = next(indexes, None)
            if index is None:
                break
            for _attempt in range(3):  # a worker restarted by gunicorn, a slow first request: try again
                prepared[index] = fetch(jobs[index])
                if prepared[index] is not None:
                    break

    _threads(concurrency, worker)
    return [job for job in prepared if job is not None]


def _post_once(port: int, job: dict) -> tuple[int, float]:
    connection = http.client.HTTPConnection(HOST, port, timeout=60)
    status = 0
    started = time.perf_counter()
    try:
        connection.request("POST", job["path"], body=job["body"], headers=job["headers"])
        response = connection.getresponse()
        response.read()
        status = response.status
    except (OSError, http.client.HTTPException):
        pass
    finally:
        connection.close()
    return status, time.perf_counter() - started


def run_open_loop(*, port: int, jobs: list[dict], rate: float, success_status: int = 302) -> LoadResult:
    """Send prepared POSTs (from `prepare_form_posts`) at `rate` per second, each on its own thread.

    Open loop: the i-th request leaves at start + i / rate whatever became of the earlier ones, as
    applicants do at a deadline; a slow server makes requests pile up instead of slowing the arrivals.
    """
    result = LoadResult()
    lock = threading.Lock()

    def send(job):
        status, duration = _post_once(port, job)
        with lock:
            result.record(status, duration, ok=status == success_status)

    threads = []
    started = time.perf_counter()
    for index, job in enumerate(jobs):
        delay = started + index / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        thread = threading.Thread(target=send, args=(job,), daemon=True)
        result.sent_at.append(time.perf_counter() - started)
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join(timeout=120)
    result.elapsed = time.perf_counter() - started
    return result


def run_closed_loop(*, port: int, jobs: list[dict], concurrency: int, success_status: int = 302) -> LoadResult:
    """Send prepared POSTs with `concurrency` clients, each sending its next one as soon as the last returns:
    with more clients than server workers, `throughput` is the server's saturation rate."""
    result = LoadResult()
    lock = threading.Lock()
    queue = iter(jobs)

    def worker():
        while True:
            with lock:
                job = next(queue, None)
            if job is None:
                break
            status, duration = _post_once(port, job)
            with lock:
                result.record(status, duration, ok=status == success_status)

    result.elapsed = _threads(concurrency, worker)
    return result
