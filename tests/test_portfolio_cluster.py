"""The portfolio on many processes and on a Dask cluster: the same bits whatever runs it.

Seeds are per community and per block of draws (finmodel.portfolio.run), and the communities are
added in a fixed order, so the reference is simply the same portfolio run in this process in one
chunk; every other way of running it must give identical arrays (``np.array_equal``, not a tolerance).
"""

from __future__ import annotations

import json
import os
import signal

import numpy as np
import pytest
from click.testing import CliRunner

from finmodel.cli import main
from finmodel.portfolio import run, run_portfolio
from finmodel.portfolio.synthetic import synthetic_district

from .conftest import ROOT

DRAWS, SEED = 48, 11


@pytest.fixture(scope="module")
def district():
    return synthetic_district(20, seed=5)


@pytest.fixture(scope="module")
def reference(district):
    return run_portfolio(district, draws=DRAWS, seed=SEED, chunk=DRAWS)


def same(a, b) -> list[str]:
    """The arrays of two results that differ in any bit (empty when identical)."""
    bad = [k for k in a.sums if not np.array_equal(a.sums[k], b.sums[k])]
    bad += [k for k in a.kpi if not np.array_equal(a.kpi[k], b.kpi[k], equal_nan=True)]
    for part in ("firm", "district"):
        for group in ("years", "metrics"):
            x, y = getattr(a, part)[group], getattr(b, part)[group]
            bad += [f"{part}.{k}" for k in x if not np.array_equal(x[k], y[k], equal_nan=True)]
    return bad


def test_synthetic_district_is_seeded(district):
    again = synthetic_district(20, seed=5)
    assert [m.assumptions for m in again.members] == [m.assumptions for m in district.members]
    other = synthetic_district(20, seed=6)
    assert [m.assumptions for m in other.members] != [m.assumptions for m in district.members]


def test_chunk_sizes_and_local_processes_give_the_same_bits(district, reference):
    assert same(run_portfolio(district, draws=DRAWS, seed=SEED, chunk=20), reference) == []
    assert same(run_portfolio(district, draws=DRAWS, seed=SEED, chunk=24, workers=2), reference) == []
    # the check can fail: another seed changes the figures
    assert same(run_portfolio(district, draws=DRAWS, seed=SEED + 1, chunk=DRAWS), reference) != []


def test_draws_differ_by_community(reference):
    """Each community has its own streams: two communities' capex draws are not the same sequence."""
    npv = reference.kpi["npv"]
    assert not np.array_equal(np.argsort(npv[0]), np.argsort(npv[1]))


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0")
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def test_local_cluster_and_a_killed_worker_change_nothing(district, reference, client, monkeypatch):
    assert same(run_portfolio(district, draws=DRAWS, seed=SEED, chunk=8, client=client), reference) == []
    pids = client.run(os.getpid)
    killed = []
    take = run._Combiner.take

    def take_and_kill(self, g, lo, res):
        if not killed:                       # after the first result: kill a worker with tasks still to run
            victim = sorted(pids.values())[0]
            os.kill(victim, signal.SIGKILL)
            killed.append(victim)
        take(self, g, lo, res)

    monkeypatch.setattr(run._Combiner, "take", take_and_kill)
    assert same(run_portfolio(district, draws=DRAWS, seed=SEED, chunk=8, client=client), reference) == []
    assert killed and killed[0] not in client.run(os.getpid).values()     # it was really gone (a new one took its place)


def test_cli_local_cluster_equals_local(tmp_path):
    pf = ROOT / "assumptions" / "operator_portfolio.yaml"
    args = ["portfolio", str(pf), "--draws", "12", "--seed", "3", "--json", "--no-report"]
    local = CliRunner().invoke(main, args + ["--chunk", "5"], catch_exceptions=False)
    cl = CliRunner().invoke(main, args + ["--local-cluster", "2"], catch_exceptions=False)
    assert local.exit_code == 0 and cl.exit_code == 0, cl.output
    assert json.loads(local.stdout) == json.loads(cl.stdout)


def test_scheduler_and_local_cluster_together_is_a_usage_error():
    r = CliRunner().invoke(main, ["portfolio", str(ROOT / "assumptions" / "operator_portfolio.yaml"), "--no-report",
                                  "--scheduler", "tcp://127.0.0.1:1", "--local-cluster", "2"])
    assert r.exit_code == 2 and len(r.stderr.strip().splitlines()) == 1


def test_cli_scheduler_address_equals_local(client):
    """--scheduler ADDRESS: the same JSON as the local run (the cluster of the fixture, by its address)."""
    pf = ROOT / "assumptions" / "operator_portfolio.yaml"
    args = ["portfolio", str(pf), "--draws", "6", "--seed", "4", "--json", "--no-report"]
    local = CliRunner().invoke(main, args, catch_exceptions=False)
    remote = CliRunner().invoke(main, args + ["--scheduler", client.scheduler.address, "--chunk", "4"],
                                catch_exceptions=False)
    assert remote.exit_code == 0, remote.output
    assert json.loads(local.stdout) == json.loads(remote.stdout)
