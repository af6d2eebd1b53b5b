"""CPU accounting for bench/load.py: what locust, gunicorn, our PostgreSQL backends and the
rest of the machine used while a phase ran, and the server's checkpoints meanwhile.

psutil comes with locust (requirements-dev.txt)."""

import subprocess
import time
from dataclasses import dataclass, field

from _serve import PG_SERVER


@dataclass
class CpuWatch:
    """CPU seconds used during a phase by locust, gunicorn (master and workers), the
    PostgreSQL backends serving our database, and the whole machine (neighbours included).
    Sampled every second, so that a backend that ends mid-phase is still counted."""

    locust_pid: int
    gunicorn_pid: int
    database: str
    seen: dict = field(default_factory=dict)  # (group, pid) -> (first, last) CPU seconds
    started: float = 0.0
    checkpoints: int = 0
    machine_start: object = None
    machine_end: object = None

    def _sample(self, conn) -> None:
        import psutil

        query = "SELECT pid FROM pg_stat_activity WHERE datname = %s"
        groups = {
            "locust": [self.locust_pid],
            "postgres": [row[0] for row in conn.execute(query, [self.database])],
        }
        try:
            server = psutil.Process(self.gunicorn_pid)
            groups["gunicorn"] = [server.pid, *(c.pid for c in server.children(recursive=True))]
        except psutil.NoSuchProcess:
            groups["gunicorn"] = []
        for group, pids in groups.items():
            for pid in pids:
                try:
                    process = psutil.Process(pid)
                    times = process.cpu_times()
                except psutil.Error:
                    continue
                used = times.user + times.system
                # A backend opened during the phase did all its work in it.
                new = group == "postgres" and process.create_time() >= self.started
                first, _ = self.seen.get((group, pid), (0.0 if new else used, used))
                self.seen[group, pid] = (first, used)

    def watch(self, process: subprocess.Popen) -> None:
        import psutil
        import psycopg

        self.started, self.machine_start = time.time(), psutil.cpu_times()
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            self.checkpoints = -self._checkpoints(conn)
            while process.poll() is None:
                self._sample(conn)
                time.sleep(1.0)
            self.checkpoints += self._checkpoints(conn)
        self.machine_end = psutil.cpu_times()

    @staticmethod
    def _checkpoints(conn) -> int:
        """Checkpoints of the whole server: other databases' CREATE and DROP request them."""
        query = "SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter"
        return conn.execute(query).fetchone()[0]

    def seconds(self) -> dict[str, float]:
        used = {"locust": 0.0, "gunicorn": 0.0, "postgres": 0.0}
        for (group, _), (first, last) in self.seen.items():
            used[group] += last - first
        start, end = self.machine_start, self.machine_end
        busy = (end.user + end.system + end.nice + end.irq + end.softirq + end.steal) - (
            start.user + start.system + start.nice + start.irq + start.softirq + start.steal
        )
        used["others"] = max(0.0, busy - sum(used.values()))
        used["machine"] = busy
        used["checkpoints"] = self.checkpoints
        return used
