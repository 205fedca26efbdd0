"""Load for the benchmarks: wrk when it is installed (Debian package `wrk`),
otherwise a small generator of our own with the same shape (N connections
each sending one request after another for a fixed time). Both report
requests per second, the 50th and 99th percentile latency and errors."""
import asyncio
import http.client
import re
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # connection errors, timeouts and status codes >= 400


def generator() -> str:
    return "wrk" if shutil.which("wrk") else "built-in"


def run(url: str, *, connections: int, seconds: float, headers: dict[str, str] | None = None) -> Load:
    if shutil.which("wrk"):
        return _wrk(url, connections, seconds, headers or {})
    return _built_in(url, connections, seconds, headers or {})


def _wrk(url, connections, seconds, headers) -> Load:
    command = ["wrk", "--latency", f"-t{min(connections, 2)}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    percentiles = dict(re.findall(r"^\s*(50|99)%\s+(\S+)\s*$", output, re.MULTILINE))
    if set(percentiles) != {"50", "99"}:
        raise RuntimeError(f"wrk gave no latency distribution for {url}:\n{output}")
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return Load(rps=float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
                p50_ms=_milliseconds(percentiles["50"]), p99_ms=_milliseconds(percentiles["99"]),
                requests=requests, errors=errors + (int(bad.group(1)) if bad else 0))


def _milliseconds(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000}[unit]


def _built_in(url, connections, seconds, headers) -> Load:
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    latencies, errors = [], [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def connection():
        mine, failed = [], 0
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                client = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
                client.request("GET", path, headers=headers)
                response = client.getresponse()
                response.read()
                client.close()
                failed += response.status >= 400
            except OSError:
                failed += 1
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    started = time.perf_counter()
    threads = [threading.Thread(target=connection) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    return Load(rps=len(latencies) / elapsed, p50_ms=1000 * latencies[len(latencies) // 2],
                p99_ms=1000 * latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
                requests=len(latencies), errors=errors[0])


@dataclass
class Answer:
    status: int  # 0 when the connection failed
    seconds: float


def at_once(base: str, requests: list[tuple[str, str, dict[str, str], str]], timeout: float = 120) -> list[Answer]:
    """Send every (method, path, headers, body) at the same moment, each on a
    connection of its own, from one thread: the burst's 500 people cost the
    machine a few milliseconds of generator, not 500 threads' worth, so
    nearly all its CPU is left to the app and the database."""
    parts = urlsplit(base)

    async def one(method, path, headers, body) -> Answer:
        started = time.perf_counter()
        try:
            reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
            payload = body.encode()
            head = [f"{method} {path} HTTP/1.1", f"Host: {parts.netloc}", "Connection: close",
                    f"Content-Length: {len(payload)}", *(f"{name}: {value}" for name, value in headers.items())]
            writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + payload)
            await writer.drain()
            status_line = await asyncio.wait_for(reader.readline(), timeout)
            await asyncio.wait_for(reader.read(), timeout)  # the whole answer, until the server closes
            writer.close()
            return Answer(int(status_line.split()[1]), time.perf_counter() - started)
        except (OSError, asyncio.TimeoutError, IndexError, ValueError):
            return Answer(0, time.perf_counter() - started)

    async def everyone():
        return await asyncio.gather(*(one(*request) for request in requests))

    return asyncio.run(everyone())
